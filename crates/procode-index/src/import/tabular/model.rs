//! The typed model of the ICD-10-CM Tabular List: chapters, sections, the
//! `diag` hierarchy, notes by kind with their resolved targets, and the
//! 7th-character rules.

use std::collections::HashMap;
use std::ops::Range;

use crate::code::Code;

/// Index of a [`Node`] in [`Tabular::nodes`] (tabular order, which is the
/// document's pre-order: a node's subtree is `id..node.end`).
pub type NodeId = u32;

/// The kinds of instructional notes of the tabular list, by their XML element.
///
/// The numeric value is stable (it is written to index files).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum NoteKind {
    /// `inclusionTerm`: other conditions the code is used for ("Plantar fasciitis"
    /// under M72.2).
    InclusionTerm = 1,
    /// `includes`: further defines or gives examples of the content.
    Includes = 2,
    /// `excludes1`: "NOT CODED HERE" — never coded together with the code.
    Excludes1 = 3,
    /// `excludes2`: "not included here" — both may be coded together.
    Excludes2 = 4,
    /// `codeFirst`: the underlying condition is sequenced first.
    CodeFirst = 5,
    /// `codeAlso`: a second code may be needed; sequencing is discretionary.
    CodeAlso = 6,
    /// `useAdditionalCode`: add a code for the named detail.
    UseAdditionalCode = 7,
    /// `notes`: general notes (definitions, instructions).
    Notes = 8,
}

impl NoteKind {
    /// Every kind, in numeric order.
    pub const ALL: [NoteKind; 8] = [
        NoteKind::InclusionTerm,
        NoteKind::Includes,
        NoteKind::Excludes1,
        NoteKind::Excludes2,
        NoteKind::CodeFirst,
        NoteKind::CodeAlso,
        NoteKind::UseAdditionalCode,
        NoteKind::Notes,
    ];

    /// The XML element name (`excludes1`, `codeFirst`, …).
    pub fn element(self) -> &'static str {
        match self {
            NoteKind::InclusionTerm => "inclusionTerm",
            NoteKind::Includes => "includes",
            NoteKind::Excludes1 => "excludes1",
            NoteKind::Excludes2 => "excludes2",
            NoteKind::CodeFirst => "codeFirst",
            NoteKind::CodeAlso => "codeAlso",
            NoteKind::UseAdditionalCode => "useAdditionalCode",
            NoteKind::Notes => "notes",
        }
    }

    /// The kind of an XML element name.
    pub fn from_element(name: &str) -> Option<NoteKind> {
        NoteKind::ALL.into_iter().find(|k| k.element() == name)
    }

    /// The one-byte tag written to index files.
    pub fn to_u8(self) -> u8 {
        self as u8
    }

    /// The kind of a one-byte tag.
    pub fn from_u8(tag: u8) -> Option<NoteKind> {
        NoteKind::ALL.get(usize::from(tag).wrapping_sub(1)).copied()
    }

    /// Whether the importer resolves the code references of notes of this kind
    /// (the kinds that point at other codes).
    pub fn has_targets(self) -> bool {
        matches!(
            self,
            NoteKind::Excludes1
                | NoteKind::Excludes2
                | NoteKind::CodeFirst
                | NoteKind::CodeAlso
                | NoteKind::UseAdditionalCode
        )
    }
}

/// A set of codes in the normalised code space (byte order of normalised
/// codes): every code `c` with `first <= c` and either `c <= last` or `c`
/// starting with `last`. So `{F41, F41}` is category F41 with all its
/// descendants, `{E08, E13}` is E08 through E13 with theirs, `{F411, F411}` is
/// F41.1 and its descendants (if any).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CodeRange {
    /// The first code (the smallest code of the set).
    pub first: Code,
    /// The last code or category: the set ends with its last descendant.
    pub last: Code,
}

impl CodeRange {
    /// Whether `code` belongs to the range.
    pub fn contains(&self, code: &Code) -> bool {
        *code >= self.first && (*code <= self.last || code.has_prefix(&self.last))
    }
}

/// Why the code references of a note could not be (fully) resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unresolvable {
    /// The note names no code (for instance "see body system-related
    /// chapters", "code to infection").
    NoCode,
    /// A code-shaped reference in parentheses that is no code of the tabular
    /// list (the reference as written).
    UnknownCode(String),
    /// A qualifier on the references that the importer cannot apply
    /// (for instance "with open fracture 7th character").
    Qualifier(String),
    /// A range whose end comes before its start in tabular order.
    BadRange(String),
}

impl Unresolvable {
    /// A short stable name for reports: `no code`, `unknown code`,
    /// `qualifier`, `bad range`.
    pub fn name(&self) -> &'static str {
        match self {
            Unresolvable::NoCode => "no code",
            Unresolvable::UnknownCode(_) => "unknown code",
            Unresolvable::Qualifier(_) => "qualifier",
            Unresolvable::BadRange(_) => "bad range",
        }
    }
}

/// The codes a note points at, resolved at import time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// A note of a kind whose targets are not resolved (inclusion terms,
    /// includes, general notes).
    NotApplicable,
    /// A lead-in line naming no code that ends with a colon ("abscess of
    /// brain:"): the notes after it in the block are its items.
    Heading,
    /// Every reference resolved: the union of these ranges (sorted, disjoint).
    Resolved(Vec<CodeRange>),
    /// The references could not all be resolved. `partial` holds the ranges of
    /// the references that could, ignoring any qualifier (informational: a
    /// check must not treat them as the note's targets).
    Unresolved {
        /// Why.
        reason: Unresolvable,
        /// What could be resolved.
        partial: Vec<CodeRange>,
    },
}

impl Resolution {
    /// The resolved ranges, if the note resolved.
    pub fn ranges(&self) -> Option<&[CodeRange]> {
        match self {
            Resolution::Resolved(r) => Some(r),
            _ => None,
        }
    }
}

/// One `note` of a note block, verbatim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The text exactly as in the XML (entities decoded).
    pub text: String,
    /// The 1-based line of the note in the XML file.
    pub line: u64,
    /// Its targets (for the kinds that have them).
    pub resolution: Resolution,
}

/// Why a `codeFirst` block is conditional.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// A note of the block holds a conditional phrase (the phrase, lower case:
    /// `if applicable`, `if known`, `if present`, `when`, `any`,
    /// `complicating`).
    Phrase(&'static str),
    /// The block opens with a clause continuing "Code first"
    /// (", if applicable, …", ", for adverse effects, …").
    LeadingClause,
    /// Several alternative circumstances without a lead-in
    /// ("heart failure due to hypertension (I11.0)", "heart failure following
    /// surgery (I97.13-)", …): each applies only when its circumstance does.
    Alternatives,
}

/// How a `codeFirst` block binds: see the module documentation for the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeFirstRule {
    /// The underlying condition must always be coded first.
    Unconditional,
    /// Code first only in the circumstances the note names.
    Conditional(Condition),
}

/// One note element (`excludes1`, `codeFirst`, …) with its notes in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteBlock {
    /// The kind.
    pub kind: NoteKind,
    /// The notes (a lead-in line, when there is one, comes first).
    pub notes: Vec<Note>,
    /// For `codeFirst` blocks: conditional or not.
    pub code_first: Option<CodeFirstRule>,
    /// The 1-based line of the element in the XML file.
    pub line: u64,
}

/// One 7th character of a `sevenChrDef`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SevenChr {
    /// The character (an ASCII upper-case letter or digit).
    pub ch: u8,
    /// What it means ("initial encounter for closed fracture").
    pub meaning: String,
    /// Notes the XML places after it inside the `sevenChrDef` ("initial
    /// encounter for open fracture NOS" after B), verbatim.
    pub notes: Vec<String>,
}

/// A `sevenChrDef` with its `sevenChrNote`: the 7th characters of the codes
/// below the node that carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SevenChrDef {
    /// The node that carries the definition.
    pub node: NodeId,
    /// The characters in document order.
    pub chars: Vec<SevenChr>,
    /// The `sevenChrNote` notes, verbatim.
    pub note: Vec<String>,
    /// The 1-based line of the `sevenChrDef` element.
    pub line: u64,
}

/// The 7th-character rule of a code that takes a 7th character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeventhRule {
    /// Index into [`Tabular::seven_defs`] of the definition in force (the
    /// nearest one on the node or an ancestor).
    pub def: usize,
    /// Which of the definition's characters the code takes: bit `i` for
    /// `chars[i]` (a note can withdraw some, as for S06 with 6th character 7
    /// or 8).
    pub allowed: u64,
}

/// A chapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chapter {
    /// Its number, 1..=22.
    pub number: u8,
    /// The title without the range ("Neoplasms").
    pub title: String,
    /// The first category of its range (C00).
    pub first: Code,
    /// The last category of its range (D49).
    pub last: Code,
    /// Its notes.
    pub notes: Vec<NoteBlock>,
    /// Its sections (indices into [`Tabular::sections`]).
    pub sections: Range<usize>,
    /// The 1-based line of the `chapter` element.
    pub line: u64,
}

/// A section (block) of a chapter, such as A00-A09. Some sections only group
/// others (C00-C96 "Malignant neoplasms" holds no codes itself; the sections
/// C00-C14 … C81-C96 name it as their `parent`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The XML id (`A00-A09`, `B10`).
    pub id: String,
    /// The title without the range.
    pub title: String,
    /// The first category of its range.
    pub first: Code,
    /// The last category of its range.
    pub last: Code,
    /// Index of its chapter in [`Tabular::chapters`].
    pub chapter: usize,
    /// The grouping section it belongs to, if any.
    pub parent: Option<usize>,
    /// Its notes.
    pub notes: Vec<NoteBlock>,
    /// Its categories (the nodes directly in it), in tabular order.
    pub categories: Vec<NodeId>,
    /// The 1-based line of the `section` element.
    pub line: u64,
}

/// A `diag` element: a category, subcategory or code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    /// The code, normalised (F411).
    pub code: Code,
    /// The title (`desc`), verbatim.
    pub title: String,
    /// The parent node; `None` for a category (its parent is its section).
    pub parent: Option<NodeId>,
    /// The nodes directly below, in tabular order.
    pub children: Vec<NodeId>,
    /// One past the last node of its subtree (pre-order).
    pub end: NodeId,
    /// Index of its section in [`Tabular::sections`].
    pub section: usize,
    /// Index of its chapter in [`Tabular::chapters`].
    pub chapter: usize,
    /// The `placeholder="true"` attribute (codes such as H21.1X).
    pub placeholder: bool,
    /// Its notes, in document order.
    pub notes: Vec<NoteBlock>,
    /// The `sevenChrDef` on this node (index into [`Tabular::seven_defs`]).
    pub seven_def: Option<usize>,
    /// For a node without children under a `sevenChrDef` (its own or an
    /// ancestor's): the 7th characters it takes. Its billable codes are then
    /// the code padded with `X` to six characters plus one of them.
    pub seventh: Option<SeventhRule>,
    /// A manifestation code: its title or an ancestor's says "in … diseases
    /// classified elsewhere" (guideline I.A.13: never first-listed).
    pub manifestation: bool,
    /// The 1-based line of the `diag` element.
    pub line: u64,
}

/// A code of the tabular list: a `diag` node or a 7-character code built from
/// a node and a 7th character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeRef {
    /// A `diag` node.
    Node(NodeId),
    /// `node` padded with X to six characters, plus `ch`.
    Extension {
        /// The node (a leaf with a [`SeventhRule`]).
        node: NodeId,
        /// The 7th character.
        ch: u8,
    },
}

/// Where a note block sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// A chapter (index).
    Chapter(usize),
    /// A section (index).
    Section(usize),
    /// A node.
    Node(NodeId),
}

/// The imported tabular list. Build it with
/// [`read_tabular`](super::read_tabular).
#[derive(Debug, Clone)]
pub struct Tabular {
    pub(super) file: String,
    pub(super) version: String,
    pub(super) chapters: Vec<Chapter>,
    pub(super) sections: Vec<Section>,
    pub(super) nodes: Vec<Node>,
    pub(super) seven_defs: Vec<SevenChrDef>,
    pub(super) index: HashMap<Code, NodeId>,
}

/// The code `node` (shorter than 7 characters) padded with `X` to six
/// characters, plus `ch`.
pub fn extension_code(node: &Code, ch: u8) -> Option<Code> {
    let b = node.as_bytes();
    if b.len() >= 7 {
        return None;
    }
    let mut out = [b'X'; 7];
    out[..b.len()].copy_from_slice(b);
    out[6] = ch;
    Code::from_normalised(&out)
}

impl SevenChrDef {
    /// The characters of `allowed` (a [`SeventhRule::allowed`] mask), in order.
    pub fn allowed_chars(&self, allowed: u64) -> impl Iterator<Item = &SevenChr> + '_ {
        self.chars
            .iter()
            .enumerate()
            .filter(move |(i, _)| *i < 64 && allowed & (1u64 << i) != 0)
            .map(|(_, c)| c)
    }
}

impl Tabular {
    /// The name of the file the list was read from.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The `version` element (`2026`).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The chapters, in order.
    pub fn chapters(&self) -> &[Chapter] {
        &self.chapters
    }

    /// The sections, in tabular order.
    pub fn sections(&self) -> &[Section] {
        &self.sections
    }

    /// The `diag` nodes in tabular (pre-)order.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// One node.
    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(id as usize)
    }

    /// The 7th-character definitions in document order.
    pub fn seven_defs(&self) -> &[SevenChrDef] {
        &self.seven_defs
    }

    /// The node of a code, if it is a `diag` node.
    pub fn node_of(&self, code: &Code) -> Option<NodeId> {
        self.index.get(code).copied()
    }

    /// A code of the list: a node, or a 7-character code its leaf's rule
    /// allows.
    pub fn lookup(&self, code: &Code) -> Option<CodeRef> {
        if let Some(id) = self.node_of(code) {
            return Some(CodeRef::Node(id));
        }
        let b = code.as_bytes();
        if b.len() != 7 {
            return None;
        }
        let ch = b[6];
        let mut base = &b[..6];
        // The leaf is the code without its 7th character and placeholder Xs;
        // try the longest form first (a leaf may itself end in X, as H21.1X).
        loop {
            if let Some(id) = Code::from_normalised(base).and_then(|c| self.node_of(&c)) {
                let node = &self.nodes[id as usize];
                return (self.seventh_chars(id).any(|c| c.ch == ch)
                    && extension_code(&node.code, ch).as_ref() == Some(code))
                .then_some(CodeRef::Extension { node: id, ch });
            }
            match base.split_last() {
                Some((b'X', rest)) if rest.len() >= 3 => base = rest,
                _ => return None,
            }
        }
    }

    /// The code of a [`CodeRef`].
    pub fn code_of(&self, r: CodeRef) -> Option<Code> {
        match r {
            CodeRef::Node(id) => self.node(id).map(|n| n.code),
            CodeRef::Extension { node, ch } => extension_code(&self.node(node)?.code, ch),
        }
    }

    /// The 7th characters node `id` takes (none unless it is a leaf under a
    /// `sevenChrDef`).
    pub fn seventh_chars(&self, id: NodeId) -> impl Iterator<Item = &SevenChr> + '_ {
        let rule = self.node(id).and_then(|n| n.seventh);
        rule.and_then(|r| self.seven_defs.get(r.def).map(|d| (d, r.allowed)))
            .into_iter()
            .flat_map(|(d, allowed)| d.allowed_chars(allowed))
    }

    /// The codes directly below `code`, in tabular order: its child nodes, or
    /// for a leaf that takes a 7th character its 7-character codes.
    pub fn children(&self, code: &Code) -> Option<Vec<Code>> {
        match self.lookup(code)? {
            CodeRef::Extension { .. } => Some(Vec::new()),
            CodeRef::Node(id) => {
                let node = &self.nodes[id as usize];
                if node.children.is_empty() {
                    Some(
                        self.seventh_chars(id)
                            .filter_map(|c| extension_code(&node.code, c.ch))
                            .collect(),
                    )
                } else {
                    Some(
                        node.children
                            .iter()
                            .map(|&c| self.nodes[c as usize].code)
                            .collect(),
                    )
                }
            }
        }
    }

    /// What is above `code`, from the top: its chapter, its sections (the
    /// grouping section first), then its ancestor nodes down to its parent.
    pub fn ancestors(&self, code: &Code) -> Option<Vec<Owner>> {
        let start = match self.lookup(code)? {
            CodeRef::Node(id) => self.nodes[id as usize].parent,
            CodeRef::Extension { node, .. } => Some(node),
        };
        let mut up = Vec::new();
        let mut at = start;
        let mut section = None;
        while let Some(id) = at {
            let n = &self.nodes[id as usize];
            up.push(Owner::Node(id));
            section = Some(n.section);
            at = n.parent;
        }
        let section = match section {
            Some(s) => s,
            // A category: its own section.
            None => match self.lookup(code)? {
                CodeRef::Node(id) => self.nodes[id as usize].section,
                CodeRef::Extension { node, .. } => self.nodes[node as usize].section,
            },
        };
        let mut s = Some(section);
        while let Some(i) = s {
            up.push(Owner::Section(i));
            s = self.sections[i].parent;
        }
        up.push(Owner::Chapter(self.sections[section].chapter));
        up.reverse();
        Some(up)
    }

    /// Every code of the list in tabular order: each node, and after a leaf
    /// that takes a 7th character its 7-character codes (in the order of its
    /// definition).
    pub fn codes(&self) -> impl Iterator<Item = Code> + '_ {
        self.nodes.iter().enumerate().flat_map(move |(i, n)| {
            std::iter::once(n.code).chain(
                self.seventh_chars(i as NodeId)
                    .filter_map(move |c| extension_code(&n.code, c.ch)),
            )
        })
    }

    /// The note blocks at `owner`.
    pub fn notes_at(&self, owner: Owner) -> &[NoteBlock] {
        match owner {
            Owner::Chapter(i) => self.chapters.get(i).map(|c| c.notes.as_slice()),
            Owner::Section(i) => self.sections.get(i).map(|s| s.notes.as_slice()),
            Owner::Node(i) => self.node(i).map(|n| n.notes.as_slice()),
        }
        .unwrap_or(&[])
    }

    /// A name for `owner` in reports: the chapter number, the section id or
    /// the code as written (F41.1).
    pub fn owner_name(&self, owner: Owner) -> String {
        match owner {
            Owner::Chapter(i) => self
                .chapters
                .get(i)
                .map(|c| format!("chapter {}", c.number))
                .unwrap_or_default(),
            Owner::Section(i) => self
                .sections
                .get(i)
                .map(|s| format!("section {}", s.id))
                .unwrap_or_default(),
            Owner::Node(i) => self
                .node(i)
                .map(|n| n.code.display_for(crate::code::CodeSystem::Icd10Cm))
                .unwrap_or_default(),
        }
    }

    /// Every note block with where it sits, in document order per owner kind
    /// (chapters, then sections, then nodes).
    pub fn all_blocks(&self) -> impl Iterator<Item = (Owner, &NoteBlock)> + '_ {
        let ch = self
            .chapters
            .iter()
            .enumerate()
            .flat_map(|(i, c)| c.notes.iter().map(move |b| (Owner::Chapter(i), b)));
        let se = self
            .sections
            .iter()
            .enumerate()
            .flat_map(|(i, s)| s.notes.iter().map(move |b| (Owner::Section(i), b)));
        let no = self
            .nodes
            .iter()
            .enumerate()
            .flat_map(|(i, n)| n.notes.iter().map(move |b| (Owner::Node(i as NodeId), b)));
        ch.chain(se).chain(no)
    }
}
