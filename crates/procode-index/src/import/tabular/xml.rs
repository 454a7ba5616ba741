//! The streaming parser: quick-xml events → the raw [`Tabular`] model (notes
//! not yet resolved, 7th-character rules not yet inherited).
//!
//! Every element and attribute of the CDC schema is known; anything else is an
//! error naming the line, as is text where only elements may stand.

use std::borrow::Cow;
use std::collections::HashMap;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::model::{
    Chapter, Node, NodeId, Note, NoteBlock, NoteKind, Resolution, Section, SevenChr, SevenChrDef,
    Tabular,
};
use crate::code::{Code, CodeSystem};
use crate::error::{ImportError, RowError};

/// The root element.
const ROOT: &str = "ICD10CM.tabular";

/// What the parser hands the element handlers.
enum Item<'a> {
    /// A child element opened (`<x>`, or `<x/>` expanded to open + close).
    Open(BytesStart<'a>),
    /// The current element closed.
    Close,
}

pub(super) struct Parser<'a> {
    reader: Reader<&'a [u8]>,
    src: &'a [u8],
    file: &'a str,
    /// (byte offset, 1-based line at that offset) of the last line lookup.
    cursor: (usize, u64),
    /// Offset where the last event started.
    event_start: usize,
}

/// Builds the model while the parser walks the document.
#[derive(Default)]
struct Builder {
    version: Option<String>,
    chapters: Vec<Chapter>,
    sections: Vec<Section>,
    nodes: Vec<Node>,
    seven_defs: Vec<SevenChrDef>,
    index: HashMap<Code, NodeId>,
    /// Section id → (first, last, line) from the chapters' `sectionIndex`.
    section_refs: HashMap<String, (Code, Code, u64)>,
}

/// Parses a whole tabular XML document (already checked to be UTF-8).
pub(super) fn parse(file: &str, text: &str) -> Result<Tabular, ImportError> {
    let mut reader = Reader::from_str(text);
    let cfg = reader.config_mut();
    cfg.expand_empty_elements = true;
    cfg.check_end_names = true;
    cfg.check_comments = true;
    let mut p = Parser {
        reader,
        src: text.as_bytes(),
        file,
        cursor: (0, 1),
        event_start: 0,
    };
    let mut b = Builder::default();
    p.document(&mut b)?;
    let version = b
        .version
        .ok_or_else(|| p.bad_file("no <version> element in <ICD10CM.tabular>"))?;
    if b.chapters.is_empty() {
        return Err(p.bad_file("no <chapter> in the file: is this the ICD-10-CM tabular list?"));
    }
    // Every section named in a sectionIndex must exist.
    let mut missing: Vec<(&String, u64)> = b
        .section_refs
        .iter()
        .filter(|(id, _)| !b.sections.iter().any(|s| &s.id == *id))
        .map(|(id, v)| (id, v.2))
        .collect();
    missing.sort_by_key(|m| m.1);
    if let Some((id, line)) = missing.first() {
        return Err(row(
            file,
            *line,
            "sectionRef",
            format!("the section index names section {id:?}, which the chapter does not contain"),
        ));
    }
    Ok(Tabular {
        file: file.to_owned(),
        version,
        chapters: b.chapters,
        sections: b.sections,
        nodes: b.nodes,
        seven_defs: b.seven_defs,
        index: b.index,
    })
}

fn row(file: &str, line: u64, column: &str, problem: impl Into<String>) -> ImportError {
    ImportError::BadRow(RowError::new(file, line, column, problem))
}

/// The local name of an element as text.
fn tag_name<'b>(e: &'b BytesStart<'_>) -> Cow<'b, str> {
    Cow::Borrowed(e.name().into_inner())
}

impl<'a> Parser<'a> {
    /// The 1-based line of byte offset `at`.
    fn line_at(&mut self, at: usize) -> u64 {
        let at = at.min(self.src.len());
        let (mut pos, mut line) = self.cursor;
        if at < pos {
            (pos, line) = (0, 1);
        }
        line += self.src[pos..at].iter().filter(|&&b| b == b'\n').count() as u64;
        self.cursor = (at, line);
        line
    }

    /// The line where the current event starts.
    fn line(&mut self) -> u64 {
        let at = self.event_start;
        self.line_at(at)
    }

    fn err(&mut self, column: &str, problem: impl Into<String>) -> ImportError {
        let line = self.line();
        row(self.file, line, column, problem)
    }

    /// An element `name` that `parent` may not hold, naming what it may
    /// (`expected`) when that is short enough to say.
    fn unknown(&mut self, name: &str, parent: &str, expected: Option<&str>) -> ImportError {
        let mut problem = format!("unknown element <{name}> in <{parent}>");
        if let Some(expected) = expected {
            problem.push_str(&format!(" (expected {expected})"));
        }
        self.err(name, problem)
    }

    /// An element `name` before the `first` ones `parent` must start with.
    fn out_of_order(&mut self, name: &str, parent: &str, first: &str) -> ImportError {
        self.err(
            name,
            format!("<{parent}> must start with {first}, found <{name}>"),
        )
    }

    fn bad_file(&self, problem: &str) -> ImportError {
        ImportError::BadFile {
            file: self.file.to_owned(),
            problem: problem.to_owned(),
        }
    }

    /// The next event that matters: comments, processing instructions and
    /// the XML declaration are skipped. Text is returned (the caller decides
    /// whether text may stand there).
    fn event(&mut self) -> Result<Event<'a>, ImportError> {
        loop {
            self.event_start = self.reader.buffer_position() as usize;
            match self.reader.read_event() {
                Ok(Event::Comment(_) | Event::PI(_) | Event::Decl(_)) => continue,
                Ok(Event::DocType(_)) => {
                    return Err(self.err(
                        "DOCTYPE",
                        "a document type declaration is not expected in the tabular list XML",
                    ))
                }
                Ok(ev) => return Ok(ev),
                Err(e) => {
                    let at = self.reader.error_position() as usize;
                    let line = self.line_at(at);
                    return Err(row(
                        self.file,
                        line,
                        "XML",
                        format!("not well-formed XML: {e}"),
                    ));
                }
            }
        }
    }

    /// The next child element of `parent`, or `Close` at its end tag. Text
    /// other than whitespace is an error.
    fn child(&mut self, parent: &str) -> Result<Item<'a>, ImportError> {
        loop {
            match self.event()? {
                Event::Start(e) => return Ok(Item::Open(e)),
                Event::End(_) => return Ok(Item::Close),
                Event::Text(t) => {
                    let raw: &str = &t;
                    let lead = raw.len() - raw.trim_start().len();
                    if lead < raw.len() {
                        let line = self.line_at(self.event_start + lead);
                        return Err(row(
                            self.file,
                            line,
                            parent,
                            format!(
                                "unexpected text {:?} in <{parent}>: only elements may stand here",
                                clip(raw)
                            ),
                        ));
                    }
                }
                Event::CData(_) | Event::GeneralRef(_) => {
                    return Err(self.err(
                        parent,
                        format!("unexpected text in <{parent}>: only elements may stand here"),
                    ))
                }
                Event::Eof => {
                    return Err(self.err(
                        parent,
                        format!("the file ends inside <{parent}> (truncated?)"),
                    ))
                }
                // Start and End cover every element (empty ones are expanded).
                Event::Empty(e) => return Ok(Item::Open(e)),
                Event::Comment(_) | Event::PI(_) | Event::Decl(_) | Event::DocType(_) => {}
            }
        }
    }

    /// Errors unless `e` has no attributes other than those in `allowed`;
    /// returns their values in the order of `allowed` (`None` when absent).
    fn attributes<const N: usize>(
        &mut self,
        e: &BytesStart<'_>,
        allowed: [&str; N],
    ) -> Result<[Option<String>; N], ImportError> {
        let tag = tag_name(e).into_owned();
        let mut out: [Option<String>; N] = std::array::from_fn(|_| None);
        for attr in e.attributes() {
            let attr = match attr {
                Ok(a) => a,
                Err(err) => return Err(self.err(&tag, format!("bad attribute: {err}"))),
            };
            let key = attr.key.into_inner().to_owned();
            let Some(i) = allowed.iter().position(|a| *a == key) else {
                return Err(self.err(&tag, format!("unknown attribute {key:?} on <{tag}>")));
            };
            let value = match attr.normalized_value(quick_xml::XmlVersion::Implicit1_0) {
                Ok(v) => v.into_owned(),
                Err(err) => {
                    return Err(self.err(&tag, format!("bad value of attribute {key:?}: {err}")))
                }
            };
            out[i] = Some(value);
        }
        Ok(out)
    }

    /// The text content of an element that holds only text (entities and
    /// character references decoded, XML line ends normalised). Consumes the
    /// end tag.
    fn text(&mut self, tag: &str) -> Result<String, ImportError> {
        let mut out = String::new();
        loop {
            match self.event()? {
                Event::Text(t) => out.push_str(&t.xml10_content()),
                Event::CData(t) => out.push_str(&t.xml10_content()),
                Event::GeneralRef(r) => {
                    let name = r.xml10_content();
                    match r.resolve_char_ref() {
                        Ok(Some(ch)) => out.push(ch),
                        Ok(None) => match quick_xml::escape::resolve_predefined_entity(&name) {
                            Some(s) => out.push_str(s),
                            None => {
                                return Err(
                                    self.err(tag, format!("unknown entity &{name}; in <{tag}>"))
                                )
                            }
                        },
                        Err(e) => {
                            return Err(self.err(
                                tag,
                                format!("bad character reference &{name}; in <{tag}>: {e}"),
                            ))
                        }
                    }
                }
                Event::End(_) => return Ok(out),
                Event::Start(e) | Event::Empty(e) => {
                    let name = tag_name(&e).into_owned();
                    return Err(self.err(
                        tag,
                        format!(
                            "unexpected element <{name}> inside <{tag}>, which holds only text"
                        ),
                    ));
                }
                Event::Eof => {
                    return Err(self.err(tag, format!("the file ends inside <{tag}> (truncated?)")))
                }
                Event::Comment(_) | Event::PI(_) | Event::Decl(_) | Event::DocType(_) => {}
            }
        }
    }

    /// Text content that must not be empty (after trimming).
    fn nonempty_text(&mut self, tag: &str, what: &str) -> Result<String, ImportError> {
        let line = self.line();
        let t = self.text(tag)?;
        if t.trim().is_empty() {
            return Err(row(
                self.file,
                line,
                tag,
                format!("empty <{tag}>: {what} expected"),
            ));
        }
        Ok(t)
    }

    fn no_attributes(&mut self, e: &BytesStart<'_>) -> Result<(), ImportError> {
        self.attributes(e, []).map(|_| ())
    }

    fn document(&mut self, b: &mut Builder) -> Result<(), ImportError> {
        // Up to the root element.
        loop {
            match self.event()? {
                Event::Start(e) => {
                    let name = tag_name(&e).into_owned();
                    if name != ROOT {
                        return Err(self.err(
                            &name,
                            format!("the root element is <{name}>, expected <{ROOT}>: is this the ICD-10-CM tabular list XML?"),
                        ));
                    }
                    self.no_attributes(&e)?;
                    break;
                }
                Event::Text(t) if t.xml10_content().trim().is_empty() => {}
                Event::Eof => return Err(self.bad_file("the file holds no XML element")),
                _ => return Err(self.err("XML", "unexpected content before the root element")),
            }
        }
        self.root(b)?;
        // Nothing but whitespace after the root.
        loop {
            match self.event()? {
                Event::Eof => return Ok(()),
                Event::Text(t) if t.xml10_content().trim().is_empty() => {}
                _ => {
                    return Err(self.err(
                        "XML",
                        format!("unexpected content after the end of <{ROOT}>"),
                    ))
                }
            }
        }
    }

    fn root(&mut self, b: &mut Builder) -> Result<(), ImportError> {
        while let Item::Open(e) = self.child(ROOT)? {
            let name = tag_name(&e).into_owned();
            self.no_attributes(&e)?;
            match name.as_str() {
                "version" => {
                    if b.version.is_some() {
                        return Err(self.err("version", "a second <version> element"));
                    }
                    let v = self.nonempty_text("version", "the release year")?;
                    b.version = Some(v.trim().to_owned());
                }
                "introduction" => self.introduction()?,
                "chapter" => self.chapter(b)?,
                other => {
                    return Err(self.unknown(other, ROOT, Some("version, introduction or chapter")))
                }
            }
        }
        Ok(())
    }

    /// The introduction is checked for shape but not kept.
    fn introduction(&mut self) -> Result<(), ImportError> {
        while let Item::Open(e) = self.child("introduction")? {
            let name = tag_name(&e).into_owned();
            if name != "introSection" {
                return Err(self.unknown(&name, "introduction", Some("introSection")));
            }
            self.attributes(&e, ["type"])?;
            while let Item::Open(e) = self.child("introSection")? {
                let name = tag_name(&e).into_owned();
                self.no_attributes(&e)?;
                match name.as_str() {
                    "title" => {
                        self.text("title")?;
                    }
                    "instruction" => {
                        self.notes_of("instruction")?;
                    }
                    other => {
                        return Err(self.unknown(
                            other,
                            "introSection",
                            Some("title or instruction"),
                        ))
                    }
                }
            }
        }
        Ok(())
    }

    /// The `<note>` children of an element, as (text, line).
    fn notes_of(&mut self, parent: &str) -> Result<Vec<(String, u64)>, ImportError> {
        let mut out = Vec::new();
        while let Item::Open(e) = self.child(parent)? {
            let name = tag_name(&e).into_owned();
            if name != "note" {
                return Err(self.unknown(&name, parent, Some("note")));
            }
            self.no_attributes(&e)?;
            let line = self.line();
            let text = self.nonempty_text("note", "the note's text")?;
            out.push((text, line));
        }
        Ok(out)
    }

    /// A note block such as `<excludes1>`: one or more notes.
    fn note_block(&mut self, kind: NoteKind) -> Result<NoteBlock, ImportError> {
        let line = self.line();
        let notes = self.notes_of(kind.element())?;
        if notes.is_empty() {
            return Err(row(
                self.file,
                line,
                kind.element(),
                format!("<{}> holds no <note>", kind.element()),
            ));
        }
        Ok(NoteBlock {
            kind,
            notes: notes
                .into_iter()
                .map(|(text, line)| Note {
                    text,
                    line,
                    resolution: Resolution::NotApplicable,
                })
                .collect(),
            code_first: None,
            line,
        })
    }

    fn chapter(&mut self, b: &mut Builder) -> Result<(), ImportError> {
        let line = self.line();
        let index = b.chapters.len();
        let mut number = None;
        let mut title = None;
        let mut notes = Vec::new();
        let first_section = b.sections.len();
        while let Item::Open(e) = self.child("chapter")? {
            let name = tag_name(&e).into_owned();
            if name != "section" {
                self.no_attributes(&e)?;
            }
            let header_done = number.is_some() && title.is_some();
            match name.as_str() {
                "name" if number.is_none() => number = Some(self.chapter_number(b)?),
                "desc" if number.is_some() && title.is_none() => {
                    title = Some(self.chapter_title()?);
                }
                "sectionIndex" if header_done => self.section_index(b)?,
                "section" if header_done => self.section(b, index, &e)?,
                other if header_done => match NoteKind::from_element(other) {
                    Some(kind) => notes.push(self.note_block(kind)?),
                    None => return Err(self.unknown(other, "chapter", None)),
                },
                other => return Err(self.out_of_order(other, "chapter", "<name> and <desc>")),
            }
        }
        let (Some(number), Some((title, first, last))) = (number, title) else {
            return Err(row(
                self.file,
                line,
                "chapter",
                "a <chapter> without <name> and <desc>",
            ));
        };
        b.chapters.push(Chapter {
            number,
            title,
            first,
            last,
            notes,
            sections: first_section..b.sections.len(),
            line,
        });
        Ok(())
    }

    /// A `<chapter>`'s `<name>`: its number, 1 to 99, not seen before.
    fn chapter_number(&mut self, b: &Builder) -> Result<u8, ImportError> {
        let t = self.nonempty_text("name", "the chapter number")?;
        let n: u8 = t
            .trim()
            .parse()
            .ok()
            .filter(|n| (1..=99).contains(n))
            .ok_or_else(|| {
                self.err(
                    "name",
                    format!("chapter number {t:?} is not a number 1..99"),
                )
            })?;
        if b.chapters.iter().any(|c| c.number == n) {
            return Err(self.err("name", format!("chapter {n} appears twice")));
        }
        Ok(n)
    }

    /// A `<chapter>`'s `<desc>`: its title and the code range it ends with.
    fn chapter_title(&mut self) -> Result<(String, Code, Code), ImportError> {
        let t = self.nonempty_text("desc", "the chapter title")?;
        let (text, range) = split_range(&t);
        let Some((first, last)) = range.and_then(parse_range) else {
            return Err(self.err(
                "desc",
                format!("chapter title {t:?} does not end with its code range, such as (A00-B99)"),
            ));
        };
        Ok((text.to_owned(), first, last))
    }

    fn section_index(&mut self, b: &mut Builder) -> Result<(), ImportError> {
        while let Item::Open(e) = self.child("sectionIndex")? {
            let name = tag_name(&e).into_owned();
            if name != "sectionRef" {
                return Err(self.unknown(&name, "sectionIndex", Some("sectionRef")));
            }
            let line = self.line();
            let [first, last, id] = self.attributes(&e, ["first", "last", "id"])?;
            let (Some(first), Some(last), Some(id)) = (first, last, id) else {
                return Err(self.err(
                    "sectionRef",
                    "a <sectionRef> needs the attributes first, last and id",
                ));
            };
            let (Some(first), Some(last)) = (category(&first), category(&last)) else {
                return Err(self.err(
                    "sectionRef",
                    format!("first={first:?} last={last:?}: a section runs from one category (such as A00) to another"),
                ));
            };
            self.text("sectionRef")?;
            if b.section_refs
                .insert(id.clone(), (first, last, line))
                .is_some()
            {
                return Err(self.err("sectionRef", format!("section {id:?} is listed twice")));
            }
        }
        Ok(())
    }

    /// A section's first and last category: from its `<sectionRef>` (which
    /// must agree with the id) or, without one, from the id itself.
    fn section_range(&mut self, b: &Builder, id: &str) -> Result<(Code, Code), ImportError> {
        match b.section_refs.get(id) {
            Some(&(f, l, _)) => {
                if parse_range(id) != Some((f, l)) {
                    return Err(self.err(
                        "section",
                        format!(
                            "section {id:?} does not match its sectionRef (first {f}, last {l})"
                        ),
                    ));
                }
                Ok((f, l))
            }
            None => parse_range(id).ok_or_else(|| {
                self.err(
                    "section",
                    format!("section id {id:?} is not a code range such as A00-A09 or B99"),
                )
            }),
        }
    }

    fn section(
        &mut self,
        b: &mut Builder,
        chapter: usize,
        e: &BytesStart<'_>,
    ) -> Result<(), ImportError> {
        let line = self.line();
        let [id] = self.attributes(e, ["id"])?;
        let Some(id) = id else {
            return Err(self.err("section", "a <section> without its id attribute"));
        };
        if b.sections.iter().any(|s| s.id == id) {
            return Err(self.err("section", format!("section {id:?} appears twice")));
        }
        let (first, last) = self.section_range(b, &id)?;
        let index = b.sections.len();
        b.sections.push(Section {
            id: id.clone(),
            title: String::new(),
            first,
            last,
            chapter,
            parent: None,
            notes: Vec::new(),
            categories: Vec::new(),
            line,
        });
        let mut has_desc = false;
        while let Item::Open(e) = self.child("section")? {
            let name = tag_name(&e).into_owned();
            if name != "diag" {
                self.no_attributes(&e)?;
            }
            match name.as_str() {
                "desc" if !has_desc => {
                    let t = self.nonempty_text("desc", "the section title")?;
                    let (text, range) = split_range(&t);
                    let title = if range == Some(id.as_str()) {
                        text
                    } else {
                        t.trim()
                    };
                    b.sections[index].title = title.to_owned();
                    has_desc = true;
                }
                "diag" if has_desc => {
                    let node = self.diag(b, None, index, chapter, &e)?;
                    b.sections[index].categories.push(node);
                }
                other if has_desc => match NoteKind::from_element(other) {
                    Some(kind) => {
                        let block = self.note_block(kind)?;
                        b.sections[index].notes.push(block);
                    }
                    None => return Err(self.unknown(other, "section", None)),
                },
                other => return Err(self.out_of_order(other, "section", "<desc>")),
            }
        }
        if !has_desc {
            return Err(row(
                self.file,
                line,
                "section",
                format!("section {id:?} has no <desc>"),
            ));
        }
        Ok(())
    }

    fn diag(
        &mut self,
        b: &mut Builder,
        parent: Option<NodeId>,
        section: usize,
        chapter: usize,
        e: &BytesStart<'_>,
    ) -> Result<NodeId, ImportError> {
        let line = self.line();
        let placeholder = self.placeholder(e)?;
        let (code, title, name_line) = self.diag_head(line)?;
        check_nesting(b, parent, code, |problem| {
            row(self.file, name_line, "name", problem)
        })?;
        let id = b.nodes.len() as NodeId;
        if let Some(&first) = b.index.get(&code) {
            let first_line = b.nodes[first as usize].line;
            return Err(ImportError::DuplicateCode {
                file: self.file.to_owned(),
                line,
                first_line,
                code,
                system: CodeSystem::Icd10Cm,
            });
        }
        b.index.insert(code, id);
        b.nodes.push(Node {
            code,
            title,
            parent,
            children: Vec::new(),
            end: id + 1,
            section,
            chapter,
            placeholder,
            notes: Vec::new(),
            seven_def: None,
            seventh: None,
            manifestation: false,
            line,
        });
        if let Some(p) = parent {
            b.nodes[p as usize].children.push(id);
        }
        let seven_note = self.diag_children(b, id, section, chapter)?;
        match (seven_note, b.nodes[id as usize].seven_def) {
            (Some(note), Some(d)) => b.seven_defs[d].note = note,
            (None, None) => {}
            (Some(_), None) => {
                return Err(row(
                    self.file,
                    line,
                    "sevenChrNote",
                    "a <sevenChrNote> without a <sevenChrDef> on the same code",
                ))
            }
            (None, Some(_)) => {
                return Err(row(
                    self.file,
                    line,
                    "sevenChrDef",
                    "a <sevenChrDef> without its <sevenChrNote> on the same code",
                ))
            }
        }
        b.nodes[id as usize].end = b.nodes.len() as NodeId;
        Ok(id)
    }

    /// A `<diag>`'s `placeholder` attribute (absent means false).
    fn placeholder(&mut self, e: &BytesStart<'_>) -> Result<bool, ImportError> {
        let [placeholder] = self.attributes(e, ["placeholder"])?;
        match placeholder.as_deref() {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(other) => Err(self.err(
                "diag",
                format!("placeholder={other:?}: expected \"true\" or \"false\""),
            )),
        }
    }

    /// A `<diag>`'s `<name>` and `<desc>`, which come first: the code, its
    /// title and the line of the name.
    fn diag_head(&mut self, line: u64) -> Result<(Code, String, u64), ImportError> {
        let mut header = Vec::with_capacity(2);
        let mut name_line = line;
        for want in ["name", "desc"] {
            match self.child("diag")? {
                Item::Open(e) if tag_name(&e) == want => {
                    self.no_attributes(&e)?;
                    if want == "name" {
                        name_line = self.line();
                    }
                    let what = if want == "name" {
                        "the code"
                    } else {
                        "the code's title"
                    };
                    header.push(self.nonempty_text(want, what)?);
                }
                Item::Open(e) => {
                    let name = tag_name(&e).into_owned();
                    return Err(self.out_of_order(&name, "diag", "<name> and <desc>"));
                }
                Item::Close => {
                    return Err(row(
                        self.file,
                        line,
                        "diag",
                        "a <diag> without <name> and <desc>",
                    ))
                }
            }
        }
        let code = Code::parse_for(CodeSystem::Icd10Cm, header[0].trim())
            .map_err(|e| row(self.file, name_line, "name", e.to_string()))?;
        let title = header.pop().unwrap_or_default();
        Ok((code, title, name_line))
    }

    /// The elements of a `<diag>` after its head: nested codes, 7th-character
    /// definitions and notes. Returns the `<sevenChrNote>`, if any.
    fn diag_children(
        &mut self,
        b: &mut Builder,
        id: NodeId,
        section: usize,
        chapter: usize,
    ) -> Result<Option<Vec<String>>, ImportError> {
        let mut seven_note: Option<Vec<String>> = None;
        while let Item::Open(e) = self.child("diag")? {
            let name = tag_name(&e).into_owned();
            let known = matches!(
                name.as_str(),
                "sevenChrNote" | "sevenChrDef" | "visualImpairment"
            ) || NoteKind::from_element(&name).is_some();
            if known {
                self.no_attributes(&e)?;
            }
            match name.as_str() {
                "diag" => {
                    self.diag(b, Some(id), section, chapter, &e)?;
                }
                "sevenChrNote" => {
                    if seven_note.is_some() {
                        return Err(self.err("sevenChrNote", "a second <sevenChrNote> on one code"));
                    }
                    let notes = self.notes_of("sevenChrNote")?;
                    seven_note = Some(notes.into_iter().map(|n| n.0).collect());
                }
                "sevenChrDef" => {
                    if b.nodes[id as usize].seven_def.is_some() {
                        return Err(self.err("sevenChrDef", "a second <sevenChrDef> on one code"));
                    }
                    let def = self.seven_chr_def(id)?;
                    b.nodes[id as usize].seven_def = Some(b.seven_defs.len());
                    b.seven_defs.push(def);
                }
                "visualImpairment" => self.visual_impairment()?,
                other => match NoteKind::from_element(other) {
                    Some(kind) => {
                        let block = self.note_block(kind)?;
                        b.nodes[id as usize].notes.push(block);
                    }
                    None => return Err(self.unknown(other, "diag", None)),
                },
            }
        }
        Ok(seven_note)
    }

    fn seven_chr_def(&mut self, node: NodeId) -> Result<SevenChrDef, ImportError> {
        let line = self.line();
        let mut chars: Vec<SevenChr> = Vec::new();
        while let Item::Open(e) = self.child("sevenChrDef")? {
            let name = tag_name(&e).into_owned();
            if name == "note" {
                // A note qualifies the character before it.
                self.no_attributes(&e)?;
                let text = self.nonempty_text("note", "the note's text")?;
                match chars.last_mut() {
                    Some(c) => c.notes.push(text),
                    None => {
                        return Err(
                            self.err("note", "a <note> in <sevenChrDef> before any <extension>")
                        )
                    }
                }
                continue;
            }
            if name != "extension" {
                return Err(self.unknown(&name, "sevenChrDef", Some("extension or note")));
            }
            let [ch] = self.attributes(&e, ["char"])?;
            let ch = match ch.as_deref().map(str::as_bytes) {
                Some(&[c]) if c.is_ascii_uppercase() || c.is_ascii_digit() => c,
                _ => {
                    return Err(self.err(
                        "extension",
                        format!(
                            "char={:?}: a 7th character is one upper-case letter or digit",
                            ch.unwrap_or_default()
                        ),
                    ))
                }
            };
            if chars.iter().any(|c| c.ch == ch) {
                return Err(self.err(
                    "extension",
                    format!("7th character {} is defined twice", ch as char),
                ));
            }
            let meaning = self.nonempty_text("extension", "the meaning of the 7th character")?;
            chars.push(SevenChr {
                ch,
                meaning,
                notes: Vec::new(),
            });
        }
        if chars.is_empty() {
            return Err(row(
                self.file,
                line,
                "sevenChrDef",
                "a <sevenChrDef> without <extension>",
            ));
        }
        Ok(SevenChrDef {
            node,
            chars,
            note: Vec::new(),
            line,
        })
    }

    /// The visual impairment table of H54: checked for shape, not kept (the
    /// same table is printed in the category's notes).
    fn visual_impairment(&mut self) -> Result<(), ImportError> {
        fn allowed(tag: &str) -> &'static [&'static str] {
            match tag {
                "visualImpairment" => &["visCategory"],
                "visCategory" => &["heading", "value", "visRange"],
                "visRange" => &["heading", "visMax", "visMin"],
                "visMax" | "visMin" => &["heading", "value"],
                _ => &[],
            }
        }
        // An explicit stack: the nesting is bounded by the schema.
        let mut stack: Vec<String> = vec!["visualImpairment".to_owned()];
        while let Some(top) = stack.last().cloned() {
            match self.child(&top)? {
                Item::Close => {
                    stack.pop();
                }
                Item::Open(e) => {
                    let name = tag_name(&e).into_owned();
                    self.no_attributes(&e)?;
                    if !allowed(&top).contains(&name.as_str()) {
                        return Err(self.unknown(&name, &top, None));
                    }
                    if name == "heading" || name == "value" {
                        self.text(&name)?;
                    } else {
                        stack.push(name);
                    }
                }
            }
        }
        Ok(())
    }
}

/// Splits "Title (A00-B99)" into ("Title", Some("A00-B99")).
fn split_range(text: &str) -> (&str, Option<&str>) {
    let t = text.trim();
    if let Some(body) = t.strip_suffix(')') {
        if let Some(open) = body.rfind('(') {
            return (body[..open].trim_end(), Some(&body[open + 1..]));
        }
    }
    (t, None)
}

/// A three-character category: a letter, then letters or digits with at
/// least one digit (A00, QA0, J4A).
fn category(text: &str) -> Option<Code> {
    let b = text.as_bytes();
    let ok = b.len() == 3
        && b[0].is_ascii_uppercase()
        && b[1..]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && b[1..].iter().any(u8::is_ascii_digit);
    ok.then(|| Code::from_normalised(b)).flatten()
}

/// Parses "A00-A09" or "B99" into (first, last).
fn parse_range(text: &str) -> Option<(Code, Code)> {
    let (a, b) = match text.split_once('-') {
        Some((a, b)) => (a, b),
        None => (text, text),
    };
    Some((category(a.trim())?, category(b.trim())?))
}

/// At most 60 characters of `s`, for messages.
fn clip(s: &str) -> String {
    let mut out: String = s.trim().chars().take(60).collect();
    if s.trim().chars().count() > 60 {
        out.push('…');
    }
    out
}

/// A code nested in a `<diag>` is its parent's code plus one character; a
/// code directly in a section is a three-character category.
fn check_nesting(
    b: &Builder,
    parent: Option<NodeId>,
    code: Code,
    err: impl Fn(String) -> ImportError,
) -> Result<(), ImportError> {
    match parent {
        Some(p) => {
            let pc = b.nodes[p as usize].code;
            let (cb, pb) = (code.as_bytes(), pc.as_bytes());
            if cb.len() != pb.len() + 1 || !cb.starts_with(pb) {
                return Err(err(format!(
                    "code {} under {} must be its parent's code plus one character",
                    code.display_for(CodeSystem::Icd10Cm),
                    pc.display_for(CodeSystem::Icd10Cm)
                )));
            }
        }
        None => {
            if code.as_bytes().len() != 3 {
                return Err(err(format!(
                    "{} directly in a section must be a three-character category",
                    code.display_for(CodeSystem::Icd10Cm)
                )));
            }
        }
    }
    Ok(())
}
