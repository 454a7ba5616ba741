//! The ICD-10-CM structure of the embedded catalog (the tabular section of
//! its index) against the CMS order file (`icd10cm.tsv`) and the CDC tabular
//! XML: every code's parent chain ends at a chapter, every header's children
//! are exactly the codes below it, every code that takes a 7th character
//! accepts exactly its `sevenChrDef` characters.

use crate::common;

use std::collections::{BTreeMap, BTreeSet, HashSet};

use procode::import::tabular::read_tabular_path;
use procode::{Catalog, Code, CodeSystem, LevelKind};

fn catalog() -> Catalog {
    Catalog::embedded().expect("the embedded catalog")
}

/// The FY2026 ICD-10-CM codes of the order file.
fn icd_codes() -> Vec<(Code, bool)> {
    common::all_entries()
        .iter()
        .filter(|e| e.system == CodeSystem::Icd10Cm)
        .map(|e| (e.code, e.billable))
        .collect()
}

#[test]
fn every_code_has_a_parent_chain_ending_at_a_chapter() {
    let cat = catalog();
    assert!(cat.has_structure());
    let codes = icd_codes();
    assert_eq!(codes.len(), 98_186);
    let set: HashSet<Code> = codes.iter().map(|c| c.0).collect();
    for (c, _) in &codes {
        let up = cat
            .ancestors(c.as_str())
            .unwrap()
            .unwrap_or_else(|| panic!("{c} has no ancestors"));
        assert_eq!(up[0].kind, LevelKind::Chapter, "{c}: {up:?}");
        assert!(up.iter().any(|l| l.kind == LevelKind::Section), "{c}");
        // Below the sections: codes, each a prefix of the next and of `c`,
        // each in the order file.
        let chain: Vec<Code> = up
            .iter()
            .filter(|l| l.kind == LevelKind::Code)
            .map(|l| Code::parse(&l.id).unwrap())
            .collect();
        for w in chain.windows(2) {
            assert!(w[1].as_str().starts_with(w[0].as_str()), "{c}: {chain:?}");
        }
        for a in &chain {
            assert!(c.as_str().starts_with(a.as_str()) && a != c, "{c}: {a}");
            assert!(set.contains(a), "{c}: ancestor {a} not in the order file");
        }
        // A category's chain is empty; every other code's ends at its parent:
        // the longest proper prefix of it in the order file.
        let parent = (3..c.as_str().len())
            .rev()
            .filter_map(|n| Code::parse(&c.as_str()[..n]).ok())
            .find(|p| set.contains(p));
        assert_eq!(chain.last().copied(), parent, "{c}");
    }
}

#[test]
fn every_headers_children_are_exactly_the_codes_below_it() {
    let cat = catalog();
    let codes = icd_codes();
    let set: HashSet<Code> = codes.iter().map(|c| c.0).collect();
    // The order file's own parent relation: the longest proper prefix that is
    // a code of the file.
    let mut below: BTreeMap<Code, BTreeSet<Code>> = BTreeMap::new();
    for (c, _) in &codes {
        if let Some(p) = (3..c.as_str().len())
            .rev()
            .filter_map(|n| Code::parse(&c.as_str()[..n]).ok())
            .find(|p| set.contains(p))
        {
            below.entry(p).or_default().insert(*c);
        }
    }
    let mut headers = 0;
    for (c, billable) in &codes {
        let kids: BTreeSet<Code> = cat
            .children(c.as_str())
            .unwrap()
            .unwrap_or_else(|| panic!("{c} is not in the structure"))
            .into_iter()
            .collect();
        let want = below.get(c).cloned().unwrap_or_default();
        assert_eq!(kids, want, "{c}");
        if !billable {
            headers += 1;
            assert!(!kids.is_empty(), "header {c} has nothing below it");
            // And what a header stands for is billable.
            let bb = cat.billable_below(c.as_str(), None).unwrap();
            assert!(!bb.is_empty(), "{c}");
        } else {
            assert!(kids.is_empty(), "billable {c} has children {kids:?}");
        }
    }
    assert!(headers > 23_000, "{headers} headers");
}

#[test]
fn every_seventh_character_code_accepts_exactly_its_seven_chr_def() {
    let cat = catalog();
    let t = read_tabular_path(&common::data_dir().join("cms/icd10cm_tabular_2026.xml")).unwrap();
    let set: HashSet<Code> = icd_codes().iter().map(|c| c.0).collect();
    let mut leaves = 0;
    for (i, n) in t.nodes().iter().enumerate() {
        let Some(rule) = n.seventh else { continue };
        leaves += 1;
        // The definition in force: the nearest sevenChrDef on the node or an
        // ancestor, read from the XML model; the catalog must agree.
        let def = &t.seven_defs()[rule.def];
        let mut at = Some(i as u32);
        let mut nearest = None;
        while let Some(id) = at {
            let node = &t.nodes()[id as usize];
            if let Some(d) = node.seven_def {
                nearest = Some(d);
                break;
            }
            at = node.parent;
        }
        assert_eq!(nearest, Some(rule.def), "{}", n.code);
        let got: String = cat
            .seventh_characters(n.code.as_str())
            .unwrap()
            .unwrap()
            .iter()
            .map(|s| s.character)
            .collect();
        let allowed: String = def
            .allowed_chars(rule.allowed)
            .map(|c| char::from(c.ch))
            .collect();
        assert_eq!(got, allowed, "{}", n.code);
        // Every allowed character makes a code of the order file; no other
        // character does.
        for ch in b'0'..=b'Z' {
            if !ch.is_ascii_alphanumeric() {
                continue;
            }
            let Some(full) = procode::import::tabular::extension_code(&n.code, ch) else {
                continue;
            };
            let takes = allowed.contains(char::from(ch));
            assert_eq!(set.contains(&full), takes, "{full}");
        }
    }
    assert!(leaves > 10_000, "{leaves} leaves take a 7th character");
}

#[test]
fn fy2027_codes_take_the_structure_of_their_longest_prefix() {
    let cat = catalog();
    // K74.0A (FY2027) is not in the FY2026 list: it sits below K74.0.
    let up = cat.ancestors("K74.0A").unwrap().unwrap();
    let ids: Vec<&str> = up.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(ids, ["11", "K70-K77", "K74", "K74.0"]);
    let t = cat.tree("K74.0A").unwrap().unwrap();
    assert!(!t.in_tabular);
    // A new three-character category has no structure in the FY2026 list.
    assert!(cat.ancestors("QA1").unwrap().is_none());
}
