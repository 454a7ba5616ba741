//! Inputs found by fuzzing (`fuzz/`), kept as regression tests: each must give
//! an answer or a typed error, never a panic.

use crate::common;

use common::reseal;
use procode::{Catalog, Code, CodeSystem, Entry, IndexBuilder, SearchOptions, Verify};

fn tiny_index() -> Vec<u8> {
    let mut b = IndexBuilder::new();
    for (s, c, d) in [
        (
            CodeSystem::Modifier,
            "GT",
            "Via interactive audio and video telecommunication systems",
        ),
        (
            CodeSystem::Modifier,
            "95",
            "Synchronous telemedicine service rendered via real-time audio and video",
        ),
        (CodeSystem::Pos, "11", "Office"),
        (
            CodeSystem::Pos,
            "02",
            "Telehealth provided other than in patient's home",
        ),
    ] {
        b.add(Entry::new(Code::parse(c).unwrap(), s, d));
    }
    b.build().unwrap()
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

/// Found by the lazy byte-class corruption test (and the `index_load` fuzz
/// target): a damaged length in the word fst's footer, unchecked before the
/// fst's first use in `Verify::Lazy`, overflowed `(len + 1) * 4` when opening
/// ("attempt to multiply with overflow"). It is now a `Corrupt` error.
#[test]
fn lazy_open_with_a_huge_word_fst_length_is_an_error() {
    let full = tiny_index();
    let words = section(&full, 2);
    let mut refused = 0;
    for pos in words.end.saturating_sub(32)..words.end {
        let mut bad = full.clone();
        bad[pos] = 0xff;
        bad[pos.saturating_sub(1)] = 0xff;
        reseal(&mut bad);
        if let Ok(cat) = Catalog::from_bytes_with(bad, Verify::Lazy) {
            let _ = cat.search("audio", &SearchOptions::default());
            let _ = cat.lookup("GT", None, None);
        } else {
            refused += 1;
        }
    }
    assert!(refused > 0, "no damage was refused");
}

/// Found by the `import_xlsx` fuzz target: a workbook with a malformed cell
/// reference made calamine 0.38 overflow a `u32` ("attempt to multiply with
/// overflow"), a panic in builds with overflow checks. procode now turns a
/// panic inside calamine into `ImportError::BadFile`.
#[test]
fn xlsx_with_a_malformed_cell_reference_is_an_error() {
    let bytes = include_bytes!("regressions/xlsx_long_cell_reference.xlsx");
    match procode::import::read_hcpcs_xlsx_bytes("crash.xlsx", bytes) {
        Err(procode::ImportError::BadFile { file, problem }) => {
            assert_eq!(file, "crash.xlsx");
            // With overflow checks calamine panics and procode says the
            // file is malformed; without them (release) calamine's own
            // error comes through.
            assert!(
                problem.contains("malformed") || !cfg!(debug_assertions),
                "{problem}"
            );
        }
        other => panic!("{other:?}"),
    }
}

/// The file of the regression below, found in index format 2, in format 4:
/// the entry record is six bytes (format 3: system tag and code length in
/// one byte, no action-code byte). Its one entry ("GT", a modifier without
/// an action code) has text that reads the same in both formats (two
/// one-byte token numbers: a count of 2 then, a byte length of 2 now); its
/// posting lists hold that one id, which formats 2 and 4 write alike (a
/// count of 1, the id; format 4 bit-packs only the gaps after a block's
/// first id); the damaged word fst and its forged checksum are left as they
/// were.
fn as_format_4(mut b: Vec<u8>) -> Vec<u8> {
    assert_eq!(b[8..12], 2u32.to_le_bytes(), "a format 2 file");
    b[8..12].copy_from_slice(&4u32.to_le_bytes());
    let postings = section(&b, 4);
    assert_eq!(b[postings], [1, 0, 1, 0], "two lists of the one id");
    let entries = section(&b, 5);
    assert_eq!(entries.len(), 8, "one eight-byte record");
    let r: [u8; 8] = b[entries.clone()].try_into().unwrap();
    assert_eq!(r[2], 0, "no action code");
    let record = [r[0] | r[3] << 4, r[1], r[4], r[5], r[6], r[7]];
    b[entries.clone()].fill(0);
    b[entries.start..entries.start + 6].copy_from_slice(&record);
    let n = u32::from_le_bytes(b[12..16].try_into().unwrap()) as usize;
    let row = (0..n)
        .map(|i| 48 + 32 * i)
        .find(|&at| u32::from_le_bytes(b[at..at + 4].try_into().unwrap()) == 5)
        .unwrap();
    b[row + 16..row + 24].copy_from_slice(&6u64.to_le_bytes());
    let sum = xxhash_rust::xxh3::xxh3_64(&record);
    b[row + 24..row + 32].copy_from_slice(&sum.to_le_bytes());
    b
}

/// Found by the `index_load` fuzz target: a one-entry index whose word fst
/// was damaged *and* its section checksum (and the header's) forged to match,
/// as a crafted file can. The `fst` crate panicked on the malformed node
/// ("assertion failed: 1 <= nbytes && nbytes <= 8") on the first search. The
/// fsts are now walked once before use (on open with `Verify::Full`, on
/// first use with `Verify::Lazy`): a malformed one is `Corrupt`.
#[test]
fn index_with_a_forged_word_fst_checksum_is_an_error() {
    // The fuzz target re-seals the header checksum before opening.
    let mut bytes =
        as_format_4(include_bytes!("regressions/index_forged_word_fst_checksum.bin").to_vec());
    reseal(&mut bytes);
    let full = Catalog::from_bytes(bytes.clone());
    assert!(
        matches!(full, Err(procode::CatalogError::Corrupt { .. })),
        "{full:?}"
    );
    let cat = Catalog::from_bytes_with(bytes, Verify::Lazy).unwrap();
    for q in ["GT", "audio", "audio video", "vidoe", "zz"] {
        let r = cat.search(q, &SearchOptions::default());
        assert!(
            matches!(
                r,
                Ok(_)
                    | Err(procode::CatalogError::Corrupt { .. }
                        | procode::CatalogError::ChecksumMismatch { .. })
            ),
            "{q}: {r:?}"
        );
    }
    let _ = cat.lookup("GT", None, None);
}
