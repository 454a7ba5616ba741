//! The compact serialisation of the run-time parts of a [`Tabular`]: the
//! hierarchy, the notes with their text and resolved targets, the
//! 7th-character rules. One byte string, designed to become a section of the
//! index file; [`TabularView`] reads it in place, every read bounds-checked.
//!
//! ```text
//! offset  size   field
//! 0       4      layout version (u32 LE) = 1
//! 4       4      number of parts (u32 LE) = 9
//! 8       8*9    per part: offset (u32 LE, from the start), length (u32 LE)
//! ...            the parts, in this order:
//!
//! part 0  STRINGS       UTF-8 text of every distinct string, concatenated
//! part 1  STRING_OFFS   u32 LE per string, plus one: string i is
//!                       STRINGS[off[i]..off[i+1]]
//! part 2  CHAPTERS      32-byte records: number u8, 0 u8, first [7], last [7],
//!                       title string u32, details u32, first section u32,
//!                       end section u32
//! part 3  SECTIONS      40-byte records: first [7], last [7], chapter u8,
//!                       0 u8, parent section u16 (0xFFFF none), id string
//!                       u32, title string u32, details u32, first node u32,
//!                       end node u32, 0 [2]
//! part 4  NODES         20-byte records in tabular (pre-)order: code [7],
//!                       flags u8 (1 manifestation, 2 placeholder, 4 takes a
//!                       7th character), parent u32 (a node, or 0x8000_0000 |
//!                       section for a category), end u32 (one past the
//!                       subtree), details u32
//! part 5  CATEGORIES    8-byte records sorted by code: code [3], 0 u8, node u32
//! part 6  DETAILS       varint records (below)
//! part 7  RANGES        14-byte records: first [7], last [7] (a CodeRange);
//!                       a note's ranges are consecutive, and notes with the
//!                       same ranges share them
//! part 8  SEVEN_DEFS    u32 LE per 7th-character definition: its offset in
//!                       DETAILS
//! ```
//! Codes are ASCII, NUL-padded to 7 bytes. `details` is an offset into
//! DETAILS, or 0xFFFF_FFFF for none. Integers in DETAILS are LEB128 varints:
//!
//! ```text
//! owner details   [if the node takes a 7th character: def, allowed mask]
//!                 block count, then per block:
//!                   kind u8, code-first byte (0 none, 1 unconditional,
//!                   2 + phrase index (see PHRASES) conditional phrase,
//!                   16 leading clause, 17 alternatives),
//!                   note count, then per note:
//!                     text string, resolution byte (0 not applicable,
//!                     1 heading, 2 resolved, 3..=6 unresolved: no code,
//!                     unknown code, qualifier, bad range),
//!                     [2..=6: first range, range count]
//!                     [4..=6: detail string]
//! 7th definition  node, character count, per character: char u8, meaning
//!                 string, note count, note strings; then the count and
//!                 strings of the sevenChrNote
//! ```
//! The encoding is deterministic: the same model gives the same bytes.

use std::collections::HashMap;
use std::fmt;

use super::model::{
    extension_code, CodeFirstRule, CodeRange, Condition, NoteBlock, NoteKind, Resolution, Tabular,
    Unresolvable,
};
use crate::code::Code;

const LAYOUT_VERSION: u32 = 1;
const PARTS: usize = 9;
const HEADER: usize = 8 + 8 * PARTS;
const CHAPTER_LEN: usize = 32;
const SECTION_LEN: usize = 40;
const NODE_LEN: usize = 20;
const CATEGORY_LEN: usize = 8;
const RANGE_LEN: usize = 14;
const NONE: u32 = u32::MAX;
const SECTION_BIT: u32 = 0x8000_0000;

const F_MANIFESTATION: u8 = 1;
const F_PLACEHOLDER: u8 = 2;
const F_SEVENTH: u8 = 4;

/// The conditional phrases, by their index in the encoding.
const PHRASES: [&str; 7] = [
    "if applicable",
    "if known",
    "if present",
    "complicating",
    "when",
    "any",
    "due to",
];

const P_STRINGS: usize = 0;
const P_STRING_OFFS: usize = 1;
const P_CHAPTERS: usize = 2;
const P_SECTIONS: usize = 3;
const P_NODES: usize = 4;
const P_CATEGORIES: usize = 5;
const P_DETAILS: usize = 6;
const P_RANGES: usize = 7;
const P_SEVEN: usize = 8;

/// The serialised tabular list (see the module documentation for the layout).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TabularSections {
    /// The bytes.
    pub bytes: Vec<u8>,
}

#[derive(Default)]
struct Strings<'t> {
    ids: HashMap<&'t str, u32>,
    bytes: Vec<u8>,
    offs: Vec<u32>,
}

impl<'t> Strings<'t> {
    fn id(&mut self, s: &'t str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.offs.len() as u32;
        self.offs.push(self.bytes.len() as u32);
        self.bytes.extend_from_slice(s.as_bytes());
        self.ids.insert(s, id);
        id
    }
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn code7(out: &mut Vec<u8>, c: &Code) {
    let b = c.as_bytes();
    let mut f = [0u8; 7];
    let n = b.len().min(7);
    f[..n].copy_from_slice(&b[..n]);
    out.extend_from_slice(&f);
}

fn u32le(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn reason_byte(r: &Unresolvable) -> (u8, Option<&str>) {
    match r {
        Unresolvable::NoCode => (3, None),
        Unresolvable::UnknownCode(s) => (4, Some(s)),
        Unresolvable::Qualifier(s) => (5, Some(s)),
        Unresolvable::BadRange(s) => (6, Some(s)),
    }
}

fn code_first_byte(r: Option<CodeFirstRule>) -> u8 {
    match r {
        None => 0,
        Some(CodeFirstRule::Unconditional) => 1,
        Some(CodeFirstRule::Conditional(Condition::Phrase(p))) => {
            2 + PHRASES.iter().position(|x| *x == p).unwrap_or(0) as u8
        }
        Some(CodeFirstRule::Conditional(Condition::LeadingClause)) => 16,
        Some(CodeFirstRule::Conditional(Condition::Alternatives)) => 17,
    }
}

struct Encoder<'t> {
    strings: Strings<'t>,
    details: Vec<u8>,
    ranges: Vec<u8>,
    /// Range lists already written (many notes repeat), by their start.
    written: HashMap<&'t [CodeRange], u64>,
}

impl<'t> Encoder<'t> {
    fn ranges(&mut self, rs: &'t [CodeRange]) -> (u64, u64) {
        if let Some(&start) = self.written.get(rs) {
            return (start, rs.len() as u64);
        }
        let start = (self.ranges.len() / RANGE_LEN) as u64;
        for r in rs {
            code7(&mut self.ranges, &r.first);
            code7(&mut self.ranges, &r.last);
        }
        self.written.insert(rs, start);
        (start, rs.len() as u64)
    }

    /// Writes an owner's details; returns the offset or NONE.
    fn details(&mut self, blocks: &'t [NoteBlock], seventh: Option<(usize, u64)>) -> u32 {
        if blocks.is_empty() && seventh.is_none() {
            return NONE;
        }
        let at = self.details.len() as u32;
        if let Some((def, mask)) = seventh {
            varint(&mut self.details, def as u64);
            varint(&mut self.details, mask);
        }
        varint(&mut self.details, blocks.len() as u64);
        for b in blocks {
            self.details.push(b.kind.to_u8());
            self.details.push(code_first_byte(b.code_first));
            varint(&mut self.details, b.notes.len() as u64);
            for n in &b.notes {
                let text = self.strings.id(&n.text);
                varint(&mut self.details, u64::from(text));
                match &n.resolution {
                    Resolution::NotApplicable => self.details.push(0),
                    Resolution::Heading => self.details.push(1),
                    Resolution::Resolved(rs) => {
                        self.details.push(2);
                        let (s, c) = self.ranges(rs);
                        varint(&mut self.details, s);
                        varint(&mut self.details, c);
                    }
                    Resolution::Unresolved { reason, partial } => {
                        let (tag, detail) = reason_byte(reason);
                        self.details.push(tag);
                        let (s, c) = self.ranges(partial);
                        varint(&mut self.details, s);
                        varint(&mut self.details, c);
                        if let Some(d) = detail {
                            let id = self.strings.id(d);
                            varint(&mut self.details, u64::from(id));
                        }
                    }
                }
            }
        }
        at
    }
}

/// Serialises the run-time parts of `t`. Node titles are not written (the
/// catalog holds them); chapter and section titles are. The parts are
/// encoded in a fixed order (string ids are given out in first-use order).
pub fn encode(t: &Tabular) -> TabularSections {
    let mut e = Encoder {
        strings: Strings::default(),
        details: Vec::new(),
        ranges: Vec::new(),
        written: HashMap::new(),
    };
    let chapters = e.chapters(t);
    let sections = e.sections(t);
    let nodes = e.nodes(t);
    let categories = categories(t);
    let seven = e.seven_defs(t);
    let mut offs = Vec::with_capacity((e.strings.offs.len() + 1) * 4);
    for o in &e.strings.offs {
        u32le(&mut offs, *o);
    }
    u32le(&mut offs, e.strings.bytes.len() as u32);
    let parts: [&[u8]; PARTS] = [
        &e.strings.bytes,
        &offs,
        &chapters,
        &sections,
        &nodes,
        &categories,
        &e.details,
        &e.ranges,
        &seven,
    ];
    let mut bytes = Vec::with_capacity(HEADER + parts.iter().map(|p| p.len()).sum::<usize>());
    u32le(&mut bytes, LAYOUT_VERSION);
    u32le(&mut bytes, PARTS as u32);
    let mut at = HEADER as u32;
    for p in &parts {
        u32le(&mut bytes, at);
        u32le(&mut bytes, p.len() as u32);
        at += p.len() as u32;
    }
    for p in parts {
        bytes.extend_from_slice(p);
    }
    TabularSections { bytes }
}

impl<'t> Encoder<'t> {
    /// The chapter records.
    fn chapters(&mut self, t: &'t Tabular) -> Vec<u8> {
        let mut out = Vec::with_capacity(t.chapters.len() * CHAPTER_LEN);
        for c in &t.chapters {
            out.push(c.number);
            out.push(0);
            code7(&mut out, &c.first);
            code7(&mut out, &c.last);
            let title = self.strings.id(&c.title);
            u32le(&mut out, title);
            let d = self.details(&c.notes, None);
            u32le(&mut out, d);
            u32le(&mut out, c.sections.start as u32);
            u32le(&mut out, c.sections.end as u32);
        }
        out
    }

    /// The section records.
    fn sections(&mut self, t: &'t Tabular) -> Vec<u8> {
        let mut out = Vec::with_capacity(t.sections.len() * SECTION_LEN);
        for s in &t.sections {
            code7(&mut out, &s.first);
            code7(&mut out, &s.last);
            out.push(s.chapter as u8);
            out.push(0);
            out.extend_from_slice(&s.parent.map_or(u16::MAX, |p| p as u16).to_le_bytes());
            let id = self.strings.id(&s.id);
            u32le(&mut out, id);
            let title = self.strings.id(&s.title);
            u32le(&mut out, title);
            let d = self.details(&s.notes, None);
            u32le(&mut out, d);
            let start = s.categories.first().copied().unwrap_or(0);
            let end = s
                .categories
                .last()
                .map_or(start, |&l| t.nodes[l as usize].end);
            u32le(&mut out, start);
            u32le(&mut out, end);
            out.extend_from_slice(&[0; 2]);
        }
        out
    }

    /// The node (code) records.
    fn nodes(&mut self, t: &'t Tabular) -> Vec<u8> {
        let mut out = Vec::with_capacity(t.nodes.len() * NODE_LEN);
        for n in &t.nodes {
            code7(&mut out, &n.code);
            let mut flags = 0;
            if n.manifestation {
                flags |= F_MANIFESTATION;
            }
            if n.placeholder {
                flags |= F_PLACEHOLDER;
            }
            if n.seventh.is_some() {
                flags |= F_SEVENTH;
            }
            out.push(flags);
            let parent = n.parent.unwrap_or(SECTION_BIT | n.section as u32);
            u32le(&mut out, parent);
            u32le(&mut out, n.end);
            let d = self.details(&n.notes, n.seventh.map(|r| (r.def, r.allowed)));
            u32le(&mut out, d);
        }
        out
    }

    /// The 7th-character definitions, written into the details; returns
    /// their offsets.
    fn seven_defs(&mut self, t: &'t Tabular) -> Vec<u8> {
        let mut out = Vec::with_capacity(t.seven_defs.len() * 4);
        for d in &t.seven_defs {
            u32le(&mut out, self.details.len() as u32);
            varint(&mut self.details, u64::from(d.node));
            varint(&mut self.details, d.chars.len() as u64);
            for c in &d.chars {
                self.details.push(c.ch);
                let m = self.strings.id(&c.meaning);
                varint(&mut self.details, u64::from(m));
                self.string_list(&c.notes);
            }
            self.string_list(&d.note);
        }
        out
    }

    /// A count, then the string id of each text, into the details.
    fn string_list(&mut self, texts: &'t [String]) {
        varint(&mut self.details, texts.len() as u64);
        for n in texts {
            let id = self.strings.id(n);
            varint(&mut self.details, u64::from(id));
        }
    }
}

/// The categories (three-character codes) in code order, with their node.
fn categories(t: &Tabular) -> Vec<u8> {
    let mut cats: Vec<(Code, u32)> = t
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| n.parent.is_none())
        .map(|(i, n)| (n.code, i as u32))
        .collect();
    cats.sort_unstable();
    let mut out = Vec::with_capacity(cats.len() * CATEGORY_LEN);
    for (c, i) in cats {
        let b = c.as_bytes();
        let mut f = [0u8; 4];
        f[..b.len().min(3)].copy_from_slice(&b[..b.len().min(3)]);
        out.extend_from_slice(&f);
        u32le(&mut out, i);
    }
    out
}

/// A block's code-first class from its byte.
fn code_first_rule(b: u8) -> Result<Option<CodeFirstRule>, DecodeError> {
    Ok(match b {
        0 => None,
        1 => Some(CodeFirstRule::Unconditional),
        2..=8 => Some(CodeFirstRule::Conditional(Condition::Phrase(
            PHRASES[usize::from(b - 2)],
        ))),
        16 => Some(CodeFirstRule::Conditional(Condition::LeadingClause)),
        17 => Some(CodeFirstRule::Conditional(Condition::Alternatives)),
        _ => return Err(bad("unknown code-first class")),
    })
}

/// Steps over one note without decoding its text or ranges.
fn skip_note(c: &mut Cursor<'_>) -> Result<(), DecodeError> {
    c.index()?;
    let tag = c.byte()?;
    match tag {
        0 | 1 => {}
        2..=6 => {
            c.varint()?;
            c.varint()?;
            if tag >= 4 {
                c.index()?;
            }
        }
        _ => return Err(bad("unknown resolution tag")),
    }
    Ok(())
}

/// Why serialised tabular data cannot be read (damaged or of another layout).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(String);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "damaged tabular data: {}", self.0)
    }
}

impl std::error::Error for DecodeError {}

fn bad(what: impl Into<String>) -> DecodeError {
    DecodeError(what.into())
}

/// A place of the hierarchy in serialised data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A chapter (index).
    Chapter(u32),
    /// A section (index).
    Section(u32),
    /// A node (index, tabular order).
    Node(u32),
    /// A 7-character code: a leaf node and the 7th character.
    Extension {
        /// The leaf.
        node: u32,
        /// The 7th character.
        ch: u8,
    },
}

/// A decoded note block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockData<'a> {
    /// The kind.
    pub kind: NoteKind,
    /// For `codeFirst`: the classification.
    pub code_first: Option<CodeFirstRule>,
    /// The notes: text and resolution.
    pub notes: Vec<(&'a str, Resolution)>,
}

/// A decoded 7th character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SevenChrData<'a> {
    /// The character.
    pub ch: u8,
    /// Its meaning.
    pub meaning: &'a str,
    /// The notes after it.
    pub notes: Vec<&'a str>,
}

/// A decoded 7th-character definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SevenDefData<'a> {
    /// The node carrying it.
    pub node: u32,
    /// The characters.
    pub chars: Vec<SevenChrData<'a>>,
    /// The `sevenChrNote` notes.
    pub note: Vec<&'a str>,
}

/// A decoded node record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeData {
    /// The code.
    pub code: Code,
    /// Manifestation (own title or an ancestor's).
    pub manifestation: bool,
    /// `placeholder="true"`.
    pub placeholder: bool,
    /// The parent: a node or (for a category) a section.
    pub parent: Place,
    /// One past the last node of its subtree.
    pub end: u32,
    /// Its 7th-character rule: definition index and allowed mask.
    pub seventh: Option<(u32, u64)>,
}

/// A decoded chapter or section record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupData<'a> {
    /// For a chapter its number (1..=22); for a section the index of its
    /// chapter.
    pub number: u32,
    /// First code of the range.
    pub first: Code,
    /// Last code of the range.
    pub last: Code,
    /// The section id (empty for a chapter).
    pub id: &'a str,
    /// The title.
    pub title: &'a str,
    /// For a section: its grouping section.
    pub parent: Option<u32>,
    /// Sections of a chapter, nodes of a section: `start..end`.
    pub members: (u32, u32),
}

/// Reads serialised tabular data in place. Opening checks the header and the
/// part table; every later read is bounds-checked and returns a
/// [`DecodeError`] for damaged data, never panics.
#[derive(Debug, Clone, Copy)]
pub struct TabularView<'a> {
    parts: [&'a [u8]; PARTS],
}

fn u32_at(b: &[u8], at: usize) -> Result<u32, DecodeError> {
    b.get(at..at.checked_add(4).ok_or_else(|| bad("offset overflow"))?)
        .and_then(|s| s.try_into().ok())
        .map(u32::from_le_bytes)
        .ok_or_else(|| bad(format!("read past the end at {at}")))
}

fn u16_at(b: &[u8], at: usize) -> Result<u16, DecodeError> {
    b.get(at..at.checked_add(2).ok_or_else(|| bad("offset overflow"))?)
        .and_then(|s| s.try_into().ok())
        .map(u16::from_le_bytes)
        .ok_or_else(|| bad(format!("read past the end at {at}")))
}

fn code_from(b: &[u8]) -> Result<Code, DecodeError> {
    let n = b.iter().position(|&x| x == 0).unwrap_or(b.len());
    if b[n..].iter().any(|&x| x != 0) {
        return Err(bad("a code field with bytes after its padding"));
    }
    Code::from_normalised(&b[..n]).ok_or_else(|| bad("a code field that is not a normalised code"))
}

/// A cursor over DETAILS.
struct Cursor<'a> {
    b: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn byte(&mut self) -> Result<u8, DecodeError> {
        let v = *self
            .b
            .get(self.at)
            .ok_or_else(|| bad("details end early"))?;
        self.at += 1;
        Ok(v)
    }

    fn varint(&mut self) -> Result<u64, DecodeError> {
        let mut v = 0u64;
        for shift in (0..70).step_by(7) {
            let b = self.byte()?;
            if shift == 63 && b > 1 {
                return Err(bad("varint overflow"));
            }
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(bad("varint too long"))
    }

    fn index(&mut self) -> Result<u32, DecodeError> {
        u32::try_from(self.varint()?).map_err(|_| bad("index out of range"))
    }
}

impl<'a> TabularView<'a> {
    /// Opens serialised data.
    pub fn new(bytes: &'a [u8]) -> Result<TabularView<'a>, DecodeError> {
        let version = u32_at(bytes, 0)?;
        if version != LAYOUT_VERSION {
            return Err(bad(format!(
                "layout version {version}, expected {LAYOUT_VERSION}"
            )));
        }
        if u32_at(bytes, 4)? as usize != PARTS {
            return Err(bad("wrong number of parts"));
        }
        let mut parts: [&[u8]; PARTS] = [&[]; PARTS];
        for (i, p) in parts.iter_mut().enumerate() {
            let off = u32_at(bytes, 8 + 8 * i)? as usize;
            let len = u32_at(bytes, 12 + 8 * i)? as usize;
            *p = off
                .checked_add(len)
                .and_then(|end| bytes.get(off..end))
                .filter(|_| off >= HEADER)
                .ok_or_else(|| bad(format!("part {i} lies outside the data")))?;
        }
        for (i, size) in [
            (P_STRING_OFFS, 4),
            (P_CHAPTERS, CHAPTER_LEN),
            (P_SECTIONS, SECTION_LEN),
            (P_NODES, NODE_LEN),
            (P_CATEGORIES, CATEGORY_LEN),
            (P_RANGES, RANGE_LEN),
            (P_SEVEN, 4),
        ] {
            if !parts[i].len().is_multiple_of(size) {
                return Err(bad(format!("part {i} is not a whole number of records")));
            }
        }
        if parts[P_STRING_OFFS].is_empty() {
            return Err(bad("no string table"));
        }
        Ok(TabularView { parts })
    }

    fn string(&self, id: u32) -> Result<&'a str, DecodeError> {
        let offs = self.parts[P_STRING_OFFS];
        let i = id as usize;
        let a = u32_at(offs, i.checked_mul(4).ok_or_else(|| bad("string id"))?)? as usize;
        let b = u32_at(offs, (i + 1) * 4)? as usize;
        let s = self.parts[P_STRINGS]
            .get(a..b)
            .filter(|_| a <= b)
            .ok_or_else(|| bad("string outside the string table"))?;
        std::str::from_utf8(s).map_err(|_| bad("string is not UTF-8"))
    }

    /// Number of chapters.
    pub fn chapter_count(&self) -> u32 {
        (self.parts[P_CHAPTERS].len() / CHAPTER_LEN) as u32
    }

    /// Number of sections.
    pub fn section_count(&self) -> u32 {
        (self.parts[P_SECTIONS].len() / SECTION_LEN) as u32
    }

    /// Number of nodes.
    pub fn node_count(&self) -> u32 {
        (self.parts[P_NODES].len() / NODE_LEN) as u32
    }

    /// Number of 7th-character definitions.
    pub fn seven_def_count(&self) -> u32 {
        (self.parts[P_SEVEN].len() / 4) as u32
    }

    fn record(&self, part: usize, len: usize, i: u32) -> Result<&'a [u8], DecodeError> {
        let at = (i as usize).checked_mul(len).ok_or_else(|| bad("index"))?;
        self.parts[part]
            .get(at..at + len)
            .ok_or_else(|| bad(format!("record {i} of part {part} does not exist")))
    }

    /// Chapter `i`.
    pub fn chapter(&self, i: u32) -> Result<GroupData<'a>, DecodeError> {
        let r = self.record(P_CHAPTERS, CHAPTER_LEN, i)?;
        Ok(GroupData {
            number: u32::from(r[0]),
            first: code_from(&r[2..9])?,
            last: code_from(&r[9..16])?,
            id: "",
            title: self.string(u32_at(r, 16)?)?,
            parent: None,
            members: (u32_at(r, 24)?, u32_at(r, 28)?),
        })
    }

    /// Section `i`.
    pub fn section(&self, i: u32) -> Result<GroupData<'a>, DecodeError> {
        let r = self.record(P_SECTIONS, SECTION_LEN, i)?;
        let parent = u16_at(r, 16)?;
        Ok(GroupData {
            number: u32::from(r[14]),
            first: code_from(&r[0..7])?,
            last: code_from(&r[7..14])?,
            id: self.string(u32_at(r, 18)?)?,
            title: self.string(u32_at(r, 22)?)?,
            parent: (parent != u16::MAX).then_some(u32::from(parent)),
            members: (u32_at(r, 30)?, u32_at(r, 34)?),
        })
    }

    fn details_of(&self, place: Place) -> Result<u32, DecodeError> {
        match place {
            Place::Chapter(i) => u32_at(self.record(P_CHAPTERS, CHAPTER_LEN, i)?, 20),
            Place::Section(i) => u32_at(self.record(P_SECTIONS, SECTION_LEN, i)?, 26),
            Place::Node(i) => u32_at(self.record(P_NODES, NODE_LEN, i)?, 16),
            Place::Extension { .. } => Ok(NONE),
        }
    }

    /// Node `i`.
    pub fn node(&self, i: u32) -> Result<NodeData, DecodeError> {
        let r = self.record(P_NODES, NODE_LEN, i)?;
        let flags = r[7];
        let parent = u32_at(r, 8)?;
        let end = u32_at(r, 12)?;
        if end <= i || end > self.node_count() {
            return Err(bad(format!("node {i} has a bad subtree end {end}")));
        }
        let parent = if parent & SECTION_BIT != 0 {
            Place::Section(parent & !SECTION_BIT)
        } else if parent < i {
            Place::Node(parent)
        } else {
            return Err(bad(format!("node {i} has a parent after it")));
        };
        let seventh = if flags & F_SEVENTH != 0 {
            let d = u32_at(r, 16)?;
            let mut c = Cursor {
                b: self.parts[P_DETAILS],
                at: d as usize,
            };
            Some((c.index()?, c.varint()?))
        } else {
            None
        };
        Ok(NodeData {
            code: code_from(&r[..7])?,
            manifestation: flags & F_MANIFESTATION != 0,
            placeholder: flags & F_PLACEHOLDER != 0,
            parent,
            end,
            seventh,
        })
    }

    /// The note blocks at `place` (none for a 7-character code: its notes are
    /// its leaf's and the leaf's ancestors').
    pub fn notes(&self, place: Place) -> Result<Vec<BlockData<'a>>, DecodeError> {
        self.notes_of_kinds(place, |_| true)
    }

    /// The note blocks at `place` whose kind `want` accepts, in order; the
    /// others are stepped over without decoding their text or ranges (the
    /// fast path of checks that read one or two kinds).
    pub fn notes_of_kinds(
        &self,
        place: Place,
        want: impl Fn(NoteKind) -> bool,
    ) -> Result<Vec<BlockData<'a>>, DecodeError> {
        let d = self.details_of(place)?;
        if d == NONE {
            return Ok(Vec::new());
        }
        let mut c = Cursor {
            b: self.parts[P_DETAILS],
            at: d as usize,
        };
        if let Place::Node(i) = place {
            if self.record(P_NODES, NODE_LEN, i)?[7] & F_SEVENTH != 0 {
                c.varint()?;
                c.varint()?;
            }
        }
        let blocks = c.varint()?;
        let mut out = Vec::new();
        for _ in 0..blocks {
            let kind = NoteKind::from_u8(c.byte()?).ok_or_else(|| bad("unknown note kind"))?;
            let code_first = code_first_rule(c.byte()?)?;
            let n = c.varint()?;
            if !want(kind) {
                for _ in 0..n {
                    skip_note(&mut c)?;
                }
                continue;
            }
            let mut notes = Vec::new();
            for _ in 0..n {
                notes.push(self.note(&mut c)?);
            }
            out.push(BlockData {
                kind,
                code_first,
                notes,
            });
        }
        Ok(out)
    }

    /// One note of a block: its text and how its target resolved.
    fn note(&self, c: &mut Cursor<'a>) -> Result<(&'a str, Resolution), DecodeError> {
        let text = self.string(c.index()?)?;
        let tag = c.byte()?;
        let resolution = match tag {
            0 => Resolution::NotApplicable,
            1 => Resolution::Heading,
            2..=6 => {
                let ranges = self.ranges(c.varint()?, c.varint()?)?;
                let detail = if tag >= 4 {
                    self.string(c.index()?)?.to_owned()
                } else {
                    String::new()
                };
                match tag {
                    2 => Resolution::Resolved(ranges),
                    _ => Resolution::Unresolved {
                        reason: match tag {
                            3 => Unresolvable::NoCode,
                            4 => Unresolvable::UnknownCode(detail),
                            5 => Unresolvable::Qualifier(detail),
                            _ => Unresolvable::BadRange(detail),
                        },
                        partial: ranges,
                    },
                }
            }
            _ => return Err(bad("unknown resolution tag")),
        };
        Ok((text, resolution))
    }

    fn ranges(&self, start: u64, count: u64) -> Result<Vec<CodeRange>, DecodeError> {
        let total = (self.parts[P_RANGES].len() / RANGE_LEN) as u64;
        if start.checked_add(count).is_none_or(|e| e > total) {
            return Err(bad("ranges outside the range table"));
        }
        (start..start + count)
            .map(|i| {
                let r = self.record(P_RANGES, RANGE_LEN, i as u32)?;
                Ok(CodeRange {
                    first: code_from(&r[..7])?,
                    last: code_from(&r[7..])?,
                })
            })
            .collect()
    }

    /// 7th-character definition `i`.
    pub fn seven_def(&self, i: u32) -> Result<SevenDefData<'a>, DecodeError> {
        let at = u32_at(self.parts[P_SEVEN], (i as usize) * 4)?;
        let mut c = Cursor {
            b: self.parts[P_DETAILS],
            at: at as usize,
        };
        let node = c.index()?;
        let n = c.varint()?;
        let mut chars = Vec::new();
        for _ in 0..n {
            let ch = c.byte()?;
            let meaning = self.string(c.index()?)?;
            let k = c.varint()?;
            let mut notes = Vec::new();
            for _ in 0..k {
                notes.push(self.string(c.index()?)?);
            }
            chars.push(SevenChrData { ch, meaning, notes });
        }
        let n = c.varint()?;
        let mut note = Vec::new();
        for _ in 0..n {
            note.push(self.string(c.index()?)?);
        }
        Ok(SevenDefData { node, chars, note })
    }

    /// The 7th characters node `i` takes, in order.
    pub fn seventh_chars(&self, i: u32) -> Result<Vec<SevenChrData<'a>>, DecodeError> {
        let Some((def, mask)) = self.node(i)?.seventh else {
            return Ok(Vec::new());
        };
        let d = self.seven_def(def)?;
        Ok(d.chars
            .into_iter()
            .enumerate()
            .filter(|(k, _)| *k < 64 && mask & (1u64 << k) != 0)
            .map(|(_, c)| c)
            .collect())
    }

    /// The place of a code: a node, or a 7-character code of a leaf.
    pub fn lookup(&self, code: &Code) -> Result<Option<Place>, DecodeError> {
        let b = code.as_bytes();
        if b.len() < 3 {
            return Ok(None);
        }
        let cats = self.parts[P_CATEGORIES];
        let n = cats.len() / CATEGORY_LEN;
        let (mut lo, mut hi) = (0usize, n);
        let key = &b[..3];
        let mut found = None;
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let rec = &cats[mid * CATEGORY_LEN..(mid + 1) * CATEGORY_LEN];
            match rec[..3].cmp(key) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => {
                    found = Some(u32_at(rec, 4)?);
                    break;
                }
            }
        }
        let Some(mut node) = found else {
            return Ok(None);
        };
        let mut nd = self.node(node)?;
        if nd.code.as_bytes() != key {
            return Err(bad("the category index points at another code"));
        }
        // Walk down: each step goes to a child whose code is a longer prefix.
        while nd.code.as_bytes() != b {
            let mut child = node + 1;
            let mut next = None;
            while child < nd.end {
                let cd = self.node(child)?;
                let cb = cd.code.as_bytes();
                if cb.len() > nd.code.as_bytes().len() && b.starts_with(cb) {
                    next = Some((child, cd));
                    break;
                }
                child = cd.end;
            }
            match next {
                Some((c, cd)) => {
                    node = c;
                    nd = cd;
                }
                None => {
                    // A 7-character code of a leaf?
                    if b.len() == 7 && nd.end == node + 1 {
                        let ch = b[6];
                        if extension_code(&nd.code, ch).as_ref() == Some(code)
                            && self.seventh_chars(node)?.iter().any(|c| c.ch == ch)
                        {
                            return Ok(Some(Place::Extension { node, ch }));
                        }
                    }
                    return Ok(None);
                }
            }
        }
        Ok(Some(Place::Node(node)))
    }

    /// The code of a node or 7-character place.
    pub fn code(&self, place: Place) -> Result<Option<Code>, DecodeError> {
        match place {
            Place::Node(i) => Ok(Some(self.node(i)?.code)),
            Place::Extension { node, ch } => Ok(extension_code(&self.node(node)?.code, ch)),
            _ => Ok(None),
        }
    }

    /// The codes directly below `code`, in tabular order (child nodes, or the
    /// 7-character codes of a leaf that takes a 7th character).
    pub fn children(&self, code: &Code) -> Result<Option<Vec<Code>>, DecodeError> {
        let Some(place) = self.lookup(code)? else {
            return Ok(None);
        };
        let Place::Node(i) = place else {
            return Ok(Some(Vec::new()));
        };
        let nd = self.node(i)?;
        let mut out = Vec::new();
        if nd.end == i + 1 {
            for c in self.seventh_chars(i)? {
                out.extend(extension_code(&nd.code, c.ch));
            }
            return Ok(Some(out));
        }
        let mut c = i + 1;
        while c < nd.end {
            let cd = self.node(c)?;
            out.push(cd.code);
            c = cd.end;
        }
        Ok(Some(out))
    }

    /// What is above `code`, from the top: chapter, sections (grouping
    /// section first), ancestor nodes down to the parent.
    pub fn ancestors(&self, code: &Code) -> Result<Option<Vec<Place>>, DecodeError> {
        let Some(place) = self.lookup(code)? else {
            return Ok(None);
        };
        self.ancestors_of(place)
    }

    /// What is above a node or 7-character place (see
    /// [`TabularView::ancestors`]); `None` for a chapter or section.
    pub fn ancestors_of(&self, place: Place) -> Result<Option<Vec<Place>>, DecodeError> {
        let mut up = Vec::new();
        let mut at = match place {
            Place::Node(i) => self.node(i)?.parent,
            Place::Extension { node, .. } => Place::Node(node),
            _ => return Ok(None),
        };
        // Codes have at most 7 characters: a chain of nodes is short.
        for _ in 0..16 {
            match at {
                Place::Node(i) => {
                    up.push(at);
                    at = self.node(i)?.parent;
                }
                _ => break,
            }
        }
        let Place::Section(mut s) = at else {
            return Err(bad("a chain of parents that does not reach a section"));
        };
        for _ in 0..=self.section_count() {
            up.push(Place::Section(s));
            match self.section(s)?.parent {
                Some(p) => s = p,
                None => {
                    let ch = self.section(s)?.number;
                    up.push(Place::Chapter(ch));
                    up.reverse();
                    return Ok(Some(up));
                }
            }
        }
        Err(bad("a cycle of grouping sections"))
    }

    /// Whether `code` is a manifestation code (its own or an ancestor's title
    /// says "in … diseases classified elsewhere").
    pub fn is_manifestation(&self, code: &Code) -> Result<Option<bool>, DecodeError> {
        Ok(match self.lookup(code)? {
            Some(Place::Node(i)) | Some(Place::Extension { node: i, .. }) => {
                Some(self.node(i)?.manifestation)
            }
            _ => None,
        })
    }
}
