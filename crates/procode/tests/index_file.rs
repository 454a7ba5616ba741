//! Index files: written and reopened by memory map; truncated, corrupted and
//! foreign files give typed errors, never a panic.

use crate::common;

use common::{all_entries, reseal};
use procode::{Catalog, CatalogError, CodeSystem, Entry, IndexBuilder, SearchOptions, Verify};

fn small_index() -> Vec<u8> {
    let mut b = IndexBuilder::new();
    b.extend(
        all_entries()
            .iter()
            .filter(|e| matches!(e.system, CodeSystem::Modifier | CodeSystem::Pos))
            .cloned(),
    );
    // A small tabular structure, so that its section is damaged too.
    let xml = r#"<ICD10CM.tabular><version>2026</version>
      <chapter><name>5</name><desc>Mental disorders (F01-F99)</desc>
        <section id="F40-F48"><desc>Anxiety disorders (F40-F48)</desc>
          <diag><name>F41</name><desc>Other anxiety disorders</desc>
            <excludes1><note>anxiety in depression (F32.A)</note></excludes1>
            <diag><name>F41.1</name><desc>Generalized anxiety disorder</desc></diag>
          </diag>
          <diag><name>F32</name><desc>Depressive episode</desc>
            <diag><name>F32.A</name><desc>Depression, unspecified</desc></diag>
          </diag>
        </section>
      </chapter></ICD10CM.tabular>"#;
    let t = procode::import::tabular::read_tabular("t.xml", xml.as_bytes()).unwrap();
    b.tabular(procode::import::tabular::encode(&t));
    b.build().unwrap()
}

fn open_err(bytes: Vec<u8>) -> CatalogError {
    match Catalog::from_bytes(bytes) {
        Ok(_) => panic!("a damaged index opened"),
        Err(e) => e,
    }
}

fn exercise(cat: &Catalog) {
    // Whatever the answers, no query may panic.
    for q in [
        "GT",
        "office",
        "telehealth",
        "audio video",
        "telehelth",
        "9",
        "1.",
    ] {
        let _ = cat.search(q, &SearchOptions::default().limit(50));
    }
    for code in ["GT", "11", "95", "XU"] {
        let _ = cat.lookup(code, None, None);
    }
    for e in cat.entries().take(500) {
        let _ = e;
    }
    for code in ["F41", "F41.1", "F32.A", "F41.9"] {
        let _ = cat.tree(code);
        let _ = cat.children(code);
        let _ = cat.billable_below(code, None);
    }
}

#[test]
fn written_files_reopen_by_memory_map() {
    let dir = std::env::temp_dir().join(format!("procode-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("small.idx");
    let mut b = IndexBuilder::new();
    b.extend(
        all_entries()
            .iter()
            .filter(|e| e.system == CodeSystem::Modifier)
            .cloned(),
    );
    let n = b.write_to(&path).unwrap();
    assert_eq!(n, std::fs::metadata(&path).unwrap().len());
    for verify in [Verify::Full, Verify::Lazy] {
        let cat = Catalog::open_with(&path, verify).unwrap();
        assert_eq!(cat.len(), 383);
        let gt = cat.lookup("gt", None, None).unwrap().unwrap();
        assert_eq!(gt.system, CodeSystem::Modifier);
    }
    // A corrupted file on disk is a typed error.
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    std::fs::write(&path, &bytes).unwrap();
    assert!(matches!(
        Catalog::open(&path),
        Err(CatalogError::ChecksumMismatch { .. })
    ));
    assert!(matches!(
        Catalog::open(dir.join("missing.idx")),
        Err(CatalogError::Io { .. })
    ));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn foreign_files_are_not_indexes() {
    let tsv = std::fs::read(common::data_dir().join("modifiers.tsv")).unwrap();
    assert!(matches!(open_err(tsv), CatalogError::NotAnIndex));
    assert!(matches!(open_err(Vec::new()), CatalogError::NotAnIndex));
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for len in [1usize, 7, 8, 47, 48, 100, 4096] {
        let random: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        assert!(matches!(open_err(random), CatalogError::NotAnIndex));
    }
}

#[test]
fn every_truncation_is_a_typed_error() {
    let full = small_index();
    let mut lengths: Vec<usize> = (0..400.min(full.len())).collect();
    lengths.extend((400..full.len()).step_by(13));
    lengths.push(full.len() - 1);
    for len in lengths {
        let e = open_err(full[..len].to_vec());
        assert!(
            matches!(e, CatalogError::Truncated { .. } | CatalogError::NotAnIndex),
            "length {len}: {e:?}"
        );
    }
    // Extra bytes at the end are caught too.
    let mut longer = full.clone();
    longer.extend_from_slice(&[0; 8]);
    assert!(matches!(open_err(longer), CatalogError::Corrupt { .. }));
}

/// Every position below `dense`, then every `step`-th one up to `len`.
fn every_then_sampled(len: usize, dense: usize, step: usize) -> Vec<usize> {
    let mut positions: Vec<usize> = (0..dense.min(len)).collect();
    positions.extend((dense..len).step_by(step));
    positions
}

#[test]
fn every_flipped_byte_is_a_typed_error() {
    let full = small_index();
    for pos in every_then_sampled(full.len(), 600, 11) {
        for bit in [0x01u8, 0x80] {
            let mut bad = full.clone();
            bad[pos] ^= bit;
            let e = open_err(bad);
            assert!(
                matches!(
                    e,
                    CatalogError::ChecksumMismatch { .. }
                        | CatalogError::NotAnIndex
                        | CatalogError::Corrupt { .. }
                        | CatalogError::UnsupportedVersion { .. }
                ),
                "byte {pos} bit {bit:#x}: {e:?}"
            );
        }
    }
}

#[test]
fn unsupported_versions_are_named() {
    for version in [2u32, 3, 5] {
        let mut bytes = small_index();
        // Version 2 (before the six-byte records) and version 3 (before
        // the bit-packed posting blocks) are no longer read, nor a version
        // newer than this library's.
        bytes[8..12].copy_from_slice(&version.to_le_bytes());
        // Without re-sealing: the version is named all the same.
        match open_err(bytes.clone()) {
            CatalogError::UnsupportedVersion {
                found,
                supported: 4,
            } if found == version => {}
            e => panic!("{e:?}"),
        }
        // Re-sealed, so only the version is wrong.
        reseal(&mut bytes);
        match open_err(bytes) {
            CatalogError::UnsupportedVersion {
                found,
                supported: 4,
            } if found == version => {}
            e => panic!("{e:?}"),
        }
    }
}

/// The reporting-code bit (format version 4) round-trips.
#[test]
fn reporting_codes_round_trip() {
    let code = |c: &str| procode::Code::parse(c).unwrap();
    let entries = [
        Entry::new(
            code("G8432"),
            CodeSystem::Hcpcs,
            "Depression screening not documented, reason not given",
        )
        .with_reporting(true),
        Entry::new(
            code("G0444"),
            CodeSystem::Hcpcs,
            "Annual depression screening, 5 to 15 minutes",
        ),
    ];
    let mut b = IndexBuilder::new();
    b.extend(entries.iter().cloned());
    let bytes = b.build().unwrap();
    assert_eq!(bytes[8..12], 4u32.to_le_bytes());
    let cat = Catalog::from_bytes(bytes).unwrap();
    for e in &entries {
        assert_eq!(
            cat.lookup(e.code.as_str(), None, None).unwrap().as_ref(),
            Some(e)
        );
        let r = cat
            .lookup_ref(e.code.as_str(), None, None)
            .unwrap()
            .unwrap();
        assert_eq!(r.reporting(), e.reporting);
    }
}

#[test]
fn header_only_opening_never_panics_on_damaged_payloads() {
    let full = small_index();
    let table_end = 48 + 32 * 8;
    let mut opened = 0;
    for pos in (table_end..full.len()).step_by(7) {
        let mut bad = full.clone();
        bad[pos] ^= 0xff;
        if let Ok(cat) = procode::Catalog::from_bytes_with(bad, Verify::Lazy) {
            opened += 1;
            exercise(&cat);
        }
    }
    assert!(opened > 100);
}

#[test]
fn builder_rejects_duplicates_and_bad_dates() {
    let e = all_entries()[0].clone();
    let mut b = IndexBuilder::new();
    b.add(e.clone()).add(e.clone());
    assert!(matches!(b.build(), Err(CatalogError::DuplicateCode { .. })));
    let mut b = IndexBuilder::new();
    let bad = e
        .clone()
        .with_terminated(chrono::NaiveDate::from_ymd_opt(1970, 1, 1))
        .with_effective(chrono::NaiveDate::from_ymd_opt(2000, 1, 1));
    b.add(bad);
    let err = b.build().unwrap_err();
    assert!(err.to_string().contains("before effective date"), "{err}");
    // The same code in two systems is fine.
    let mut b = IndexBuilder::new();
    for s in [CodeSystem::Custom, CodeSystem::Hcpcs] {
        b.add(Entry::new(procode::Code::parse("A0100").unwrap(), s, "x"));
    }
    assert!(b.build().is_ok());
}

/// Byte classes of an index file: the header, the section table and each
/// section, as `(name, range)`.
fn byte_classes(bytes: &[u8]) -> Vec<(String, std::ops::Range<usize>)> {
    let n = u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as usize;
    let table_end = 48 + 32 * n;
    let mut classes = vec![
        ("header".to_owned(), 0..48),
        ("section table".to_owned(), 48..table_end),
    ];
    for row in 0..n {
        let at = 48 + 32 * row;
        let word = |o: usize| u64::from_le_bytes(bytes[at + o..at + o + 8].try_into().unwrap());
        let kind = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
        let (offset, len) = (word(8) as usize, word(16) as usize);
        classes.push((format!("section {kind}"), offset..offset + len));
    }
    classes
}

/// Positions to damage in a range: all of a short one, else the ends and a
/// stride through the middle.
fn positions(r: &std::ops::Range<usize>) -> Vec<usize> {
    if r.len() <= 96 {
        return r.clone().collect();
    }
    let mut v: Vec<usize> = (r.start..r.start + 16).collect();
    v.extend((r.start..r.end).step_by(r.len() / 48));
    v.extend(r.end - 16..r.end);
    v
}

#[test]
fn every_byte_class_damaged_is_an_error_or_an_answer_in_lazy_mode() {
    let full = small_index();
    let classes = byte_classes(&full);
    assert_eq!(classes.len(), 2 + 10, "{classes:?}");
    for (name, range) in &classes {
        let (mut opened, mut refused) = (0, 0);
        for pos in positions(range) {
            for bit in [0x01u8, 0x10, 0x80, 0xff] {
                for sealed in [false, true] {
                    let mut bad = full.clone();
                    bad[pos] ^= bit;
                    if sealed {
                        reseal(&mut bad);
                    }
                    // Lazy: opening checks header and table; queries meet
                    // the rest. Errors are fine, panics are not.
                    match Catalog::from_bytes_with(bad.clone(), Verify::Lazy) {
                        Ok(cat) => {
                            opened += 1;
                            exercise(&cat);
                        }
                        Err(_) => refused += 1,
                    }
                    // Full: damage inside a section is always a typed error.
                    let full_check = Catalog::from_bytes_with(bad, Verify::Full);
                    if name.starts_with("section ") && !name.ends_with("table") {
                        assert!(
                            matches!(full_check, Err(CatalogError::ChecksumMismatch { .. })),
                            "{name} byte {pos} bit {bit:#x}: {full_check:?}"
                        );
                    } else if let Ok(cat) = full_check {
                        exercise(&cat);
                    }
                }
            }
        }
        assert!(opened + refused > 0, "{name}: nothing tried");
        // The releases section (10, a few bytes) is read whole on opening.
        if name.starts_with("section ") && name != "section 10" {
            assert!(opened > 0, "{name}: lazy opening refused every damage");
        }
    }
}

#[test]
fn every_truncation_is_an_error_in_lazy_mode() {
    let full = small_index();
    for len in every_then_sampled(full.len(), 400, 17) {
        let r = Catalog::from_bytes_with(full[..len].to_vec(), Verify::Lazy);
        assert!(
            matches!(
                r,
                Err(CatalogError::Truncated { .. } | CatalogError::NotAnIndex)
            ),
            "length {len}: {r:?}"
        );
    }
}

/// The byte range of section `kind` from the section table.
fn section(bytes: &[u8], kind: u32) -> std::ops::Range<usize> {
    let n = u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as usize;
    (0..n)
        .map(|i| 48 + 32 * i)
        .find(|&at| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) == kind)
        .map(|at| {
            let w = |o: usize| u64::from_le_bytes(bytes[at + o..at + o + 8].try_into().unwrap());
            w(8) as usize..(w(8) + w(16)) as usize
        })
        .unwrap()
}

/// Every way a short description is stored (the long one itself, its own
/// tokens, the long one's first tokens and a rest, a strict prefix of the
/// long one) and the action code read back as written.
#[test]
fn short_descriptions_and_action_codes_read_back_in_every_form() {
    let hcpcs = |code: &str, long: &str, short: &str, action: Option<char>| {
        Entry::from_descriptions(
            procode::Code::parse(code).unwrap(),
            CodeSystem::Hcpcs,
            long.to_owned(),
            short.to_owned(),
        )
        .with_action(action)
    };
    let entries = vec![
        hcpcs(
            "A0001",
            "Ambulance service, basic",
            "Ambulance service, basic",
            Some('A'),
        ),
        hcpcs(
            "A0002",
            "Ambulance service, basic life support",
            "Amb svc bls",
            None,
        ),
        hcpcs(
            "A0003",
            "Ambulance service, advanced life support",
            "Ambulance service, als",
            Some('C'),
        ),
        hcpcs(
            "A0004",
            "Ambulance service, neonatal transport",
            "Ambulance service",
            Some('N'),
        ),
        hcpcs("A0005", "Oxygen tubing", "Oxygen tubing, each", None),
    ];
    let cat = Catalog::build(entries.clone()).unwrap();
    for e in &entries {
        let got = cat.lookup(e.code.as_str(), Some(e.system), None).unwrap();
        assert_eq!(got.as_ref(), Some(e));
        let r = cat
            .lookup_ref(e.code.as_str(), Some(e.system), None)
            .unwrap()
            .unwrap();
        assert_eq!(r.short_description().unwrap(), e.short_description);
        assert_eq!(r.action(), e.action);
    }
}

/// Every way a token is decoded gives back the text: tokens with one-,
/// two- and three-byte numbers (a dictionary of more than 16,384 tokens:
/// the first ones copied from their slots, the later ones through their
/// offsets), tokens longer than a slot (15 bytes) and longer than two
/// 16-byte copies (32 bytes, which turns the wide copies off), in long
/// descriptions, short ones of their own and short ones that start with
/// the long one's tokens; through a page of codes, an exact lookup and
/// the owned entries.
#[test]
fn every_token_path_reads_back_the_description() {
    let word = |i: usize| {
        // Distinct words (base 26 letters): each a token of its own.
        let mut w = String::from("w");
        let mut n = i;
        loop {
            w.push(char::from(b'a' + (n % 26) as u8));
            n /= 26;
            if n == 0 {
                break w;
            }
        }
    };
    // Without and with a token longer than 32 bytes.
    for long_word in [
        "Hypercholesterolemically",
        "Pneumonoultramicroscopicsilicovolcanoconiosis",
    ] {
        every_token_path_on(long_word, &word);
    }
}

fn every_token_path_on(long_word: &str, word: &dyn Fn(usize) -> String) {
    let mut entries = Vec::new();
    for i in 0..6_000 {
        let long = format!(
            "{} {} {}; with {}",
            word(3 * i),
            word(3 * i + 1),
            word(3 * i + 2),
            if i % 7 == 0 {
                long_word
            } else {
                "unspecifiedness"
            }
        );
        let short = match i % 3 {
            0 => long.clone(),
            1 => format!("{} {} other", word(3 * i), word(3 * i + 1)),
            _ => format!("Short {}", word(i)),
        };
        entries.push(Entry::from_descriptions(
            procode::Code::parse(&format!("X{i:05}")).unwrap(),
            CodeSystem::Custom,
            long,
            short,
        ));
    }
    let cat = Catalog::build(entries.clone()).unwrap();
    let mut buf = String::new();
    for e in &entries {
        let r = cat
            .lookup_ref(e.code.as_str(), Some(e.system), None)
            .unwrap()
            .unwrap();
        buf.clear();
        r.write_description(&mut buf).unwrap();
        r.write_short_description(&mut buf).unwrap();
        assert_eq!(buf, format!("{}{}", e.description, e.short_description));
        assert_eq!(&r.to_owned().unwrap(), e);
    }
    let opts = procode::SearchOptions::default().limit(50);
    let page = cat.search_refs("X0012", &opts).unwrap();
    assert_eq!(page.total, 10);
    for (r, e) in page.entries.iter().zip(&entries[120..130]) {
        assert_eq!(r.code(), &e.code);
        assert_eq!(r.description().unwrap(), e.description);
        assert_eq!(r.short_description().unwrap(), e.short_description);
    }
}

/// A short description stored as the long one's first tokens names how
/// many: a count of none or of more tokens than the long one has is a
/// typed error, never a panic or a wrong text.
#[test]
fn a_bad_count_of_shared_tokens_is_corrupt() {
    let e = Entry::from_descriptions(
        procode::Code::parse("X1").unwrap(),
        CodeSystem::Custom,
        "Alpha beta".to_owned(),
        "Alpha gamma".to_owned(),
    );
    let mut b = IndexBuilder::new();
    b.add(e.clone());
    let good = b.build().unwrap();
    // One entry: its text is the code, the long description (byte length
    // 2: two one-byte token numbers), the count of shared tokens (1), the
    // rest.
    let text = section(&good, 6);
    let shared = text.start + 2 + 3;
    assert_eq!(good[shared], 1, "the layout this test expects");
    let cat = Catalog::from_bytes(good.clone()).unwrap();
    let r = cat.lookup_ref("X1", None, None).unwrap().unwrap();
    assert_eq!(r.to_owned().unwrap(), e);
    for count in [0u8, 3, 0x7f] {
        let mut bad = good.clone();
        bad[shared] = count;
        let sum = xxhash_rust::xxh3::xxh3_64(&bad[text.clone()]);
        let n = u32::from_le_bytes(bad[12..16].try_into().unwrap()) as usize;
        let at = (0..n)
            .map(|i| 48 + 32 * i)
            .find(|&at| u32::from_le_bytes(bad[at..at + 4].try_into().unwrap()) == 6)
            .unwrap();
        bad[at + 24..at + 32].copy_from_slice(&sum.to_le_bytes());
        reseal(&mut bad);
        let cat = Catalog::from_bytes(bad).unwrap();
        let r = cat.lookup_ref("X1", None, None).unwrap().unwrap();
        assert_eq!(r.description().unwrap(), "Alpha beta");
        match r.short_description() {
            Err(CatalogError::Corrupt { .. }) => {}
            other => panic!("count {count}: {other:?}"),
        }
        assert!(matches!(r.to_owned(), Err(CatalogError::Corrupt { .. })));
    }
}
