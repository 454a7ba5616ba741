//! The structure derived after parsing: grouping sections, the 7th-character
//! rule of every code that takes one, manifestation codes, and the
//! classification of `codeFirst` blocks.

use super::model::{CodeFirstRule, Condition, Note, NoteBlock, NoteKind, SeventhRule, Tabular};
use super::resolve::ordinal;
use crate::code::{Code, CodeSystem};
use crate::error::{ImportError, RowError};

fn row(t: &Tabular, line: u64, column: &str, problem: impl Into<String>) -> ImportError {
    ImportError::BadRow(RowError::new(t.file.as_str(), line, column, problem))
}

/// Runs every derivation in order.
pub(super) fn derive(t: &mut Tabular) -> Result<(), ImportError> {
    section_parents(t);
    seventh_rules(t)?;
    seventh_restrictions(t)?;
    manifestations(t);
    for block in blocks_mut(t) {
        if block.kind == NoteKind::CodeFirst {
            block.code_first = Some(classify_code_first(&block.notes));
        }
    }
    Ok(())
}

/// Every note block, mutably.
pub(super) fn blocks_mut(t: &mut Tabular) -> impl Iterator<Item = &mut NoteBlock> + '_ {
    let Tabular {
        chapters,
        sections,
        nodes,
        ..
    } = t;
    chapters
        .iter_mut()
        .flat_map(|c| c.notes.iter_mut())
        .chain(sections.iter_mut().flat_map(|s| s.notes.iter_mut()))
        .chain(nodes.iter_mut().flat_map(|n| n.notes.iter_mut()))
}

/// A section that holds no codes groups the sections after it whose range
/// lies within its own (C00-C96 holds C00-C75, which holds C00-C14, …).
fn section_parents(t: &mut Tabular) {
    for i in 0..t.sections.len() {
        let s = &t.sections[i];
        let parent = (0..i).rev().find(|&j| {
            let g = &t.sections[j];
            g.chapter == s.chapter
                && g.categories.is_empty()
                && g.first <= s.first
                && s.last <= g.last
        });
        t.sections[i].parent = parent;
    }
}

/// Every leaf under a `sevenChrDef` (its own or the nearest ancestor's) takes
/// that definition's characters.
fn seventh_rules(t: &mut Tabular) -> Result<(), ImportError> {
    let mut inherited: Vec<Option<usize>> = Vec::with_capacity(t.nodes.len());
    for i in 0..t.nodes.len() {
        let n = &t.nodes[i];
        let def = n
            .seven_def
            .or_else(|| n.parent.and_then(|p| inherited[p as usize]));
        inherited.push(def);
        if let (Some(def), true) = (def, n.children.is_empty()) {
            if n.code.as_bytes().len() >= 7 {
                return Err(row(
                    t,
                    n.line,
                    "name",
                    format!(
                        "{} has 7 characters but lies under the 7th-character definition on line {}",
                        n.code.display_for(CodeSystem::Icd10Cm),
                        t.seven_defs[def].line
                    ),
                ));
            }
            let count = t.seven_defs[def].chars.len();
            if count > 64 {
                return Err(row(
                    t,
                    t.seven_defs[def].line,
                    "sevenChrDef",
                    "more than 64 7th characters",
                ));
            }
            let allowed = if count == 64 {
                u64::MAX
            } else {
                (1u64 << count) - 1
            };
            t.nodes[i].seventh = Some(SeventhRule { def, allowed });
        }
    }
    Ok(())
}

/// A note withdrawing 7th characters from some codes, such as S06's
/// "7th characters D and S do not apply to codes in category S06 with 6th
/// character 7 - death due to brain injury prior to regaining consciousness,
/// or 8 - death due to other cause prior to regaining consciousness."
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Restriction {
    /// The withdrawn characters.
    pub(super) chars: Vec<u8>,
    /// The category or subcategory it speaks of.
    pub(super) scope: Code,
    /// The 1-based position of the character that selects the codes.
    pub(super) position: usize,
    /// The values of that character that select them.
    pub(super) values: Vec<u8>,
}

/// Whether a general note speaks of withdrawing 7th characters (and so must
/// parse as a [`Restriction`]).
pub(super) fn is_restriction(text: &str) -> bool {
    let l = text.trim().to_ascii_lowercase();
    (l.starts_with("7th character") || l.starts_with("seventh character"))
        && l.contains("not apply")
}

/// Parses a restriction note; `None` when it does not have the expected shape.
pub(super) fn parse_restriction(text: &str) -> Option<Restriction> {
    let l = text.trim().to_ascii_lowercase();
    let (head, rest) = l
        .split_once(" do not apply")
        .or_else(|| l.split_once(" does not apply"))?;
    let head = head
        .strip_prefix("7th character")
        .or_else(|| head.strip_prefix("seventh character"))?;
    let head = head.strip_prefix('s').unwrap_or(head);
    let mut chars = Vec::new();
    for w in head.split(|c: char| c == ',' || c.is_whitespace()) {
        match w {
            "" | "and" | "or" => {}
            w if w.len() == 1 && w.as_bytes()[0].is_ascii_alphanumeric() => {
                chars.push(w.as_bytes()[0].to_ascii_uppercase())
            }
            _ => return None,
        }
    }
    let words: Vec<&str> = rest
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    let cat = words
        .iter()
        .position(|w| *w == "category" || *w == "subcategory")?;
    let scope = Code::parse_for(CodeSystem::Icd10Cm, words.get(cat + 1)?).ok()?;
    let with = words[cat..].iter().position(|w| *w == "with")? + cat;
    let position = ordinal(words.get(with + 1)?)?;
    if !words.get(with + 2)?.starts_with("character") {
        return None;
    }
    // The values: single characters each followed by "-" ("7 - death …, or 8 - …").
    let mut values = Vec::new();
    for pair in words[with + 3..].windows(2) {
        if pair[1] == "-" && pair[0].len() == 1 && pair[0].as_bytes()[0].is_ascii_alphanumeric() {
            values.push(pair[0].as_bytes()[0].to_ascii_uppercase());
        }
    }
    if chars.is_empty() || values.is_empty() {
        return None;
    }
    Some(Restriction {
        chars,
        scope,
        position,
        values,
    })
}

fn seventh_restrictions(t: &mut Tabular) -> Result<(), ImportError> {
    let mut found = Vec::new();
    for (id, n) in t.nodes.iter().enumerate() {
        for b in n.notes.iter().filter(|b| b.kind == NoteKind::Notes) {
            for note in b.notes.iter().filter(|x| is_restriction(&x.text)) {
                let Some(r) = parse_restriction(&note.text) else {
                    return Err(row(
                        t,
                        note.line,
                        "note",
                        format!("cannot read the 7th-character rule {:?}: expected \"7th characters X and Y do not apply to codes in category C with Nth character V - …\"", note.text),
                    ));
                };
                found.push((id, note.line, r));
            }
        }
    }
    for (id, line, r) in found {
        let (start, end) = (id, t.nodes[id].end as usize);
        let mut applied = 0usize;
        for i in start..end {
            let n = &t.nodes[i];
            let Some(rule) = n.seventh else { continue };
            if !n.code.as_bytes().starts_with(r.scope.as_bytes()) {
                continue;
            }
            let mut padded = [b'X'; 6];
            let cb = n.code.as_bytes();
            padded[..cb.len().min(6)].copy_from_slice(&cb[..cb.len().min(6)]);
            let Some(&at) = padded.get(r.position - 1) else {
                continue;
            };
            if !r.values.contains(&at) {
                continue;
            }
            let def = &t.seven_defs[rule.def];
            let mut mask = rule.allowed;
            for ch in &r.chars {
                let Some(bit) = def.chars.iter().position(|c| c.ch == *ch) else {
                    return Err(row(
                        t,
                        line,
                        "note",
                        format!("the 7th-character rule withdraws {}, which the definition on line {} does not list", *ch as char, def.line),
                    ));
                };
                mask &= !(1u64 << bit);
            }
            t.nodes[i].seventh = Some(SeventhRule {
                allowed: mask,
                ..rule
            });
            applied += 1;
        }
        if applied == 0 {
            return Err(row(
                t,
                line,
                "note",
                "the 7th-character rule applies to no code below the note",
            ));
        }
    }
    Ok(())
}

/// Whether a title says "in … diseases classified elsewhere": the noun
/// (disease(s), condition(s), reactions) before "classified elsewhere" is
/// preceded within five words by "in". This takes "Polyneuropathy in
/// diseases classified elsewhere", "Dementia in other diseases classified
/// elsewhere", "Meningitis in other infectious and parasitic diseases
/// classified elsewhere", and leaves out "… as the cause of diseases
/// classified elsewhere" (B95-B97) and "Fever presenting with conditions
/// classified elsewhere".
pub(super) fn is_manifestation_title(title: &str) -> bool {
    let l = title.to_ascii_lowercase();
    let mut from = 0;
    while let Some(p) = l[from..].find("classified elsewhere") {
        let at = from + p;
        let words: Vec<&str> = l[..at]
            .split(|c: char| !c.is_ascii_alphanumeric() && c != '-')
            .filter(|w| !w.is_empty())
            .collect();
        if let Some((noun, before)) = words.split_last() {
            let nouns = [
                "disease",
                "diseases",
                "condition",
                "conditions",
                "reactions",
            ];
            let window = &before[before.len().saturating_sub(5)..];
            if nouns.contains(noun) && window.contains(&"in") {
                return true;
            }
        }
        from = at + 1;
    }
    false
}

fn manifestations(t: &mut Tabular) {
    for i in 0..t.nodes.len() {
        let inherited = t.nodes[i]
            .parent
            .is_some_and(|p| t.nodes[p as usize].manifestation);
        t.nodes[i].manifestation = inherited || is_manifestation_title(&t.nodes[i].title);
    }
}

/// Conditional phrases of `codeFirst` notes.
const PHRASES: [&str; 4] = ["if applicable", "if known", "if present", "complicating"];

/// Classifies a `codeFirst` block (see the module documentation):
///
/// 1. a block that opens with a clause continuing "Code first" (", if
///    applicable, …", ", for adverse effects, …") is conditional;
/// 2. a block any of whose notes says "if applicable", "if known",
///    "if present", "complicating", "when" or "any", or whose first note
///    (the instruction or its lead-in) says "due to", is conditional;
/// 3. several notes without a lead-in line (none ends with ':') are
///    alternative circumstances, each applying only when it holds:
///    conditional;
/// 4. otherwise (one note, or a lead-in such as "underlying disease, such
///    as:" with its examples) the block is unconditional.
pub(super) fn classify_code_first(notes: &[Note]) -> CodeFirstRule {
    // Lower case, runs of white space as one space ("if  known").
    let lower: Vec<String> = notes
        .iter()
        .map(|n| {
            let t = n.text.to_ascii_lowercase();
            t.split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .collect();
    if lower.first().is_some_and(|t| t.starts_with(',')) {
        return CodeFirstRule::Conditional(Condition::LeadingClause);
    }
    for p in PHRASES {
        if lower.iter().any(|t| t.contains(p)) {
            return CodeFirstRule::Conditional(Condition::Phrase(p));
        }
    }
    for w in ["when", "any"] {
        if lower
            .iter()
            .any(|t| t.split(|c: char| !c.is_ascii_alphabetic()).any(|x| x == w))
        {
            return CodeFirstRule::Conditional(Condition::Phrase(w));
        }
    }
    // The instruction itself names a cause: "breast necrosis due to breast
    // graft (T85.898)", "poisoning due to drug or toxin, such as:".
    if lower.first().is_some_and(|t| t.contains("due to")) {
        return CodeFirstRule::Conditional(Condition::Phrase("due to"));
    }
    if notes.len() >= 2 && !notes.iter().any(|n| n.text.trim_end().ends_with(':')) {
        return CodeFirstRule::Conditional(Condition::Alternatives);
    }
    CodeFirstRule::Unconditional
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::tabular::model::Resolution;

    fn notes(texts: &[&str]) -> Vec<Note> {
        texts
            .iter()
            .map(|t| Note {
                text: (*t).to_owned(),
                line: 1,
                resolution: Resolution::NotApplicable,
            })
            .collect()
    }

    #[test]
    fn restriction_notes_parse() {
        let r = parse_restriction("7th characters D and S do not apply to codes in category S06 with 6th character 7 - death due to brain injury prior to regaining consciousness, or 8 - death due to other cause prior to regaining consciousness.").unwrap();
        assert_eq!(r.chars, b"DS".to_vec());
        assert_eq!(r.scope.as_str(), "S06");
        assert_eq!(r.position, 6);
        assert_eq!(r.values, b"78".to_vec());
        assert!(is_restriction("7th characters D and S do not apply to …"));
        assert!(!is_restriction(
            "The appropriate 7th character is to be added"
        ));
        assert_eq!(
            parse_restriction("7th characters D and S do not apply to everything"),
            None
        );
        assert_eq!(
            parse_restriction(
                "7th character do not apply to codes in category S06 with 6th character 7 - x"
            ),
            None
        );
    }

    #[test]
    fn manifestation_titles() {
        for t in [
            "Polyneuropathy in diseases classified elsewhere",
            "Dementia in other diseases classified elsewhere",
            "Meningitis in other infectious and parasitic diseases classified elsewhere",
            "Lambert-Eaton syndrome in disease classified elsewhere",
            "Pleural effusion in other conditions classified elsewhere",
            "Arthropathy in hypersensitivity reactions classified elsewhere",
        ] {
            assert!(is_manifestation_title(t), "{t}");
        }
        for t in [
            "Streptococcus, Staphylococcus, and Enterococcus as the cause of diseases classified elsewhere",
            "Fever presenting with conditions classified elsewhere",
            "Immunodeficiency due to conditions classified elsewhere",
            "Psychological and behavioral factors associated with disorders or diseases classified elsewhere",
            "Biomechanical lesions, not elsewhere classified",
            "Generalized anxiety disorder",
        ] {
            assert!(!is_manifestation_title(t), "{t}");
        }
    }

    #[test]
    fn code_first_classes() {
        use CodeFirstRule::*;
        use Condition::*;
        assert_eq!(
            classify_code_first(&notes(&["underlying neoplasm (C00-D49)"])),
            Unconditional
        );
        assert_eq!(
            classify_code_first(&notes(&[
                "underlying disease, such as:",
                "amyloidosis (E85.-)"
            ])),
            Unconditional
        );
        assert_eq!(
            classify_code_first(&notes(&[", if applicable, associated influenza (J09.X1)"])),
            Conditional(LeadingClause)
        );
        assert_eq!(
            classify_code_first(&notes(&["associated influenza, if applicable (J09.X1)"])),
            Conditional(Phrase("if applicable"))
        );
        assert_eq!(
            classify_code_first(&notes(&["any associated gangrene (I96)"])),
            Conditional(Phrase("any"))
        );
        assert_eq!(
            classify_code_first(&notes(&[
                "pre-existing cardiomyopathy complicating pregnancy and puerperium (O99.4)"
            ])),
            Conditional(Phrase("complicating"))
        );
        assert_eq!(
            classify_code_first(&notes(&[
                "underlying condition when associated fever is present, such as with:",
                "leukemia (C91-C95)"
            ])),
            Conditional(Phrase("when"))
        );
        assert_eq!(
            classify_code_first(&notes(&[
                "heart failure following surgery (I97.13-)",
                "rheumatic heart failure (I09.81)"
            ])),
            Conditional(Alternatives)
        );
        assert_eq!(
            classify_code_first(&notes(&[
                "rheumatoid arthritis by site, if  known (M05.00 to M05.8A)"
            ])),
            Conditional(Phrase("if known"))
        );
        assert_eq!(
            classify_code_first(&notes(&["breast necrosis due to breast graft (T85.898)"])),
            Conditional(Phrase("due to"))
        );
        assert_eq!(
            classify_code_first(&notes(&[
                "underlying disease, such as:",
                "anemia due to intrinsic factor deficiency (D51.0)"
            ])),
            Unconditional
        );
        // "anyone"/"company" are not the word "any".
        assert_eq!(
            classify_code_first(&notes(&["company (Z00)"])),
            Unconditional
        );
    }
}
