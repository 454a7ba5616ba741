//! The ICD-10-CM structure of a catalog: chapters, sections, the code
//! hierarchy, the instructional notes and the 7th-character rules, read from
//! the index's tabular section (imported from the CDC tabular list XML, see
//! [`procode_index::import::tabular`]).
//!
//! The tabular list held is FY2026. A code it does not hold (an FY2027 code
//! such as K74.0A) takes its structure from the longest code of the list it
//! starts with (K74.0): its ancestors are that code's chain and it inherits
//! that code's notes. A new three-character category (J4B) has no structure.

use std::fmt;
use std::sync::Arc;

use chrono::NaiveDate;

use super::Catalog;
use crate::code::{Code, CodeSystem};
use crate::error::{CatalogError, Result};
use crate::import::tabular::{
    CodeFirstRule, CodeRange, DecodeError, NoteKind, Place, Resolution, TabularView,
};

/// What a level of the hierarchy is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LevelKind {
    /// A chapter (1..=22).
    Chapter,
    /// A section (block) such as F40-F48.
    Section,
    /// A category, subcategory or code.
    Code,
}

impl LevelKind {
    /// `"chapter"`, `"section"` or `"code"`.
    pub fn as_str(self) -> &'static str {
        match self {
            LevelKind::Chapter => "chapter",
            LevelKind::Section => "section",
            LevelKind::Code => "code",
        }
    }
}

/// One level above a code: a chapter, a section or an ancestor code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Level {
    /// What it is.
    pub kind: LevelKind,
    /// The chapter number (`"5"`), the section id (`"F40-F48"`) or the code
    /// as written (`"F41"`).
    pub id: String,
    /// Its title (for a code, the catalog's description; empty when the
    /// catalog does not hold it).
    pub title: String,
}

/// An instructional note in force for a code: its own or an ancestor's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeNote {
    /// The kind (excludes1, code first, …).
    pub kind: NoteKind,
    /// The text, verbatim.
    pub text: String,
    /// Where the note sits: the code (`"F41"`), `"section F40-F48"` or
    /// `"chapter 5"`.
    pub owner: String,
    /// The codes the note points at, as resolved at import time (empty for
    /// kinds without targets, lead-in lines and unresolved notes).
    pub targets: Vec<CodeRange>,
    /// Whether the note's targets resolved (always true for kinds without
    /// targets and for lead-in lines).
    pub resolved: bool,
    /// For a `codeFirst` note: whether its block is conditional ("if
    /// applicable", alternatives, …).
    pub conditional: Option<bool>,
}

/// A 7th character a code takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeventhCharacter {
    /// The character.
    pub character: char,
    /// What it means ("initial encounter").
    pub meaning: String,
}

/// A code directly below another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Child {
    /// The code.
    pub code: Code,
    /// The catalog's description (empty when the catalog does not hold it).
    pub title: String,
    /// Whether the catalog holds it as billable.
    pub billable: bool,
}

/// Everything the structure says about one code (see [`Catalog::tree`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeTree {
    /// The code.
    pub code: Code,
    /// Whether the tabular list holds the code itself (false for a code
    /// placed by its longest prefix, such as an FY2027 code).
    pub in_tabular: bool,
    /// A manifestation code (never first-listed, guideline I.A.13).
    pub manifestation: bool,
    /// From the chapter down to the parent.
    pub ancestors: Vec<Level>,
    /// The codes directly below.
    pub children: Vec<Child>,
    /// The notes in force, from the chapter's down to the code's own.
    pub notes: Vec<CodeNote>,
    /// The 7th characters the code takes (empty unless it needs one).
    pub seventh_characters: Vec<SeventhCharacter>,
}

pub(crate) fn decode_err(e: DecodeError) -> CatalogError {
    CatalogError::Corrupt {
        what: e.to_string(),
    }
}

/// Where a code sits in the tabular data: the place of the code itself (or,
/// for a code the list does not hold, of its longest prefix that it does)
/// and whether it was found exactly.
pub(crate) fn locate(view: &TabularView<'_>, code: &Code) -> Result<Option<(Place, bool)>> {
    if let Some(p) = view.lookup(code).map_err(decode_err)? {
        return Ok(Some((p, true)));
    }
    let b = code.as_bytes();
    for n in (3..b.len()).rev() {
        // Placeholder Xs at the end of a shorter form are not a code.
        if let Some(c) = Code::from_normalised(&b[..n]) {
            if let Some(p @ Place::Node(_)) = view.lookup(&c).map_err(decode_err)? {
                return Ok(Some((p, false)));
            }
        }
    }
    Ok(None)
}

/// The places whose notes are in force for a located code, top-down:
/// chapter, sections, ancestor nodes, then the node itself.
pub(crate) fn places_in_force(view: &TabularView<'_>, place: Place) -> Result<Vec<Place>> {
    let mut up = view
        .ancestors_of(place)
        .map_err(decode_err)?
        .ok_or_else(|| decode_err_str("a located code without ancestors"))?;
    if let Place::Node(_) = place {
        up.push(place);
    }
    Ok(up)
}

fn decode_err_str(what: &str) -> CatalogError {
    CatalogError::Corrupt {
        what: format!("damaged tabular data: {what}"),
    }
}

/// The name of a place in notes and problems: the code as written,
/// `section F40-F48` or `chapter 5`.
pub(crate) fn place_name(view: &TabularView<'_>, place: Place) -> Result<String> {
    Ok(match place {
        Place::Chapter(i) => format!("chapter {}", view.chapter(i).map_err(decode_err)?.number),
        Place::Section(i) => format!("section {}", view.section(i).map_err(decode_err)?.id),
        Place::Node(_) | Place::Extension { .. } => view
            .code(place)
            .map_err(decode_err)?
            .map(|c| c.display_for(CodeSystem::Icd10Cm))
            .unwrap_or_default(),
    })
}

/// A code as one number that sorts as codes do ([`Code::ordinal`]).
pub(crate) fn sort_key(code: &Code) -> u128 {
    code.ordinal()
}

/// A [`CodeRange`] as an interval of [`sort_key`]s: the codes from its
/// first code through every code that starts with its last one are the keys
/// from `first`'s through `last`'s with all its padding bytes set.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeyRange {
    lo: u128,
    hi: u128,
}

impl KeyRange {
    fn of(r: &CodeRange) -> KeyRange {
        let n = r.last.as_bytes().len().min(16) as u32;
        // The padding bytes after `last`'s own (none can be missing: a code
        // has at most 15 bytes).
        let padding = u128::MAX.checked_shr(8 * n).unwrap_or(0);
        KeyRange {
            lo: sort_key(&r.first),
            hi: sort_key(&r.last) | padding,
        }
    }

    /// As [`CodeRange::contains`] for the code of `key`.
    pub(crate) fn contains(&self, key: u128) -> bool {
        self.lo <= key && key <= self.hi
    }
}

fn key_ranges(ranges: &[CodeRange]) -> Vec<KeyRange> {
    ranges.iter().map(KeyRange::of).collect()
}

/// One Excludes1 note in force for a diagnosis: its resolved targets, its
/// text and where it sits.
pub(crate) struct Exclusion {
    pub(crate) ranges: Vec<KeyRange>,
    pub(crate) text: String,
    pub(crate) owner: Place,
}

/// One unconditional code-first block in force for a diagnosis: the targets
/// of its notes, whether some did not resolve, the first note's text and
/// where the block sits.
pub(crate) struct CodeFirst {
    pub(crate) ranges: Vec<KeyRange>,
    pub(crate) unresolved: bool,
    pub(crate) text: String,
    pub(crate) owner: Place,
}

/// What the structure says about one diagnosis for the coding checks: the
/// Excludes1 notes and unconditional code-first blocks in force (its own and
/// its ancestors', top-down) and whether it is a manifestation code.
#[derive(Default)]
pub(crate) struct DxFacts {
    pub(crate) exclusions: Vec<Exclusion>,
    pub(crate) code_first: Vec<CodeFirst>,
    pub(crate) manifestation: bool,
    /// Every range of `exclusions`, merged: sorted, disjoint, not touching.
    excluded: Vec<KeyRange>,
    /// The first characters of the codes `excluded` spans, see
    /// [`first_chars`].
    excluded_first: u32,
}

/// The bit of a code's first character (the top byte of its sort key) in
/// a [`DxFacts::excluded_first`] mask: one per letter, one for all else.
fn first_char_bit(top: u8) -> u32 {
    if top.is_ascii_uppercase() {
        1 << (top - b'A')
    } else {
        1 << 26
    }
}

/// The first characters a code in one of `ranges` can have: every one from
/// the first character of a range's first code through that of its last.
fn first_chars(ranges: &[KeyRange]) -> u32 {
    let mut mask = 0;
    for r in ranges {
        let (a, z) = ((r.lo >> 120) as u8, (r.hi >> 120) as u8);
        for c in a..=z {
            mask |= first_char_bit(c);
        }
    }
    mask
}

impl DxFacts {
    /// Whether some Excludes1 note in force holds the code of `key` (one
    /// binary search; most pairs of a claim's diagnoses exclude nothing, and
    /// only a hit needs the notes in order).
    pub(crate) fn excludes(&self, key: u128) -> bool {
        // A code is within a range only if its first character is within
        // the range's first characters: most pairs of a claim's diagnoses
        // start with letters no note of the other names.
        if self.excluded_first & first_char_bit((key >> 120) as u8) == 0 {
            return false;
        }
        match (self.excluded.first(), self.excluded.last()) {
            (Some(first), Some(last)) if first.lo <= key && key <= last.hi => {}
            _ => return false,
        }
        let after = self.excluded.partition_point(|r| r.lo <= key);
        after > 0 && self.excluded[after - 1].hi >= key
    }

    /// Which of `keys` (at most the first 64) some Excludes1 note in force
    /// holds, as bits (bit `j` for `keys[j]`).
    pub(crate) fn excluded_among(&self, keys: &[u128]) -> u64 {
        if self.excluded.is_empty() {
            return 0;
        }
        let mut held = 0;
        for (j, &k) in keys.iter().take(64).enumerate() {
            if self.excludes(k) {
                held |= 1 << j;
            }
        }
        held
    }

    /// The first Excludes1 note in force that holds the code of `key`.
    pub(crate) fn exclusion_of(&self, key: u128) -> Option<&Exclusion> {
        if !self.excludes(key) {
            return None;
        }
        self.exclusions
            .iter()
            .find(|x| x.ranges.iter().any(|r| r.contains(key)))
    }
}

/// `ranges` sorted and merged into disjoint intervals.
fn merged(mut ranges: Vec<KeyRange>) -> Vec<KeyRange> {
    ranges.sort_unstable_by_key(|r| (r.lo, r.hi));
    let mut out: Vec<KeyRange> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.lo <= last.hi.saturating_add(1) => last.hi = last.hi.max(r.hi),
            _ => out.push(r),
        }
    }
    out
}

/// Decodes the [`DxFacts`] of a diagnosis (a code the list does not hold
/// takes its longest held prefix's; a code that cannot be placed has none).
pub(crate) fn dx_facts(view: &TabularView<'_>, code: &Code) -> Result<DxFacts> {
    let mut f = DxFacts::default();
    let Some((place, _)) = locate(view, code)? else {
        return Ok(f);
    };
    if let Place::Node(i) | Place::Extension { node: i, .. } = place {
        f.manifestation = view.node(i).map_err(decode_err)?.manifestation;
    }
    let wanted = |k| matches!(k, NoteKind::Excludes1 | NoteKind::CodeFirst);
    for p in places_in_force(view, place)? {
        for block in view.notes_of_kinds(p, wanted).map_err(decode_err)? {
            match block.kind {
                NoteKind::Excludes1 => {
                    for (text, res) in block.notes {
                        if let Resolution::Resolved(ranges) = res {
                            f.exclusions.push(Exclusion {
                                ranges: key_ranges(&ranges),
                                text: text.to_owned(),
                                owner: p,
                            });
                        }
                    }
                }
                NoteKind::CodeFirst if block.code_first == Some(CodeFirstRule::Unconditional) => {
                    let mut cf = CodeFirst {
                        ranges: Vec::new(),
                        unresolved: false,
                        text: String::new(),
                        owner: p,
                    };
                    for (text, res) in block.notes {
                        if cf.text.is_empty() {
                            text.clone_into(&mut cf.text);
                        }
                        match res {
                            Resolution::Resolved(r) => cf.ranges.extend(key_ranges(&r)),
                            Resolution::Unresolved { .. } => cf.unresolved = true,
                            Resolution::Heading | Resolution::NotApplicable => {}
                        }
                    }
                    f.code_first.push(cf);
                }
                _ => {}
            }
        }
    }
    f.excluded = merged(
        f.exclusions
            .iter()
            .flat_map(|x| x.ranges.iter().copied())
            .collect(),
    );
    f.excluded_first = first_chars(&f.excluded);
    Ok(f)
}

/// The memo forgets everything past this many diagnoses (bounded memory
/// whatever codes callers send).
const MEMO_CODES: usize = 65_536;

/// What the ICD-10-CM structure says about each diagnosis the coding checks
/// of readiness have met (its Excludes1 and code-first notes in force, its
/// manifestation flag), decoded once and kept: a claim's diagnoses repeat
/// across calls, and decoding the notes of a code and its ancestors costs
/// far more than the checks themselves. Shared by threads; it forgets
/// everything past 65,536 codes.
///
/// A [`Catalog`] keeps one (its clones share it) and hands it to readiness
/// through [`CodeSource::diagnosis_memo`](crate::billing::CodeSource::diagnosis_memo);
/// a host's own source may keep one too. A memo belongs to one structure:
/// never hand the same memo out with two different structures.
///
/// # Example
/// ```
/// use procode::billing::{readiness, CodeSource, EditBatch, Editor, Money, Service, CodeLine};
/// use procode::CodeSystem;
/// use chrono::{TimeZone, Utc};
/// let cat = procode::Catalog::embedded().unwrap();
/// let memo = cat.diagnosis_memo().unwrap();
/// let mut svc = Service::new("SVC-1", "Visit", Money::parse("80", "USD").unwrap());
/// let line = CodeLine::manual(CodeSystem::Hcpcs, "G0438", "Wellness visit").unwrap()
///     .with_diagnoses(["E11.9", "I10"]).unwrap();
/// svc.edit(&EditBatch::new().add(line), &Editor::new("me", Utc.timestamp_opt(0, 0).unwrap())).unwrap();
/// let _ = readiness(&svc, &cat, None);
/// assert!(memo.len() >= 2);
/// ```
pub struct DiagnosisMemo {
    seen: crate::memo::CodeMemo<Arc<DxFacts>>,
}

impl Default for DiagnosisMemo {
    fn default() -> Self {
        DiagnosisMemo {
            seen: crate::memo::CodeMemo::new(MEMO_CODES),
        }
    }
}

impl fmt::Debug for DiagnosisMemo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DiagnosisMemo")
            .field("codes", &self.len())
            .finish()
    }
}

impl DiagnosisMemo {
    /// An empty memo.
    pub fn new() -> DiagnosisMemo {
        DiagnosisMemo::default()
    }

    /// How many diagnoses it holds.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The facts of `codes` (in order) into `out` (emptied first),
    /// decoding from `view` those it does not hold yet and keeping them.
    pub(crate) fn facts_into(
        &self,
        view: &TabularView<'_>,
        codes: &[Code],
        out: &mut Vec<Arc<DxFacts>>,
    ) -> Result<()> {
        self.seen
            .answers_into(codes, |code| dx_facts(view, code).map(Arc::new), out)
    }
}

impl Catalog {
    /// The tabular structure of this catalog's index, if it holds one.
    ///
    /// # Errors
    /// [`CatalogError::ChecksumMismatch`] or [`CatalogError::Corrupt`] for a
    /// damaged section.
    pub(crate) fn tabular_view(&self) -> Result<Option<TabularView<'_>>> {
        self.index.tabular()
    }

    /// Whether this catalog holds the ICD-10-CM structure (the embedded
    /// catalog does when it was built with the tabular list XML).
    pub fn has_structure(&self) -> bool {
        matches!(self.tabular_view(), Ok(Some(_)))
    }

    fn view_and_code(&self, code: &str) -> Result<Option<(TabularView<'_>, Code)>> {
        let code = Code::parse_for(CodeSystem::Icd10Cm, code)?;
        Ok(self.tabular_view()?.map(|v| (v, code)))
    }

    fn title(&self, code: &Code) -> String {
        self.lookup_code(code, CodeSystem::Icd10Cm, None)
            .ok()
            .flatten()
            .map(|e| e.description)
            .unwrap_or_default()
    }

    /// The ICD-10-CM codes directly below `code` in tabular order: its
    /// subcategories or codes, or for a code that takes a 7th character its
    /// 7-character codes (S00.00 → S00.00XA, S00.00XD, S00.00XS). `None`
    /// when the structure does not hold the code (or the catalog holds no
    /// structure); empty for a code with nothing below it.
    ///
    /// # Example
    /// ```
    /// let cat = procode::Catalog::embedded().unwrap();
    /// let kids: Vec<String> = cat.children("F41").unwrap().unwrap().iter().map(|c| c.to_string()).collect();
    /// assert_eq!(kids, ["F410", "F411", "F413", "F418", "F419"]);
    /// ```
    ///
    /// # Errors
    /// [`CatalogError::Code`] when `code` is no ICD-10-CM code, and those of
    /// a damaged index.
    pub fn children(&self, code: &str) -> Result<Option<Vec<Code>>> {
        let Some((view, code)) = self.view_and_code(code)? else {
            return Ok(None);
        };
        view.children(&code).map_err(decode_err)
    }

    /// What is above an ICD-10-CM code, from the top: its chapter, its
    /// section(s) (a grouping section such as C00-C96 first), then its
    /// category and subcategories down to its parent. A code the tabular
    /// list does not hold (an FY2027 code) is placed below its longest
    /// prefix that it does hold. `None` when it cannot be placed.
    ///
    /// # Example
    /// ```
    /// let cat = procode::Catalog::embedded().unwrap();
    /// let up = cat.ancestors("F41.1").unwrap().unwrap();
    /// let ids: Vec<&str> = up.iter().map(|l| l.id.as_str()).collect();
    /// assert_eq!(ids, ["5", "F40-F48", "F41"]);
    /// ```
    ///
    /// # Errors
    /// As [`Catalog::children`].
    pub fn ancestors(&self, code: &str) -> Result<Option<Vec<Level>>> {
        let Some((view, code)) = self.view_and_code(code)? else {
            return Ok(None);
        };
        let Some((place, exact)) = locate(&view, &code)? else {
            return Ok(None);
        };
        let mut places = places_in_force(&view, place)?;
        if exact {
            if let Place::Node(_) = place {
                places.pop();
            }
        }
        places
            .iter()
            .map(|&p| self.level(&view, p))
            .collect::<Result<Vec<_>>>()
            .map(Some)
    }

    fn level(&self, view: &TabularView<'_>, p: Place) -> Result<Level> {
        let (kind, id, title) = match p {
            Place::Chapter(i) => {
                let c = view.chapter(i).map_err(decode_err)?;
                (LevelKind::Chapter, c.number.to_string(), c.title.to_owned())
            }
            Place::Section(i) => {
                let s = view.section(i).map_err(decode_err)?;
                (LevelKind::Section, s.id.to_owned(), s.title.to_owned())
            }
            Place::Node(_) | Place::Extension { .. } => {
                let code = view
                    .code(p)
                    .map_err(decode_err)?
                    .ok_or_else(|| decode_err_str("a node without a code"))?;
                let title = self.title(&code);
                (
                    LevelKind::Code,
                    code.display_for(CodeSystem::Icd10Cm),
                    title,
                )
            }
        };
        Ok(Level { kind, id, title })
    }

    /// The instructional notes in force for an ICD-10-CM code, from its
    /// chapter's down to its own (notes apply to every code below them):
    /// inclusion terms, includes, excludes1/excludes2, code first, code also,
    /// use additional code and general notes, each with where it sits and
    /// its resolved targets. `None` when the code cannot be placed.
    ///
    /// # Example
    /// ```
    /// use procode::import::tabular::NoteKind;
    /// let cat = procode::Catalog::embedded().unwrap();
    /// let notes = cat.notes("M72.2").unwrap().unwrap();
    /// assert!(notes.iter().any(|n| n.kind == NoteKind::InclusionTerm && n.text == "Plantar fasciitis"));
    /// ```
    ///
    /// # Errors
    /// As [`Catalog::children`].
    pub fn notes(&self, code: &str) -> Result<Option<Vec<CodeNote>>> {
        let Some((view, code)) = self.view_and_code(code)? else {
            return Ok(None);
        };
        let Some((place, _)) = locate(&view, &code)? else {
            return Ok(None);
        };
        let mut out = Vec::new();
        for p in places_in_force(&view, place)? {
            let owner = place_name(&view, p)?;
            for block in view.notes(p).map_err(decode_err)? {
                let conditional = block
                    .code_first
                    .map(|r| matches!(r, CodeFirstRule::Conditional(_)));
                for (text, resolution) in block.notes {
                    let (targets, resolved) = match resolution {
                        Resolution::Resolved(r) => (r, true),
                        Resolution::Unresolved { .. } => (Vec::new(), false),
                        Resolution::NotApplicable | Resolution::Heading => (Vec::new(), true),
                    };
                    out.push(CodeNote {
                        kind: block.kind,
                        text: text.to_owned(),
                        owner: owner.clone(),
                        targets,
                        resolved,
                        conditional,
                    });
                }
            }
        }
        Ok(Some(out))
    }

    /// The 7th characters an ICD-10-CM code takes: for a code that needs one
    /// (S00.00, T36.0X1) the characters its `sevenChrDef` allows, for a
    /// 7-character code its base code's; empty for other codes. `None` when
    /// the structure does not hold the code.
    ///
    /// # Example
    /// ```
    /// let cat = procode::Catalog::embedded().unwrap();
    /// let chars: String = cat.seventh_characters("S00.00").unwrap().unwrap().iter().map(|c| c.character).collect();
    /// assert_eq!(chars, "ADS");
    /// ```
    ///
    /// # Errors
    /// As [`Catalog::children`].
    pub fn seventh_characters(&self, code: &str) -> Result<Option<Vec<SeventhCharacter>>> {
        let Some((view, code)) = self.view_and_code(code)? else {
            return Ok(None);
        };
        let node = match view.lookup(&code).map_err(decode_err)? {
            None => return Ok(None),
            Some(Place::Node(i)) | Some(Place::Extension { node: i, .. }) => i,
            Some(_) => return Ok(Some(Vec::new())),
        };
        Ok(Some(seventh_of(&view, node)?))
    }

    /// Everything the structure says about an ICD-10-CM code: ancestors,
    /// children (with their titles and billable flags), notes in force,
    /// 7th characters and the manifestation flag. `None` when the code cannot
    /// be placed.
    ///
    /// # Errors
    /// As [`Catalog::children`].
    pub fn tree(&self, code: &str) -> Result<Option<CodeTree>> {
        let Some((view, parsed)) = self.view_and_code(code)? else {
            return Ok(None);
        };
        let Some((place, exact)) = locate(&view, &parsed)? else {
            return Ok(None);
        };
        let ancestors = self.ancestors(code)?.unwrap_or_default();
        let notes = self.notes(code)?.unwrap_or_default();
        let (children, seventh_characters, manifestation) = if exact {
            let kids = view
                .children(&parsed)
                .map_err(decode_err)?
                .unwrap_or_default();
            let node = match place {
                Place::Node(i) | Place::Extension { node: i, .. } => Some(i),
                _ => None,
            };
            let seventh = match node {
                Some(i) => seventh_of(&view, i)?,
                None => Vec::new(),
            };
            let manifestation = view
                .is_manifestation(&parsed)
                .map_err(decode_err)?
                .unwrap_or(false);
            (kids, seventh, manifestation)
        } else {
            let manifestation = match place {
                Place::Node(i) => view.node(i).map_err(decode_err)?.manifestation,
                _ => false,
            };
            (Vec::new(), Vec::new(), manifestation)
        };
        let children = children
            .into_iter()
            .map(|c| {
                let e = self.lookup_code(&c, CodeSystem::Icd10Cm, None)?;
                Ok(Child {
                    code: c,
                    title: e
                        .as_ref()
                        .map(|e| e.description.clone())
                        .unwrap_or_default(),
                    billable: e.is_some_and(|e| e.billable),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(CodeTree {
            code: parsed,
            in_tabular: exact,
            manifestation,
            ancestors,
            children,
            notes,
            seventh_characters,
        }))
    }

    /// The billable ICD-10-CM codes below `code` in tabular order (valid on
    /// `as_of` when given): what a header stands for. Empty when the
    /// structure does not hold the code.
    ///
    /// # Errors
    /// As [`Catalog::children`].
    pub fn billable_below(&self, code: &str, as_of: Option<NaiveDate>) -> Result<Vec<Code>> {
        let Some((view, code)) = self.view_and_code(code)? else {
            return Ok(Vec::new());
        };
        billable_below(self, &view, &code, as_of)
    }
}

/// The 7th characters node `i` takes.
fn seventh_of(view: &TabularView<'_>, i: u32) -> Result<Vec<SeventhCharacter>> {
    Ok(view
        .seventh_chars(i)
        .map_err(decode_err)?
        .into_iter()
        .map(|c| SeventhCharacter {
            character: char::from(c.ch),
            meaning: c.meaning.to_owned(),
        })
        .collect())
}

/// The billable codes below `code` (see [`Catalog::billable_below`]).
pub(crate) fn billable_below<S: crate::billing::CodeSource + ?Sized>(
    source: &S,
    view: &TabularView<'_>,
    code: &Code,
    as_of: Option<NaiveDate>,
) -> Result<Vec<Code>> {
    let Some(Place::Node(start)) = view.lookup(code).map_err(decode_err)? else {
        return Ok(Vec::new());
    };
    let end = view.node(start).map_err(decode_err)?.end;
    let mut out = Vec::new();
    for i in start..end {
        let nd = view.node(i).map_err(decode_err)?;
        let mut consider = |c: Code| {
            if c == *code {
                return;
            }
            // The status is the entry's dates and billable flag, without
            // its descriptions (a header can have thousands of codes below).
            if let Some(s) = source.status(&c, CodeSystem::Icd10Cm, None) {
                if s.billable && as_of.is_none_or(|d| s.is_valid_on(d)) {
                    out.push(c);
                }
            }
        };
        consider(nd.code);
        if nd.end == i + 1 {
            for ch in view.seventh_chars(i).map_err(decode_err)? {
                if let Some(c) = crate::import::tabular::extension_code(&nd.code, ch.ch) {
                    consider(c);
                }
            }
        }
    }
    Ok(out)
}

impl CodeTree {
    /// The JSON form used by `procode tree --json`, Python's
    /// `Catalog.tree` and C's `procode_catalog_tree`: `code`, `in_tabular`,
    /// `manifestation`, `ancestors` (`kind`, `id`, `title`), `children`
    /// (`code`, `title`, `billable`), `seventh_characters` (`character`,
    /// `meaning`) and `notes` (`kind` as the XML element name, `text`, `at`,
    /// `resolved`, `conditional`, `targets` as `"E08-E13"` or `"F41-"` for a
    /// code with its descendants). Codes are dotted.
    pub fn to_json(&self) -> serde_json::Value {
        let dotted = |c: &Code| c.display_for(CodeSystem::Icd10Cm);
        serde_json::json!({
            "code": dotted(&self.code),
            "in_tabular": self.in_tabular,
            "manifestation": self.manifestation,
            "ancestors": self.ancestors.iter().map(|l| serde_json::json!({
                "kind": l.kind.as_str(), "id": l.id, "title": l.title,
            })).collect::<Vec<_>>(),
            "children": self.children.iter().map(|c| serde_json::json!({
                "code": dotted(&c.code), "title": c.title, "billable": c.billable,
            })).collect::<Vec<_>>(),
            "seventh_characters": self.seventh_characters.iter().map(|s| serde_json::json!({
                "character": s.character.to_string(), "meaning": s.meaning,
            })).collect::<Vec<_>>(),
            "notes": self.notes.iter().map(|n| serde_json::json!({
                "kind": n.kind.element(), "text": n.text, "at": n.owner,
                "resolved": n.resolved, "conditional": n.conditional,
                "targets": n.targets.iter().map(|r| if r.first == r.last {
                    format!("{}-", dotted(&r.first))
                } else {
                    format!("{}-{}", dotted(&r.first), dotted(&r.last))
                }).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> Code {
        Code::parse(s).expect("a code")
    }

    #[test]
    fn key_ranges_answer_as_code_ranges_and_keys_sort_as_codes() {
        let codes: Vec<Code> = [
            "A00", "E07", "E079", "E08", "E0800", "E089", "E10", "E1065", "E13", "E139", "E14",
            "E15", "F41", "F410", "F411", "F4110", "F412", "F41A", "K740", "K740A", "Z9989",
            "ZZZZZZZ", "E", "1", "99214", "G0444",
        ]
        .iter()
        .map(|s| c(s))
        .collect();
        for a in &codes {
            for b in &codes {
                assert_eq!(a.cmp(b), sort_key(a).cmp(&sort_key(b)), "{a} vs {b}");
            }
        }
        for (first, last) in [
            ("E08", "E13"),
            ("F411", "F411"),
            ("F41", "F41"),
            ("E0800", "E089"),
            ("K740", "K740A"),
            ("A00", "ZZZZZZZ"),
        ] {
            let r = CodeRange {
                first: c(first),
                last: c(last),
            };
            let k = KeyRange::of(&r);
            for code in &codes {
                assert_eq!(
                    k.contains(sort_key(code)),
                    r.contains(code),
                    "{code} in {first}-{last}"
                );
            }
        }
    }

    #[test]
    fn the_first_character_filter_never_hides_a_code_a_range_holds() {
        let codes: Vec<Code> = [
            "A00", "E079", "E0800", "E13", "F41", "F4110", "K740A", "R51", "Z9989", "ZZZZZZZ", "E",
            "1", "99214", "G0444", "0DT70ZZ",
        ]
        .iter()
        .map(|s| c(s))
        .collect();
        let sets: [&[(&str, &str)]; 5] = [
            &[("E08", "E13")],
            &[("F41", "F41"), ("R00", "R99")],
            &[("A00", "ZZZZZZZ")],
            &[("1", "99214"), ("K740", "K740A")],
            &[("0DT70ZZ", "E079")],
        ];
        for set in sets {
            let ranges: Vec<KeyRange> = set
                .iter()
                .map(|(a, z)| {
                    KeyRange::of(&CodeRange {
                        first: c(a),
                        last: c(z),
                    })
                })
                .collect();
            let f = DxFacts {
                excluded: merged(ranges.clone()),
                excluded_first: first_chars(&merged(ranges.clone())),
                ..DxFacts::default()
            };
            for code in &codes {
                let k = sort_key(code);
                let held = ranges.iter().any(|r| r.contains(k));
                assert_eq!(f.excludes(k), held, "{code} in {set:?}");
            }
        }
    }
}
