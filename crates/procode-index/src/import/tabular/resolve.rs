//! Resolving the code references of notes to ranges of the normalised code
//! space, and the importer's report of what resolved and what did not.
//!
//! A reference names a code and its descendants. A range `A-B` is taken in
//! **tabular order** (the order of the XML): A, everything after it, through
//! B and its descendants. So D37-D44 does not hold D3A (which the tabular list
//! places before D37) though D3A sorts between them byte-wise. The codes are
//! then written as ranges of the byte order of normalised codes, merged where
//! no other code lies between, so a check is a binary search or a scan of a
//! few ranges.

use std::collections::{BTreeMap, HashMap};

use super::model::{
    CodeFirstRule, CodeRange, CodeRef, Condition, NodeId, NoteKind, Owner, Resolution, Tabular,
    Unresolvable,
};
use super::refs::{scan, RawRef};
use crate::code::Code;

/// Every code of the list in byte order, for turning code sets into ranges.
pub(super) struct Universe {
    sorted: Vec<Code>,
}

impl Universe {
    pub(super) fn new(t: &Tabular) -> Universe {
        let mut sorted: Vec<Code> = t.codes().collect();
        sorted.sort_unstable();
        sorted.dedup();
        Universe { sorted }
    }

    /// The position range of the codes starting with `root`.
    fn span(&self, root: &Code) -> (usize, usize) {
        let lo = self.sorted.partition_point(|c| c < root);
        let n = self.sorted[lo..].partition_point(|c| c.as_bytes().starts_with(root.as_bytes()));
        (lo, lo + n)
    }

    /// The sorted, disjoint ranges covering `roots` and their descendants.
    pub(super) fn ranges(&self, mut roots: Vec<Code>) -> Vec<CodeRange> {
        roots.sort_unstable();
        roots.dedup();
        let mut kept: Vec<Code> = Vec::with_capacity(roots.len());
        for r in roots {
            // A root below a kept root adds nothing.
            if kept
                .last()
                .is_some_and(|k| r.as_bytes().starts_with(k.as_bytes()))
            {
                continue;
            }
            kept.push(r);
        }
        let mut out: Vec<(CodeRange, usize)> = Vec::new();
        for r in kept {
            let (lo, hi) = self.span(&r);
            match out.last_mut() {
                Some((range, end)) if *end == lo => {
                    range.last = r;
                    *end = hi;
                }
                _ => out.push((CodeRange { first: r, last: r }, hi)),
            }
        }
        out.into_iter().map(|(r, _)| r).collect()
    }
}

fn display(code: &str) -> String {
    if code.len() > 3 {
        format!("{}.{}", &code[..3], &code[3..])
    } else {
        code.to_owned()
    }
}

/// A qualifier the importer can apply.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Qualifier {
    /// "with .44", "with .62-", "with .51-.52", "with final characters .00 or
    /// .01": each category of the references plus these characters (a pair is
    /// a range).
    Suffix(Vec<(String, Option<String>)>),
    /// "with 5th character 1", "with 7th character B or C", "with fifth to
    /// sixth characters 51": the characters from `position` (1-based) on equal
    /// one of `values`.
    At {
        position: usize,
        values: Vec<String>,
    },
    /// "with fifth or sixth character 1-4", "with final characters -23",
    /// "with final character 6": leaf codes whose last character(s) are one of
    /// `values`, where the last character stands at one of `positions` (any
    /// position when empty). Each leading `-` of the values ("-23") stands for
    /// one character after the referenced code: I69. with -23 is I69.x23, not
    /// I69.23.
    Final {
        positions: Vec<usize>,
        values: Vec<String>,
        wild: usize,
    },
}

/// The character position an ordinal word names ("4th"/"fourth" … "7th"/"seventh").
pub(super) fn ordinal(word: &str) -> Option<usize> {
    match word {
        "4th" | "fourth" => Some(4),
        "5th" | "fifth" => Some(5),
        "6th" | "sixth" => Some(6),
        "7th" | "seventh" => Some(7),
        _ => None,
    }
}

/// Values such as "2", "b or c", "1-4", ".6", "-23", "51".
fn values(words: &[&str]) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for w in words {
        let w = w.trim_end_matches(',');
        match w {
            "" | "or" | "and" => continue,
            _ => {}
        }
        let w = w.trim_start_matches(['.', '-']);
        if let Some((a, b)) = w.split_once('-') {
            let (&[a], &[b]) = (a.as_bytes(), b.as_bytes()) else {
                return None;
            };
            if !(a.is_ascii_digit() && b.is_ascii_digit() && a <= b) {
                return None;
            }
            out.extend((a..=b).map(|c| (c as char).to_string()));
        } else if !w.is_empty()
            && w.len() <= 3
            && w.bytes().all(|b| b.is_ascii_alphanumeric())
            && (w.len() == 1 || w.bytes().any(|b| b.is_ascii_digit()))
        {
            // A character or a few (B, 6, 51), never a word ("to").
            out.push(w.to_ascii_uppercase());
        } else {
            return None;
        }
    }
    (!out.is_empty()).then_some(out)
}

fn parse_qualifier(q: &str) -> Option<Qualifier> {
    let q = q.strip_prefix("with ")?.replace("-character", " character");
    let words: Vec<&str> = q.split_whitespace().collect();
    let first = *words.first()?;
    // "with .44", "with .62-", "with .51-.52"
    if first.starts_with('.') {
        return suffixes(&words);
    }
    let char_word = words.iter().position(|w| w.starts_with("character"))?;
    let before = &words[..char_word];
    let vals = &words[char_word + 1..];
    match before {
        ["final"] | ["last"] => {
            if vals.first().is_some_and(|v| v.starts_with('.')) {
                return suffixes(vals);
            }
            let wild = vals
                .first()
                .map_or(0, |v| v.bytes().take_while(|&b| b == b'-').count());
            Some(Qualifier::Final {
                positions: Vec::new(),
                values: values(vals)?,
                wild,
            })
        }
        [a, "or", b] => Some(Qualifier::Final {
            positions: vec![ordinal(a)?, ordinal(b)?],
            values: values(vals)?,
            wild: 0,
        }),
        [a, "to", b] => {
            let (a, b) = (ordinal(a)?, ordinal(b)?);
            if b < a {
                return None;
            }
            let values = values(vals)?;
            if values.iter().any(|v| v.len() != b + 1 - a) {
                return None;
            }
            Some(Qualifier::At {
                position: a,
                values,
            })
        }
        [a] | ["the", a] => Some(Qualifier::At {
            position: ordinal(a)?,
            values: values(vals)?,
        }),
        _ => None,
    }
}

/// ".44", ".62-", ".51-.52", ".00 or .01" → suffix (range) list.
fn suffixes(words: &[&str]) -> Option<Qualifier> {
    let mut out = Vec::new();
    for w in words {
        let w = w.trim_end_matches(',');
        if w == "or" || w == "and" {
            continue;
        }
        let w = w.strip_prefix('.')?;
        let w = w.strip_suffix('-').unwrap_or(w);
        let (a, b) = match w.split_once("-.") {
            Some((a, b)) => (a, Some(b.trim_end_matches('-').to_ascii_uppercase())),
            None => (w, None),
        };
        if a.is_empty() || !a.bytes().all(|c| c.is_ascii_alphanumeric()) {
            return None;
        }
        if b.as_ref()
            .is_some_and(|b| b.is_empty() || !b.bytes().all(|c| c.is_ascii_alphanumeric()))
        {
            return None;
        }
        out.push((a.to_ascii_uppercase(), b));
    }
    (!out.is_empty()).then_some(Qualifier::Suffix(out))
}

struct Resolver<'t> {
    t: &'t Tabular,
    universe: Universe,
}

impl Resolver<'_> {
    fn code(&self, s: &str) -> Option<Code> {
        Code::from_normalised(s.as_bytes()).filter(|c| self.t.lookup(c).is_some())
    }

    /// The roots covering `a`..=`b` (with descendants) in tabular order.
    fn range_roots(&self, a: NodeId, b: NodeId) -> Option<Vec<Code>> {
        let end = self.t.nodes[b as usize].end;
        if end <= a {
            return None;
        }
        let mut out = Vec::new();
        let mut i = a;
        while i < end {
            let n = &self.t.nodes[i as usize];
            out.push(n.code);
            i = n.end;
        }
        Some(out)
    }

    /// Every code (node or 7-character code) within `roots`, with its node
    /// and the length of the root it lies under.
    fn codes_under(&self, roots: &[Code]) -> Vec<(Code, Option<NodeId>, usize)> {
        let mut out = Vec::new();
        for r in roots {
            let root_len = r.as_bytes().len();
            match self.t.lookup(r) {
                Some(CodeRef::Node(id)) => {
                    for i in id..self.t.nodes[id as usize].end {
                        let n = &self.t.nodes[i as usize];
                        out.push((n.code, Some(i), root_len));
                        for c in self.t.seventh_chars(i) {
                            if let Some(x) = super::model::extension_code(&n.code, c.ch) {
                                out.push((x, None, root_len));
                            }
                        }
                    }
                }
                Some(CodeRef::Extension { .. }) => out.push((*r, None, root_len)),
                None => {}
            }
        }
        out
    }

    fn apply(&self, q: &Qualifier, roots: &[Code]) -> Option<Vec<Code>> {
        let mut out = Vec::new();
        match q {
            Qualifier::Suffix(list) => {
                for r in roots {
                    if r.as_bytes().len() != 3 {
                        return None;
                    }
                    for (a, b) in list {
                        let Some(ca) = self.code(&format!("{r}{a}")) else {
                            continue;
                        };
                        match b {
                            None => out.push(ca),
                            Some(b) => {
                                let cb = self.code(&format!("{r}{b}"))?;
                                let (ia, ib) = (self.t.node_of(&ca)?, self.t.node_of(&cb)?);
                                out.extend(self.range_roots(ia, ib)?);
                            }
                        }
                    }
                }
            }
            Qualifier::At { position, values } => {
                for (c, _, _) in self.codes_under(roots) {
                    let b = c.as_bytes();
                    if values
                        .iter()
                        .any(|v| b.get(position - 1..position - 1 + v.len()) == Some(v.as_bytes()))
                    {
                        out.push(c);
                    }
                }
            }
            Qualifier::Final {
                positions,
                values,
                wild,
            } => {
                for (c, node, root_len) in self.codes_under(roots) {
                    let Some(id) = node else { continue };
                    if !self.t.nodes[id as usize].children.is_empty() {
                        continue;
                    }
                    let b = c.as_bytes();
                    if !positions.is_empty() && !positions.contains(&b.len()) {
                        continue;
                    }
                    if values.iter().any(|v| {
                        b.len() > 3
                            && b.ends_with(v.as_bytes())
                            && (*wild == 0 || b.len() == root_len + wild + v.len())
                    }) {
                        out.push(c);
                    }
                }
            }
        }
        (!out.is_empty()).then_some(out)
    }

    fn resolve(&self, text: &str) -> Resolution {
        let known = |s: &str| self.code(s).is_some();
        let groups = scan(text, &known);
        if groups.is_empty() {
            return if text.trim_end().ends_with(':') {
                Resolution::Heading
            } else {
                Resolution::Unresolved {
                    reason: Unresolvable::NoCode,
                    partial: Vec::new(),
                }
            };
        }
        let mut roots = Vec::new();
        let mut problem: Option<Unresolvable> = None;
        for g in groups {
            let mut g_roots = Vec::new();
            for r in &g.refs {
                match r {
                    RawRef::Code(c) => match self.code(c) {
                        Some(code) => g_roots.push(code),
                        None => {
                            problem.get_or_insert(Unresolvable::UnknownCode(display(c)));
                        }
                    },
                    RawRef::Range(a, b) => {
                        let na = self.code(a).and_then(|c| self.t.node_of(&c));
                        let nb = self.code(b).and_then(|c| self.t.node_of(&c));
                        match (na, nb) {
                            (Some(na), Some(nb)) => match self.range_roots(na, nb) {
                                Some(rs) => g_roots.extend(rs),
                                None => {
                                    problem.get_or_insert(Unresolvable::BadRange(format!(
                                        "{}-{}",
                                        display(a),
                                        display(b)
                                    )));
                                }
                            },
                            (None, _) => {
                                problem.get_or_insert(Unresolvable::UnknownCode(display(a)));
                            }
                            (_, None) => {
                                problem.get_or_insert(Unresolvable::UnknownCode(display(b)));
                            }
                        }
                    }
                }
            }
            match g.qualifier {
                None => roots.extend(g_roots),
                Some(q) => match parse_qualifier(&q).and_then(|p| self.apply(&p, &g_roots)) {
                    Some(rs) => roots.extend(rs),
                    None => {
                        problem.get_or_insert(Unresolvable::Qualifier(q));
                        roots.extend(g_roots);
                    }
                },
            }
        }
        let ranges = self.universe.ranges(roots);
        match problem {
            None if !ranges.is_empty() => Resolution::Resolved(ranges),
            None => Resolution::Unresolved {
                reason: Unresolvable::NoCode,
                partial: ranges,
            },
            Some(reason) => Resolution::Unresolved {
                reason,
                partial: ranges,
            },
        }
    }
}

/// Resolves the notes of every kind that has targets. A resolution depends on
/// the text alone, and many notes repeat ("(T51-T65) to identify chemical and
/// intent"): each distinct text is resolved once.
pub(super) fn resolve_all(t: &mut Tabular) {
    let resolved: Vec<Vec<Resolution>> = {
        let r = Resolver {
            t,
            universe: Universe::new(t),
        };
        let mut seen: HashMap<&str, Resolution> = HashMap::new();
        t.all_blocks()
            .map(|(_, b)| {
                b.notes
                    .iter()
                    .map(|n| {
                        if !b.kind.has_targets() {
                            return Resolution::NotApplicable;
                        }
                        seen.entry(n.text.as_str())
                            .or_insert_with(|| r.resolve(&n.text))
                            .clone()
                    })
                    .collect()
            })
            .collect()
    };
    // `all_blocks` and `blocks_mut` walk the blocks in the same order.
    for (block, res) in super::rules::blocks_mut(t).zip(resolved) {
        for (note, r) in block.notes.iter_mut().zip(res) {
            note.resolution = r;
        }
    }
}

/// Counts of one note kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KindCounts {
    /// Note elements (`<excludes1>` …) — what SOURCES.md counts.
    pub blocks: usize,
    /// `<note>`s in them.
    pub notes: usize,
    /// Lead-in lines naming no code ("abscess of brain:").
    pub headings: usize,
    /// Notes whose references all resolved.
    pub resolved: usize,
    /// Notes that did not resolve, by reason ([`Unresolvable::name`]).
    pub unresolved: BTreeMap<&'static str, usize>,
}

impl KindCounts {
    /// All unresolved notes.
    pub fn unresolved_total(&self) -> usize {
        self.unresolved.values().sum()
    }
}

/// A note whose targets could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnresolvedNote {
    /// Where it sits (F41.1, section A00-A09, chapter 1).
    pub at: String,
    /// Its kind.
    pub kind: NoteKind,
    /// Its text.
    pub text: String,
    /// Its line in the XML.
    pub line: u64,
    /// Why.
    pub reason: Unresolvable,
}

/// What the importer found: counts per note kind, every unresolved note, and
/// how the `codeFirst` blocks were classified.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TabularReport {
    /// Per note kind.
    pub kinds: BTreeMap<NoteKind, KindCounts>,
    /// Every note of a kind with targets that did not resolve, in document
    /// order per owner kind.
    pub unresolved: Vec<UnresolvedNote>,
    /// `codeFirst` blocks that always apply.
    pub code_first_unconditional: usize,
    /// Conditional `codeFirst` blocks by reason.
    pub code_first_conditional: BTreeMap<String, usize>,
    /// `sevenChrDef` elements.
    pub seven_defs: usize,
    /// Codes with 7 characters built from a leaf and a 7th character.
    pub seventh_codes: usize,
    /// Manifestation nodes.
    pub manifestations: usize,
}

impl TabularReport {
    /// The counts of one kind (zero when absent).
    pub fn kind(&self, kind: NoteKind) -> KindCounts {
        self.kinds.get(&kind).cloned().unwrap_or_default()
    }

    /// Conditional `codeFirst` blocks.
    pub fn code_first_conditional_total(&self) -> usize {
        self.code_first_conditional.values().sum()
    }
}

fn condition_name(c: Condition) -> String {
    match c {
        Condition::Phrase(p) => format!("phrase \"{p}\""),
        Condition::LeadingClause => "leading clause".to_owned(),
        Condition::Alternatives => "alternatives".to_owned(),
    }
}

impl Tabular {
    /// The importer's report: counts of notes per kind (elements, notes,
    /// resolved, unresolved by reason), every unresolved note, the
    /// `codeFirst` classification.
    pub fn report(&self) -> TabularReport {
        let mut r = TabularReport::default();
        for (owner, b) in self.all_blocks() {
            let k = r.kinds.entry(b.kind).or_default();
            k.blocks += 1;
            k.notes += b.notes.len();
            for n in &b.notes {
                match &n.resolution {
                    Resolution::NotApplicable => {}
                    Resolution::Heading => k.headings += 1,
                    Resolution::Resolved(_) => k.resolved += 1,
                    Resolution::Unresolved { reason, .. } => {
                        *k.unresolved.entry(reason.name()).or_default() += 1;
                        r.unresolved.push(UnresolvedNote {
                            at: self.owner_name(owner),
                            kind: b.kind,
                            text: n.text.clone(),
                            line: n.line,
                            reason: reason.clone(),
                        });
                    }
                }
            }
            match b.code_first {
                Some(CodeFirstRule::Unconditional) => r.code_first_unconditional += 1,
                Some(CodeFirstRule::Conditional(c)) => {
                    *r.code_first_conditional
                        .entry(condition_name(c))
                        .or_default() += 1
                }
                None => {}
            }
        }
        r.seven_defs = self.seven_defs.len();
        r.seventh_codes = (0..self.nodes.len() as NodeId)
            .map(|i| self.seventh_chars(i).count())
            .sum();
        r.manifestations = self.nodes.iter().filter(|n| n.manifestation).count();
        r
    }

    /// The owner-and-note pairs of `kind` whose note resolved, with the ranges.
    pub fn resolved_notes(
        &self,
        kind: NoteKind,
    ) -> impl Iterator<Item = (Owner, &str, &[CodeRange])> + '_ {
        self.all_blocks()
            .filter(move |(_, b)| b.kind == kind)
            .flat_map(|(o, b)| {
                b.notes
                    .iter()
                    .filter_map(move |n| n.resolution.ranges().map(|r| (o, n.text.as_str(), r)))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualifiers_parse() {
        use Qualifier::*;
        assert_eq!(
            parse_qualifier("with .44"),
            Some(Suffix(vec![("44".into(), None)]))
        );
        assert_eq!(
            parse_qualifier("with .62-"),
            Some(Suffix(vec![("62".into(), None)]))
        );
        assert_eq!(
            parse_qualifier("with .51-.52"),
            Some(Suffix(vec![("51".into(), Some("52".into()))]))
        );
        assert_eq!(
            parse_qualifier("with final characters .00 or .01"),
            Some(Suffix(vec![("00".into(), None), ("01".into(), None)]))
        );
        for (text, position, values) in [
            ("with 5th character 1", 5, &["1"][..]),
            ("with fifth-character 1", 5, &["1"]),
            ("with 7th character b or c", 7, &["B", "C"]),
            ("with 5th character .6", 5, &["6"]),
            ("with fifth to sixth characters 51", 5, &["51"]),
        ] {
            assert_eq!(
                parse_qualifier(text),
                Some(At {
                    position,
                    values: values.iter().map(|v| v.to_string()).collect()
                }),
                "{text}"
            );
        }
        assert_eq!(
            parse_qualifier("with fifth or sixth character 1-4"),
            Some(Final {
                positions: vec![5, 6],
                values: vec!["1".into(), "2".into(), "3".into(), "4".into()],
                wild: 0,
            })
        );
        assert_eq!(
            parse_qualifier("with final characters -23"),
            Some(Final {
                positions: vec![],
                values: vec!["23".into()],
                wild: 1,
            })
        );
        assert_eq!(parse_qualifier("with open fracture 7th character"), None);
        assert_eq!(parse_qualifier("with ketoacidosis"), None);
        assert_eq!(
            parse_qualifier("with fifth or sixth character to indicate intent"),
            None
        );
        assert_eq!(parse_qualifier("with fifth to sixth characters 5"), None);
        assert_eq!(
            parse_qualifier("with seventh to fourth characters 51"),
            None
        );
        assert_eq!(parse_qualifier("with"), None);
        assert_eq!(parse_qualifier("with 9th character 1"), None);
        assert_eq!(parse_qualifier("with 5th character"), None);
    }

    #[test]
    fn any_prefix_of_a_qualifier_parses_without_panic() {
        for q in [
            "with fifth to sixth characters 51",
            "with fifth or sixth character 1-4 or 6",
            "with final characters -23 or .00, .01",
            "with .51-.52-, .6-",
            "with the 7th character b-a",
        ] {
            for n in 0..=q.len() {
                let _ = parse_qualifier(&q[..n]);
                let _ = parse_qualifier(&q[n..]);
            }
        }
    }

    #[test]
    fn ranges_merge_and_contain() {
        let c = |s: &str| Code::parse(s).unwrap();
        let u = Universe {
            sorted: ["A00", "A000", "A001", "A01", "A010", "A02", "A03", "A030"]
                .iter()
                .map(|s| c(s))
                .collect(),
        };
        let r = u.ranges(vec![c("A01"), c("A00"), c("A000"), c("A03")]);
        assert_eq!(
            r,
            vec![
                CodeRange {
                    first: c("A00"),
                    last: c("A01")
                },
                CodeRange {
                    first: c("A03"),
                    last: c("A03")
                },
            ]
        );
        assert!(r[0].contains(&c("A010")));
        assert!(
            r[0].contains(&c("A01Z")),
            "a new descendant of the last root"
        );
        assert!(!r[0].contains(&c("A02")));
        assert!(r[1].contains(&c("A030")));
        assert!(!r[1].contains(&c("A04")));
    }
}
