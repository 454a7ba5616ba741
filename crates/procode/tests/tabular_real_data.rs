//! The ICD-10-CM Tabular List importer on the real CDC file
//! (`cms/icd10cm_tabular_2026.xml`), checked against SOURCES.md and the CMS
//! order file (`icd10cm.tsv`).

use crate::common;

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use procode::import::tabular::{
    encode, read_tabular_path, CodeFirstRule, CodeRef, Condition, NoteKind, Owner, Place,
    Resolution, Tabular, TabularView, Unresolvable,
};
use procode::{Code, CodeSystem};

fn tabular() -> &'static Tabular {
    static T: OnceLock<Tabular> = OnceLock::new();
    T.get_or_init(|| {
        read_tabular_path(&common::data_dir().join("cms/icd10cm_tabular_2026.xml"))
            .expect("the tabular XML imports")
    })
}

/// The order file's codes in file order, with their billable flag.
fn order() -> &'static [(Code, bool)] {
    static O: OnceLock<Vec<(Code, bool)>> = OnceLock::new();
    O.get_or_init(|| {
        common::all_entries()
            .iter()
            .filter(|e| e.system == CodeSystem::Icd10Cm)
            .map(|e| (e.code, e.billable))
            .collect()
    })
}

fn code(s: &str) -> Code {
    Code::parse(s).unwrap()
}

#[test]
fn counts_match_sources_md() {
    let t = tabular();
    assert_eq!(t.version(), "2026");
    assert_eq!(t.chapters().len(), 22);
    assert_eq!(
        t.chapters().iter().map(|c| c.number).collect::<Vec<_>>(),
        (1..=22).collect::<Vec<u8>>()
    );
    let c2 = &t.chapters()[1];
    assert_eq!(
        (c2.title.as_str(), c2.first, c2.last),
        ("Neoplasms", code("C00"), code("D49"))
    );
    // 289 sections listed in the chapters' section indexes, plus 8 grouping
    // sections that only the chapters' bodies hold (C00-C96, C00-C75, M00-M25, …).
    assert_eq!(t.sections().len(), 297);
    assert_eq!(t.nodes().len(), 46_881);
    let r = t.report();
    // SOURCES.md counts the elements: 6,809 <inclusionTerm>, 2,644 <excludes1>.
    assert_eq!(r.kind(NoteKind::InclusionTerm).blocks, 6_809);
    assert_eq!(r.kind(NoteKind::InclusionTerm).notes, 12_574);
    assert_eq!(r.kind(NoteKind::Excludes1).blocks, 2_644);
    assert_eq!(r.kind(NoteKind::Excludes1).notes, 5_407);
    assert_eq!(r.kind(NoteKind::Includes).blocks, 415);
    assert_eq!(r.kind(NoteKind::Excludes2).blocks, 1_165);
    assert_eq!(r.kind(NoteKind::CodeFirst).blocks, 363);
    assert_eq!(r.kind(NoteKind::CodeAlso).blocks, 320);
    assert_eq!(r.kind(NoteKind::UseAdditionalCode).blocks, 844);
    assert_eq!(r.kind(NoteKind::Notes).blocks, 86);
    assert_eq!(r.seven_defs, 508);
    assert_eq!(t.seven_defs().len(), 508);
    assert!(t.seven_defs().iter().all(|d| d.note.len() == 1));
    // 51,305 seven-character codes come from the 7th-character rules.
    assert_eq!(r.seventh_codes, 51_305);
    // The accented eponyms are kept verbatim.
    assert!(t.nodes().iter().any(|n| n.title == "Sézary disease"));
    assert!(t.all_blocks().any(|(_, b)| b
        .notes
        .iter()
        .any(|n| n.text == "Waldenström macroglobulinemia (C88.00)")));
}

#[test]
fn code_list_equals_the_order_file_in_order() {
    let t = tabular();
    let ours: Vec<Code> = t.codes().collect();
    let theirs: Vec<Code> = order().iter().map(|o| o.0).collect();
    assert_eq!(theirs.len(), 98_186);
    assert_eq!(ours.len(), theirs.len());
    if let Some(i) = (0..ours.len()).find(|&i| ours[i] != theirs[i]) {
        panic!("first difference at {i}: {} vs {}", ours[i], theirs[i]);
    }
    for (c, _) in order() {
        assert!(t.lookup(c).is_some(), "{c}");
    }
    // Made-up codes are not found.
    for bad in [
        "S060X7D", "S060X7S", "F41Z", "A00XXXA", "S0000XZ", "S0000A", "U08",
    ] {
        assert_eq!(t.lookup(&code(bad)), None, "{bad}");
    }
}

#[test]
fn every_parent_chain_ends_at_a_chapter() {
    let t = tabular();
    for (c, _) in order() {
        let up = t.ancestors(c).unwrap();
        let Some(Owner::Chapter(ch)) = up.first() else {
            panic!("{c}: {up:?}")
        };
        // chapter, sections (grouping first), then nodes from the category down.
        let nodes: Vec<Code> = up
            .iter()
            .filter_map(|o| match o {
                Owner::Node(i) => Some(t.nodes()[*i as usize].code),
                _ => None,
            })
            .collect();
        for w in nodes.windows(2) {
            assert!(w[1].as_str().starts_with(w[0].as_str()), "{c}: {nodes:?}");
        }
        if let Some(cat) = nodes.first() {
            assert_eq!(cat.as_str().len(), 3, "{c}");
        }
        let secs: Vec<usize> = up
            .iter()
            .filter_map(|o| match o {
                Owner::Section(i) => Some(*i),
                _ => None,
            })
            .collect();
        assert!(!secs.is_empty(), "{c}");
        for s in &secs {
            assert_eq!(t.sections()[*s].chapter, *ch, "{c}");
        }
        let last = match t.lookup(c).unwrap() {
            CodeRef::Node(i) => t.nodes()[i as usize].section,
            CodeRef::Extension { node, .. } => t.nodes()[node as usize].section,
        };
        assert_eq!(*secs.last().unwrap(), last, "{c}");
    }
    // Grouping sections.
    let sec = |id: &str| t.sections().iter().position(|s| s.id == id).unwrap();
    let up = t.ancestors(&code("C44.01")).unwrap();
    assert_eq!(
        &up[..4],
        &[
            Owner::Chapter(1),
            Owner::Section(sec("C00-C96")),
            Owner::Section(sec("C00-C75")),
            Owner::Section(sec("C43-C44"))
        ]
    );
    assert_eq!(t.sections()[sec("C7A")].parent, Some(sec("C00-C96")));
    assert_eq!(t.sections()[sec("V00-V09")].parent, Some(sec("V00-V99")));
    assert_eq!(t.sections()[sec("V00-V99")].parent, Some(sec("V00-X58")));
    assert_eq!(t.sections()[sec("A00-A09")].parent, None);
    let up = t.ancestors(&code("S00.00XA")).unwrap();
    assert_eq!(
        up.last(),
        Some(&Owner::Node(t.node_of(&code("S00.00")).unwrap()))
    );
}

#[test]
fn children_are_the_codes_directly_below_in_the_order_file() {
    let t = tabular();
    let set: HashSet<Code> = order().iter().map(|o| o.0).collect();
    // The order file's parent of a code: its longest proper prefix that is a code.
    let mut below: HashMap<Code, Vec<Code>> = HashMap::new();
    for (c, _) in order() {
        let s = c.as_str();
        let parent = (3..s.len())
            .rev()
            .map(|n| code(&s[..n]))
            .find(|p| set.contains(p));
        if let Some(p) = parent {
            below.entry(p).or_default().push(*c);
        } else {
            assert_eq!(s.len(), 3, "{c} has no parent in the order file");
        }
    }
    let mut headers = 0;
    for (c, billable) in order() {
        let kids = t.children(c).unwrap();
        assert_eq!(
            kids,
            below.get(c).cloned().unwrap_or_default(),
            "children of {c}"
        );
        // A header has children; a billable code has none.
        assert_eq!(kids.is_empty(), *billable, "{c}");
        headers += usize::from(!billable);
    }
    assert_eq!(headers, 23_467);
}

#[test]
fn seventh_characters_follow_the_inherited_definitions() {
    let t = tabular();
    let set: HashSet<Code> = order().iter().map(|o| o.0).collect();
    let nodes: HashSet<Code> = t.nodes().iter().map(|n| n.code).collect();
    // Every 7-character code of the order file that is not a node is a leaf,
    // padded with X, plus a 7th character its inherited sevenChrDef lists.
    let mut checked = 0;
    for (c, _) in order() {
        if c.as_str().len() != 7 || nodes.contains(c) {
            continue;
        }
        let Some(CodeRef::Extension { node, ch }) = t.lookup(c) else {
            panic!("{c}")
        };
        let n = &t.nodes()[node as usize];
        let rule = n.seventh.unwrap();
        // The definition is the nearest one on the leaf or an ancestor.
        let mut at = Some(node);
        let mut nearest = None;
        while let Some(i) = at {
            if let Some(d) = t.nodes()[i as usize].seven_def {
                nearest = Some(d);
                break;
            }
            at = t.nodes()[i as usize].parent;
        }
        assert_eq!(Some(rule.def), nearest, "{c}");
        assert!(
            t.seven_defs()[rule.def].chars.iter().any(|x| x.ch == ch),
            "{c}"
        );
        checked += 1;
    }
    assert_eq!(checked, 51_305);
    // And the other way: every character a leaf takes gives a code of the file.
    for (i, n) in t.nodes().iter().enumerate() {
        for c in t.seventh_chars(i as u32) {
            let full = procode::import::tabular::extension_code(&n.code, c.ch).unwrap();
            assert!(set.contains(&full), "{full}");
        }
    }
    // S06 with 6th character 7 or 8 (death before regaining consciousness)
    // takes A only: the category's note withdraws D and S.
    let s06 = |s: &str| {
        t.seventh_chars(t.node_of(&code(s)).unwrap())
            .map(|c| c.ch as char)
            .collect::<String>()
    };
    assert_eq!(s06("S06.1X7"), "A");
    assert_eq!(s06("S06.348"), "A");
    assert_eq!(s06("S06.0X1"), "ADS");
    // Placeholder X: S00.00 (5 characters) → S00.00XA; T36.0X1 (6) → T36.0X1A.
    assert_eq!(
        t.children(&code("S00.00")).unwrap(),
        vec![code("S00.00XA"), code("S00.00XD"), code("S00.00XS")]
    );
    assert!(matches!(
        t.lookup(&code("T36.0X1A")),
        Some(CodeRef::Extension { ch: b'A', .. })
    ));
    // Meanings and the notes inside a definition.
    let def = &t.seven_defs()[t.nodes()[t.node_of(&code("S72")).unwrap() as usize]
        .seven_def
        .unwrap()];
    assert_eq!(def.chars.len(), 16);
    assert_eq!(
        def.chars[1].meaning,
        "initial encounter for open fracture type I or II"
    );
    assert_eq!(
        def.chars[1].notes,
        vec!["\tinitial encounter for open fracture NOS".to_owned()]
    );
}

/// The excludes1 note of `owner` containing `fragment`: resolved, covering
/// every code of `inside` and none of `outside` (all codes of the order file).
fn excludes1(owner: &str, fragment: &str, inside: &[&str], outside: &[&str]) {
    let t = tabular();
    let set: HashSet<Code> = order().iter().map(|o| o.0).collect();
    let id = t.node_of(&code(owner)).unwrap_or_else(|| panic!("{owner}"));
    let note = t.nodes()[id as usize]
        .notes
        .iter()
        .filter(|b| b.kind == NoteKind::Excludes1)
        .flat_map(|b| &b.notes)
        .find(|n| n.text.contains(fragment))
        .unwrap_or_else(|| panic!("{owner}: no excludes1 note with {fragment:?}"));
    let Resolution::Resolved(ranges) = &note.resolution else {
        panic!("{owner} {:?}: {:?}", note.text, note.resolution)
    };
    for c in inside {
        let c = code(c);
        assert!(set.contains(&c), "{c} is not a code");
        assert!(
            ranges.iter().any(|r| r.contains(&c)),
            "{owner} {:?} misses {c}: {ranges:?}",
            note.text
        );
    }
    for c in outside {
        let c = code(c);
        assert!(set.contains(&c), "{c} is not a code");
        assert!(
            !ranges.iter().any(|r| r.contains(&c)),
            "{owner} {:?} holds {c}: {ranges:?}",
            note.text
        );
    }
}

#[test]
fn excludes1_targets_resolve_across_chapters() {
    // One or more per chapter 1-21: codes, categories with descendants (.-, -),
    // ranges, lists, qualifiers.
    excludes1("A04.6", "(A28.2)", &["A28.2"], &["A28.1", "A28.8"]);
    excludes1("A05.1", "(A48.51)", &["A48.51"], &["A48.52"]);
    excludes1(
        "C00",
        "(C44.0-)",
        &["C44.00", "C44.01", "C44.02", "C44.09"],
        &["C44.101", "C43.0"],
    );
    excludes1("C17.2", "(C18.0)", &["C18.0"], &["C18.1"]);
    excludes1("D52", "(E53.8)", &["E53.8"], &["E53.9"]);
    excludes1(
        "E04",
        "(E00-E02)",
        &["E00.0", "E01.8", "E02"],
        &["E03.9", "D89.9"],
    );
    excludes1(
        "E74",
        "(E08-E13)",
        &["E08.00", "E10.9", "E11.9", "E13.9", "E11.3513"],
        &["E07.9", "E15"],
    );
    excludes1("F05", "(R41.0)", &["R41.0"], &["R41.1"]);
    excludes1("F02.A", "(F06.7-)", &["F06.70", "F06.71"], &["F06.8"]);
    excludes1("G01", "(A17.0)", &["A17.0"], &["A17.1"]);
    excludes1(
        "G63",
        "(E08-E13 with .42)",
        &["E08.42", "E11.42", "E13.42"],
        &["E11.41", "E11.43"],
    );
    excludes1(
        "H02.81",
        "(S01.12-)",
        &["S01.121A", "S01.129D"],
        &["S01.131A"],
    );
    excludes1("H62.4", "(B00.1)", &["B00.1"], &["B00.2"]);
    excludes1("I02", "(G10)", &["G10"], &["G11.0"]);
    excludes1("J00", "(J02.9)", &["J02.9"], &["J02.0"]);
    excludes1("K00.4", "(A50.5)", &["A50.5"], &["A50.4"]);
    excludes1("L03.91", "(I89.1)", &["I89.1"], &["I89.0"]);
    excludes1("M01", "(D86.86)", &["D86.86"], &["D86.85"]);
    excludes1("N00.5", "(N00.A)", &["N00.A"], &["N00.9"]);
    excludes1("O01", "(D39.2)", &["D39.2"], &["D39.10"]);
    excludes1("P03.81", "(P29.1-)", &["P29.11", "P29.12"], &["P29.2"]);
    excludes1("Q03", "(Q07.0-)", &["Q07.00", "Q07.03"], &["Q07.8"]);
    excludes1(
        "R40.0",
        "(R40.2-)",
        &["R40.20", "R40.2110", "R40.244"],
        &["R40.1", "R40.3"],
    );
    excludes1("R03.1", "(G90.3)", &["G90.3"], &["G90.4"]);
    excludes1(
        "S00",
        "(S05.-)",
        &["S05.00XA", "S05.92XS"],
        &["S04.011A", "S06.0X0A"],
    );
    excludes1(
        "S01",
        "(S02.- with 7th character B)",
        &["S02.0XXB", "S02.101B"],
        &["S02.0XXA", "S02.101A"],
    );
    excludes1(
        "V00.14",
        "(V20-V29)",
        &["V20.01XA", "V29.99XS"],
        &["V30.0XXA", "V19.9XXA"],
    );
    excludes1("Z00.12", "(Z00.11-)", &["Z00.110", "Z00.111"], &["Z00.121"]);
    excludes1(
        "Z33.1",
        "(O00-O9A)",
        &["O00.00", "O9A.11", "O36.5930"],
        &["Z33.2", "P00.0"],
    );
    excludes1(
        "R47.01",
        "(I69. with final characters -20)",
        &["I69.020", "I69.920"],
        &["I69.20", "I69.021"],
    );
    excludes1("B34.2", "(U07.1)", &["U07.1"], &["U09.9"]);
}

#[test]
fn ranges_follow_tabular_order() {
    let t = tabular();
    // D37-D44 does not hold D3A, which the tabular list places before D37
    // though it sorts between D39 and D40.
    let d49 = t.node_of(&code("D49")).unwrap();
    let note = t.nodes()[d49 as usize]
        .notes
        .iter()
        .flat_map(|b| &b.notes)
        .find(|n| n.text.contains("(D37-D44, D48)"))
        .unwrap();
    let ranges = note.resolution.ranges().unwrap();
    assert!(ranges.iter().any(|r| r.contains(&code("D37.01"))));
    assert!(ranges.iter().any(|r| r.contains(&code("D44.9"))));
    assert!(ranges.iter().any(|r| r.contains(&code("D48.7"))));
    assert!(!ranges.iter().any(|r| r.contains(&code("D3A.00"))));
    assert!(!ranges.iter().any(|r| r.contains(&code("D45"))));
}

#[test]
fn resolution_counts_and_unresolved_notes() {
    let r = tabular().report();
    let e1 = r.kind(NoteKind::Excludes1);
    assert_eq!((e1.notes, e1.headings, e1.resolved), (5_407, 54, 5_276));
    assert_eq!(e1.unresolved.get("no code"), Some(&74));
    assert_eq!(e1.unresolved.get("qualifier"), Some(&2));
    assert_eq!(e1.unresolved.get("unknown code"), Some(&1));
    assert_eq!(e1.notes, e1.headings + e1.resolved + e1.unresolved_total());
    let cf = r.kind(NoteKind::CodeFirst);
    assert_eq!((cf.notes, cf.headings, cf.resolved), (809, 134, 597));
    assert_eq!(cf.unresolved.get("no code"), Some(&76));
    assert_eq!(cf.unresolved.get("qualifier"), Some(&1));
    assert_eq!(cf.unresolved.get("unknown code"), Some(&1));
    assert_eq!(cf.notes, cf.headings + cf.resolved + cf.unresolved_total());
    // The other kinds with targets.
    let counts = |k: NoteKind| {
        let c = r.kind(k);
        (c.notes, c.headings, c.resolved, c.unresolved_total())
    };
    assert_eq!(counts(NoteKind::Excludes2), (2_520, 16, 2_484, 20));
    assert_eq!(counts(NoteKind::CodeAlso), (655, 102, 473, 80));
    assert_eq!(
        counts(NoteKind::UseAdditionalCode),
        (1_485, 172, 1_168, 145)
    );
    // Kinds without targets are not resolved.
    for k in [NoteKind::InclusionTerm, NoteKind::Includes, NoteKind::Notes] {
        assert_eq!(counts(k).1 + counts(k).2 + counts(k).3, 0, "{k:?}");
    }
    // Every unresolved note is listed, with where it is and why.
    let listed = |k: NoteKind| r.unresolved.iter().filter(|u| u.kind == k).count();
    assert_eq!(listed(NoteKind::Excludes1), e1.unresolved_total());
    assert_eq!(listed(NoteKind::CodeFirst), cf.unresolved_total());
    let find = |at: &str, frag: &str| {
        r.unresolved
            .iter()
            .find(|u| u.at == at && u.text.contains(frag))
            .unwrap_or_else(|| panic!("{at} {frag}"))
            .reason
            .clone()
    };
    assert_eq!(
        find("E87.2", "with ketoacidosis"),
        Unresolvable::Qualifier("with ketoacidosis".into())
    );
    assert_eq!(
        find("S51", "open fracture 7th character"),
        Unresolvable::Qualifier("with open fracture 7th character".into())
    );
    // R10.4 does not exist (R10.1-R10.4- in R10.85's note).
    assert_eq!(
        find("R10.85", "R10.1-R10.4-"),
        Unresolvable::UnknownCode("R10.4".into())
    );
    // A misprint in F02's code-first list: G31.90 for G31.09.
    assert_eq!(
        find("F02", "G31.90"),
        Unresolvable::UnknownCode("G31.90".into())
    );
    assert_eq!(
        find("chapter 1", "see body system-related chapters"),
        Unresolvable::NoCode
    );
    // Lead-in lines are headings, not unresolved.
    let g06 = tabular().node_of(&code("G07")).unwrap();
    let heads: Vec<&str> = tabular().nodes()[g06 as usize]
        .notes
        .iter()
        .flat_map(|b| &b.notes)
        .filter(|n| n.resolution == Resolution::Heading)
        .map(|n| n.text.as_str())
        .collect();
    assert!(!heads.is_empty());
    assert!(heads.iter().all(|h| h.ends_with(':')));
}

#[test]
fn code_first_classification() {
    let t = tabular();
    let r = t.report();
    assert_eq!(r.code_first_unconditional, 237);
    assert_eq!(r.code_first_conditional_total(), 126);
    assert_eq!(
        r.code_first_unconditional + r.code_first_conditional_total(),
        363
    );
    assert_eq!(r.code_first_conditional.get("leading clause"), Some(&51));
    let cond = |p: &str| r.code_first_conditional.get(p).copied();
    assert_eq!(cond("phrase \"if known\""), Some(11));
    assert_eq!(cond("phrase \"complicating\""), Some(6));
    assert_eq!(cond("phrase \"due to\""), Some(2));
    assert_eq!(cond("phrase \"when\""), Some(1));
    assert_eq!(cond("alternatives"), None);
    assert_eq!(r.code_first_conditional.get("phrase \"any\""), Some(&29));
    assert_eq!(
        r.code_first_conditional.get("phrase \"if applicable\""),
        Some(&26)
    );
    let rule = |c: &str| {
        let id = t.node_of(&code(c)).unwrap();
        t.nodes()[id as usize]
            .notes
            .iter()
            .find(|b| b.kind == NoteKind::CodeFirst)
            .and_then(|b| b.code_first)
            .unwrap()
    };
    assert_eq!(rule("G13.0"), CodeFirstRule::Unconditional); // underlying neoplasm (C00-D49)
    assert_eq!(rule("G63"), CodeFirstRule::Unconditional); // underlying disease, such as: …
    assert_eq!(rule("F02"), CodeFirstRule::Unconditional);
    assert_eq!(rule("Z3A"), CodeFirstRule::Unconditional);
    assert_eq!(
        rule("A41"),
        CodeFirstRule::Conditional(Condition::LeadingClause)
    );
    for (c, phrase) in [
        ("J12", "if applicable"),
        ("L89", "any"),
        ("I42", "complicating"),
        ("I50", "complicating"),
        ("N64.1", "due to"),
        ("M05.A", "if known"),
    ] {
        assert_eq!(
            rule(c),
            CodeFirstRule::Conditional(Condition::Phrase(phrase)),
            "{c}"
        );
    }
    // The targets of an unconditional note resolve.
    let g13 = t.node_of(&code("G13.0")).unwrap();
    let note = &t.nodes()[g13 as usize]
        .notes
        .iter()
        .find(|b| b.kind == NoteKind::CodeFirst)
        .unwrap()
        .notes[0];
    let ranges = note.resolution.ranges().unwrap();
    assert!(ranges.iter().any(|r| r.contains(&code("C34.90"))));
    assert!(ranges.iter().any(|r| r.contains(&code("D49.9"))));
    assert!(!ranges.iter().any(|r| r.contains(&code("E11.9"))));
}

#[test]
fn manifestation_codes() {
    let t = tabular();
    let m = |c: &str| t.nodes()[t.node_of(&code(c)).unwrap() as usize].manifestation;
    assert!(m("G63"), "Polyneuropathy in diseases classified elsewhere");
    assert!(m("F02"));
    assert!(m("F02.80"), "inherited from F02");
    assert!(
        m("G02"),
        "Meningitis in other infectious and parasitic diseases classified elsewhere"
    );
    assert!(m("M01.X0"));
    assert!(m("H32"));
    assert!(m("I32"));
    assert!(!m("B95.0"), "as the cause of diseases classified elsewhere");
    assert!(!m("B97.29"));
    assert!(!m("G62.9"));
    assert!(!m("E11.42"));
    assert!(
        !m("R50.81"),
        "Fever presenting with conditions classified elsewhere"
    );
    assert_eq!(t.report().manifestations, 437);
}

#[test]
fn serialisation_round_trips() {
    let t = tabular();
    let enc = encode(t);
    assert_eq!(enc, encode(t), "the encoding is deterministic");
    let v = TabularView::new(&enc.bytes).unwrap();
    assert_eq!(v.chapter_count() as usize, t.chapters().len());
    assert_eq!(v.section_count() as usize, t.sections().len());
    assert_eq!(v.node_count() as usize, t.nodes().len());
    let place = |o: Owner| match o {
        Owner::Chapter(i) => Place::Chapter(i as u32),
        Owner::Section(i) => Place::Section(i as u32),
        Owner::Node(i) => Place::Node(i),
    };
    let same_blocks = |p: Place, blocks: &[procode::import::tabular::NoteBlock]| {
        let got = v.notes(p).unwrap();
        assert_eq!(got.len(), blocks.len(), "{p:?}");
        for (g, b) in got.iter().zip(blocks) {
            assert_eq!(g.kind, b.kind);
            assert_eq!(g.code_first, b.code_first);
            assert_eq!(g.notes.len(), b.notes.len());
            for ((text, res), n) in g.notes.iter().zip(&b.notes) {
                assert_eq!(*text, n.text);
                assert_eq!(*res, n.resolution);
            }
        }
    };
    for (i, c) in t.chapters().iter().enumerate() {
        let g = v.chapter(i as u32).unwrap();
        assert_eq!(
            (g.number, g.first, g.last, g.title),
            (u32::from(c.number), c.first, c.last, c.title.as_str())
        );
        assert_eq!(g.members, (c.sections.start as u32, c.sections.end as u32));
        same_blocks(place(Owner::Chapter(i)), &c.notes);
    }
    for (i, s) in t.sections().iter().enumerate() {
        let g = v.section(i as u32).unwrap();
        assert_eq!(
            (g.id, g.title, g.first, g.last),
            (s.id.as_str(), s.title.as_str(), s.first, s.last)
        );
        assert_eq!(g.parent, s.parent.map(|p| p as u32));
        assert_eq!(g.number as usize, s.chapter);
        same_blocks(place(Owner::Section(i)), &s.notes);
    }
    for (i, n) in t.nodes().iter().enumerate() {
        let d = v.node(i as u32).unwrap();
        assert_eq!(d.code, n.code);
        assert_eq!(d.manifestation, n.manifestation);
        assert_eq!(d.placeholder, n.placeholder);
        assert_eq!(d.end, n.end);
        assert_eq!(d.seventh, n.seventh.map(|r| (r.def as u32, r.allowed)));
        let parent = match n.parent {
            Some(p) => Place::Node(p),
            None => Place::Section(n.section as u32),
        };
        assert_eq!(d.parent, parent);
        same_blocks(Place::Node(i as u32), &n.notes);
        // The filtered read steps over the other kinds and gives the same blocks.
        let want = |k: NoteKind| matches!(k, NoteKind::Excludes1 | NoteKind::CodeFirst);
        let all: Vec<_> = v
            .notes(Place::Node(i as u32))
            .unwrap()
            .into_iter()
            .filter(|b| want(b.kind))
            .collect();
        assert_eq!(v.notes_of_kinds(Place::Node(i as u32), want).unwrap(), all);
    }
    for (i, d) in t.seven_defs().iter().enumerate() {
        let g = v.seven_def(i as u32).unwrap();
        assert_eq!(g.node, d.node);
        assert_eq!(
            g.note,
            d.note.iter().map(String::as_str).collect::<Vec<_>>()
        );
        assert_eq!(g.chars.len(), d.chars.len());
        for (a, b) in g.chars.iter().zip(&d.chars) {
            assert_eq!((a.ch, a.meaning), (b.ch, b.meaning.as_str()));
            assert_eq!(
                a.notes,
                b.notes.iter().map(String::as_str).collect::<Vec<_>>()
            );
        }
    }
    // Queries by code agree with the model for every code of the list.
    for c in t.codes() {
        let p = v.lookup(&c).unwrap().unwrap_or_else(|| panic!("{c}"));
        let m = t.lookup(&c).unwrap();
        match (p, m) {
            (Place::Node(a), CodeRef::Node(b)) => assert_eq!(a, b),
            (Place::Extension { node: a, ch: x }, CodeRef::Extension { node: b, ch: y }) => {
                assert_eq!((a, x), (b, y))
            }
            other => panic!("{c}: {other:?}"),
        }
        assert_eq!(
            v.children(&c).unwrap().unwrap(),
            t.children(&c).unwrap(),
            "{c}"
        );
        let up: Vec<Place> = t.ancestors(&c).unwrap().into_iter().map(place).collect();
        assert_eq!(v.ancestors(&c).unwrap().unwrap(), up, "{c}");
        assert_eq!(v.code(p).unwrap(), Some(c));
    }
    for bad in ["S060X7D", "F41Z", "A00XXXA", "U08", "ZZ9"] {
        assert_eq!(v.lookup(&code(bad)).unwrap(), None, "{bad}");
    }
    assert_eq!(v.is_manifestation(&code("G63")).unwrap(), Some(true));
    assert_eq!(v.is_manifestation(&code("F02.80")).unwrap(), Some(true));
    assert_eq!(v.is_manifestation(&code("B95.0")).unwrap(), Some(false));
    eprintln!("serialised tabular data: {} bytes", enc.bytes.len());
}
