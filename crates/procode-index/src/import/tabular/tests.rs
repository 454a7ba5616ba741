//! The importer on small documents: a valid one end to end, and a set of
//! malformed inputs, each a typed error with its line, never a panic.

use super::*;
use crate::code::Code;

const SMALL: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<ICD10CM.tabular>
  <version>2026</version>
  <introduction>
    <introSection type="title"><title>ICD-10-CM TABULAR LIST</title></introSection>
    <introSection type="instruction">
      <title>Includes:</title>
      <instruction><note>The word 'Includes' appears &lt;here&gt;.</note></instruction>
    </introSection>
  </introduction>
  <chapter>
    <name>6</name>
    <desc>Diseases of the nervous system (G00-G99)</desc>
    <excludes2><note>certain conditions originating in the perinatal period (P04-P96)</note></excludes2>
    <sectionIndex>
      <sectionRef first="G60" last="G65" id="G60-G65">Polyneuropathies</sectionRef>
    </sectionIndex>
    <section id="G60-G65">
      <desc>Polyneuropathies and other disorders of the peripheral nervous system (G60-G65)</desc>
      <diag>
        <name>G63</name>
        <desc>Polyneuropathy in diseases classified elsewhere</desc>
        <codeFirst>
          <note>underlying disease, such as:</note>
          <note>amyloidosis (E85.-)</note>
        </codeFirst>
        <excludes1>
          <note>polyneuropathy (in):</note>
          <note>diabetes mellitus (E08-E11 with .42)</note>
          <note>Sézary (G65.0)</note>
        </excludes1>
      </diag>
      <diag>
        <name>G65</name>
        <desc>Sequelae of inflammatory and toxic polyneuropathies</desc>
        <diag>
          <name>G65.0</name>
          <desc>Sequelae of Guillain-Barré syndrome</desc>
        </diag>
      </diag>
    </section>
  </chapter>
  <chapter>
    <name>19</name>
    <desc>Injury (S00-T88)</desc>
    <section id="S00-S09">
      <desc>Injuries to the head (S00-S09)</desc>
      <diag>
        <name>S06</name>
        <desc>Intracranial injury</desc>
        <notes>
          <note>7th characters D and S do not apply to codes in category S06 with 6th character 7 - death, or 8 - death due to other cause.</note>
        </notes>
        <sevenChrNote><note>The appropriate 7th character is to be added to each code from category S06.</note></sevenChrNote>
        <sevenChrDef>
          <extension char="A">initial encounter</extension>
          <extension char="D">subsequent encounter</extension>
          <note>	subsequent NOS</note>
          <extension char="S">sequela</extension>
        </sevenChrDef>
        <diag><name>S06.1</name><desc>Traumatic cerebral edema</desc><diag placeholder="true">
          <name>S06.1X</name>
          <desc>Traumatic cerebral edema</desc>
          <diag><name>S06.1X1</name><desc>with loss of consciousness of 30 minutes or less</desc></diag>
          <diag><name>S06.1X7</name><desc>with death due to brain injury</desc></diag>
        </diag></diag>
        <diag><name>S06.9</name><desc>Unspecified intracranial injury</desc></diag>
      </diag>
    </section>
  </chapter>
  <chapter>
    <name>3</name>
    <desc>Diseases of the blood (D50-D89)</desc>
    <section id="E00-E89"><desc>Endocrine (E00-E89)</desc>
      <diag><name>E08</name><desc>Diabetes due to underlying condition</desc>
        <diag><name>E08.4</name><desc>with neurological complications</desc>
          <diag><name>E08.42</name><desc>with polyneuropathy</desc></diag>
        </diag>
      </diag>
      <diag><name>E11</name><desc>Type 2 diabetes mellitus</desc>
        <diag><name>E11.4</name><desc>with neurological complications</desc>
          <diag><name>E11.42</name><desc>with polyneuropathy</desc></diag>
          <diag><name>E11.49</name><desc>with other neurological complication</desc></diag>
        </diag>
      </diag>
      <diag><name>E85</name><desc>Amyloidosis</desc></diag>
    </section>
  </chapter>
</ICD10CM.tabular>
"#;

fn c(s: &str) -> Code {
    Code::parse(s).unwrap()
}

fn parse(xml: &str) -> Result<Tabular, ImportError> {
    read_tabular("t.xml", xml.as_bytes())
}

#[test]
fn a_small_document_end_to_end() {
    let t = parse(SMALL).unwrap();
    assert_eq!(t.chapters().len(), 3);
    assert_eq!(t.chapters()[0].title, "Diseases of the nervous system");
    assert_eq!(
        t.sections()[0].title,
        "Polyneuropathies and other disorders of the peripheral nervous system"
    );
    let g63 = t.node_of(&c("G63")).unwrap();
    let n = &t.nodes()[g63 as usize];
    assert!(n.manifestation);
    assert_eq!(n.line, 20);
    let ex = n
        .notes
        .iter()
        .find(|b| b.kind == NoteKind::Excludes1)
        .unwrap();
    assert_eq!(ex.notes[0].resolution, Resolution::Heading);
    let r = ex.notes[1].resolution.ranges().unwrap();
    // E08-E11 with .42: E08.42 and E11.42, not E11.49.
    assert!(r.iter().any(|x| x.contains(&c("E08.42"))));
    assert!(r.iter().any(|x| x.contains(&c("E11.42"))));
    assert!(!r.iter().any(|x| x.contains(&c("E11.49"))));
    assert_eq!(ex.notes[2].text, "Sézary (G65.0)");
    assert_eq!(
        n.notes
            .iter()
            .find(|b| b.kind == NoteKind::CodeFirst)
            .unwrap()
            .code_first,
        Some(CodeFirstRule::Unconditional)
    );
    // 7th characters: S06.1X1 takes A, D, S; S06.1X7 only A (the note).
    assert_eq!(
        t.children(&c("S06.1X1")).unwrap(),
        vec![c("S06.1X1A"), c("S06.1X1D"), c("S06.1X1S")]
    );
    assert_eq!(t.children(&c("S06.1X7")).unwrap(), vec![c("S06.1X7A")]);
    assert_eq!(
        t.children(&c("S06.9")).unwrap(),
        vec![c("S06.9XXA"), c("S06.9XXD"), c("S06.9XXS")]
    );
    assert_eq!(t.lookup(&c("S06.1X7D")), None);
    assert_eq!(
        t.seven_defs()[0].chars[1].notes,
        vec!["\tsubsequent NOS".to_owned()]
    );
    assert!(t.nodes()[t.node_of(&c("S06.1X")).unwrap() as usize].placeholder);
    // Serialised and read back.
    let enc = encode(&t);
    let v = TabularView::new(&enc.bytes).unwrap();
    assert_eq!(
        v.children(&c("S06.1X7")).unwrap(),
        Some(vec![c("S06.1X7A")])
    );
    assert_eq!(v.lookup(&c("S06.1X7D")).unwrap(), None);
    assert_eq!(
        v.ancestors(&c("S06.1X1A")).unwrap().unwrap(),
        vec![
            Place::Chapter(1),
            Place::Section(1),
            Place::Node(t.node_of(&c("S06")).unwrap()),
            Place::Node(t.node_of(&c("S06.1")).unwrap()),
            Place::Node(t.node_of(&c("S06.1X")).unwrap()),
            Place::Node(t.node_of(&c("S06.1X1")).unwrap()),
        ]
    );
    let blocks = v.notes(Place::Node(g63)).unwrap();
    assert_eq!(blocks.len(), 2);
    assert_eq!(blocks[1].notes[2].0, "Sézary (G65.0)");
}

/// The error of a malformed document: its text starts with `t.xml:LINE:`.
fn fails(xml: &str, line: u64, fragment: &str) {
    let e = parse(xml).expect_err(fragment);
    let text = e.to_string();
    assert!(
        text.starts_with(&format!("t.xml:{line}:")) && text.contains(fragment),
        "expected line {line} and {fragment:?}, got {text}"
    );
}

/// SMALL with `from` replaced by `to` (which must occur).
fn small_with(from: &str, to: &str) -> String {
    assert!(SMALL.contains(from), "{from}");
    SMALL.replacen(from, to, 1)
}

#[test]
fn malformed_documents_are_typed_errors_with_lines() {
    fails(
        &small_with("<name>G63</name>", "<name>G6#</name>"),
        21,
        "invalid character",
    );
    fails(
        &small_with("<name>G65.0</name>", "<name>G66.0</name>"),
        37,
        "must be its parent's code plus one character",
    );
    fails(
        &small_with("<name>G65.0</name>", "<name>G65.01</name>"),
        37,
        "must be its parent's code plus one character",
    );
    fails(
        &small_with("<name>G65</name>", "<name>G6</name>"),
        34,
        "not a valid icd10cm code",
    );
    fails(
        &small_with("<name>G65</name>", "<name>G65.1</name>"),
        34,
        "must be a three-character category",
    );
    fails(
        &small_with("<name>G65</name>", "<name>G63</name>"),
        33,
        "duplicate icd10cm code G63 (first seen on line 20)",
    );
    fails(
        &small_with("<codeFirst>", "<codeSecond>"),
        23,
        "unknown element <codeSecond> in <diag>",
    );
    fails(
        &small_with("<diag placeholder=\"true\">", "<diag placeholder=\"yes\">"),
        61,
        "placeholder=\"yes\"",
    );
    fails(
        &small_with("<diag placeholder=\"true\">", "<diag colour=\"red\">"),
        61,
        "unknown attribute \"colour\"",
    );
    fails(
        &small_with("<name>G63</name>", "<desc>x</desc><name>G63</name>"),
        21,
        "must start with <name> and <desc>",
    );
    fails(
        &small_with(
            "<diag><name>S06.9</name><desc>Unspecified intracranial injury</desc></diag>",
            "<diag><name>S06.9</name></diag>",
        ),
        67,
        "a <diag> without <name> and <desc>",
    );
    fails(
        &small_with(
            "<note>amyloidosis (E85.-)</note>",
            "<note>amyloidosis &bogus;</note>",
        ),
        25,
        "unknown entity &bogus;",
    );
    fails(
        &small_with("<note>amyloidosis (E85.-)</note>", "<note>  </note>"),
        25,
        "empty <note>",
    );
    fails(
        &small_with(
            "<note>amyloidosis (E85.-)</note>",
            "<note>a <b>bold</b> note</note>",
        ),
        25,
        "unexpected element <b> inside <note>",
    );
    fails(
        &small_with(
            "<note>amyloidosis (E85.-)</note>",
            "<remark>amyloidosis</remark>",
        ),
        25,
        "unknown element <remark> in <codeFirst> (expected note)",
    );
    fails(
        &small_with("<codeFirst>", "stray text<codeFirst>"),
        23,
        "unexpected text \"stray text\" in <diag>",
    );
    fails(
        &small_with("</codeFirst>", "</codeLast>"),
        26,
        "not well-formed XML",
    );
    fails(
        &small_with("<extension char=\"D\">", "<extension char=\"d\">"),
        57,
        "a 7th character is one upper-case letter or digit",
    );
    fails(
        &small_with("<extension char=\"D\">", "<extension>"),
        57,
        "a 7th character is one upper-case letter or digit",
    );
    fails(
        &small_with("<extension char=\"D\">", "<extension char=\"A\">"),
        57,
        "defined twice",
    );
    fails(
        &small_with(
            "<extension char=\"A\">initial encounter</extension>",
            "<note>early</note>",
        ),
        56,
        "before any <extension>",
    );
    fails(
        &small_with("<desc>Injury (S00-T88)</desc>", "<desc>Injury</desc>"),
        45,
        "does not end with its code range",
    );
    fails(
        &small_with("<name>19</name>", "<name>6</name>"),
        44,
        "chapter 6 appears twice",
    );
    fails(
        &small_with("<name>19</name>", "<name>nineteen</name>"),
        44,
        "is not a number",
    );
    fails(
        &small_with("<section id=\"S00-S09\">", "<section id=\"Head\">"),
        46,
        "is not a code range",
    );
    fails(
        &small_with("<section id=\"S00-S09\">", "<section>"),
        46,
        "without its id attribute",
    );
    fails(
        &small_with("<section id=\"G60-G65\">", "<section id=\"G60-G64\">"),
        16,
        "the section index names section \"G60-G65\"",
    );
    fails(
        &small_with(
            "<sectionRef first=\"G60\" last=\"G65\"",
            "<sectionRef first=\"G60\" last=\"G64\"",
        ),
        18,
        "does not match its sectionRef",
    );
    fails(
        &small_with(
            "<excludes1>",
            "<excludes1>\n        </excludes1><excludes1>",
        ),
        27,
        "holds no <note>",
    );
    fails(
        &small_with(
            "category S06 with 6th character 7 - death, or 8 - death due to other cause.",
            "general.",
        ),
        52,
        "cannot read the 7th-character rule",
    );
    fails(
        &small_with(
            "category S06 with 6th character 7",
            "category S06 with 6th character 5",
        ),
        52,
        "applies to no code",
    );
    fails(&small_with("<diag><name>S06.1X7</name><desc>with death due to brain injury</desc></diag>", "<diag><name>S06.1X7</name><desc>death</desc><diag><name>S06.1X7Z</name><desc>z</desc></diag></diag>"), 65, "has 7 characters but lies under the 7th-character definition");
    fails(
        &small_with(
            "<sevenChrDef>",
            "<sevenChrNote><note>x</note></sevenChrNote><sevenChrDef>",
        ),
        55,
        "a second <sevenChrNote>",
    );
    fails(&small_with("<sevenChrNote><note>The appropriate 7th character is to be added to each code from category S06.</note></sevenChrNote>", ""), 48, "a <sevenChrDef> without its <sevenChrNote>");
    fails(
        &small_with("<ICD10CM.tabular>", "<!DOCTYPE x><ICD10CM.tabular>"),
        2,
        "document type declaration",
    );
    fails(
        &small_with("</ICD10CM.tabular>", "</ICD10CM.tabular><more/>"),
        89,
        "after the end of <ICD10CM.tabular>",
    );
    fails(
        &small_with(
            "<version>2026</version>",
            "<version>2026</version><version>2027</version>",
        ),
        3,
        "a second <version>",
    );
    fails(
        "<?xml version=\"1.0\"?>\n<tabular/>",
        2,
        "the root element is <tabular>",
    );
    let e = parse("<ICD10CM.tabular><version>2026</version></ICD10CM.tabular>").unwrap_err();
    assert!(matches!(e, ImportError::BadFile { .. }), "{e}");
    assert!(e.to_string().contains("no <chapter>"), "{e}");
    let e = parse("<ICD10CM.tabular><chapter><name>1</name><desc>x (A00-B99)</desc></chapter></ICD10CM.tabular>").unwrap_err();
    assert!(e.to_string().contains("no <version>"), "{e}");
    // Not UTF-8.
    let mut bytes = SMALL.as_bytes().to_vec();
    let at = SMALL.find("Sézary (G65.0)").unwrap() + 1;
    bytes[at] = 0xff;
    let e = read_tabular("t.xml", &bytes).unwrap_err();
    assert!(e.to_string().starts_with("t.xml:30:"), "{e}");
    assert!(e.to_string().contains("not valid UTF-8"), "{e}");
    // Empty input.
    assert!(matches!(
        read_tabular("t.xml", b""),
        Err(ImportError::BadFile { .. })
    ));
}

#[test]
fn truncated_documents_are_errors() {
    // Every prefix of the document that cuts into the root is an error, never a panic.
    let end = SMALL.find("</ICD10CM.tabular>").unwrap();
    for cut in (0..end).filter(|&i| SMALL.is_char_boundary(i)) {
        let r = read_tabular("t.xml", &SMALL.as_bytes()[..cut]);
        assert!(r.is_err(), "a document cut at {cut} imported");
    }
}

#[test]
fn deep_nesting_is_refused_without_recursion() {
    // Nested diags must each start with <name>: the first is refused.
    let deep = format!("<ICD10CM.tabular><chapter><name>1</name><desc>x (A00-B99)</desc><section id=\"A00\"><desc>x</desc>{}", "<diag>".repeat(200_000));
    assert!(parse(&deep).is_err());
    let deep = format!(
        "<ICD10CM.tabular><chapter><name>1</name><desc>x (A00-B99)</desc>{}",
        "<section id=\"A00\">".repeat(200_000)
    );
    assert!(parse(&deep).is_err());
    let deep = format!("<ICD10CM.tabular>{}", "<chapter>".repeat(200_000));
    assert!(parse(&deep).is_err());
}

#[test]
fn mutated_documents_never_panic() {
    // A fixed pseudo-random sequence of byte changes.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let base = SMALL.as_bytes();
    let alphabet = b"<>/=\"&;:.-() ADSX0179GEazq\n\t";
    for _ in 0..3_000 {
        let mut b = base.to_vec();
        for _ in 0..1 + next() % 3 {
            let at = (next() as usize) % b.len();
            match next() % 3 {
                0 => b[at] = alphabet[(next() as usize) % alphabet.len()],
                1 => {
                    b.remove(at);
                }
                _ => b.insert(at, alphabet[(next() as usize) % alphabet.len()]),
            }
        }
        if let Ok(t) = read_tabular("t.xml", &b) {
            // Whatever imports also serialises and reads back.
            let enc = encode(&t);
            let v = TabularView::new(&enc.bytes).unwrap();
            for code in t.codes() {
                assert!(v.lookup(&code).unwrap().is_some());
            }
        }
    }
}

#[test]
fn damaged_serialised_data_is_an_error_not_a_panic() {
    let t = parse(SMALL).unwrap();
    let good = encode(&t).bytes;
    let codes: Vec<Code> = t
        .codes()
        .chain(["S06.1X7D", "E11.9", "G65.0"].map(c))
        .collect();
    let exercise = |b: &[u8]| {
        let Ok(v) = TabularView::new(b) else { return };
        for code in &codes {
            let _ = v.lookup(code);
            let _ = v.children(code);
            let _ = v.ancestors(code);
            let _ = v.is_manifestation(code);
        }
        for i in 0..v.node_count() + 2 {
            let _ = v.node(i);
            let _ = v.notes(Place::Node(i));
            let _ = v.seventh_chars(i);
        }
        for i in 0..v.section_count() + 1 {
            let _ = v.section(i);
            let _ = v.notes(Place::Section(i));
        }
        for i in 0..v.chapter_count() + 1 {
            let _ = v.chapter(i);
            let _ = v.notes(Place::Chapter(i));
        }
        for i in 0..v.seven_def_count() + 1 {
            let _ = v.seven_def(i);
        }
    };
    for cut in 0..good.len() {
        exercise(&good[..cut]);
    }
    for at in 0..good.len() {
        for x in [0x00u8, 0xff, 0x01, 0x80] {
            let mut b = good.clone();
            b[at] ^= x | 1;
            exercise(&b);
        }
    }
    assert!(TabularView::new(&[]).is_err());
    let mut wrong = good.clone();
    wrong[0] = 9;
    assert!(TabularView::new(&wrong)
        .unwrap_err()
        .to_string()
        .contains("layout version 9"));
}
