//! The index loader. The raw bytes are opened with `Verify::Full`; then the
//! header checksum is re-sealed (so the mutations reach the section table and
//! the sections instead of stopping at the header check) and the bytes are
//! opened with `Verify::Lazy` and queried. Errors are fine; panics are not.
//!
//! procode walks each fst once inside `catch_unwind` before using it (the
//! `fst` crate panics on some malformed nodes); libfuzzer's panic hook would
//! abort on those first, so panics located in `fst` are let through to that
//! handler. A panic that escapes procode still aborts, as a crash.
#![no_main]
use libfuzzer_sys::fuzz_target;
use procode::{Catalog, SearchOptions, Verify};

const HEADER_LEN: usize = 48;
const ROW_LEN: usize = 32;

fn exercise(cat: &Catalog) {
    let _ = cat.len();
    for q in [
        "GT",
        "office",
        "audio video",
        "telehelth",
        "9",
        "1.",
        "a",
        "zz",
    ] {
        if let Ok(r) = cat.search(q, &SearchOptions::default().limit(20)) {
            assert!(r.len() <= 20);
        }
    }
    for code in ["GT", "11", "95", "A000", "F411"] {
        let _ = cat.lookup(code, None, None);
        if let Ok(c) = procode::Code::parse(code) {
            let _ = cat.lookup_all(&c, None);
        }
    }
    for e in cat.entries().take(64) {
        let _ = e;
    }
}

fn reseal(bytes: &mut [u8]) {
    if bytes.len() < HEADER_LEN {
        return;
    }
    let n = u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as usize;
    let end = n
        .checked_mul(ROW_LEN)
        .and_then(|t| t.checked_add(HEADER_LEN))
        .filter(|&e| e <= bytes.len());
    let Some(end) = end else { return };
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(&bytes[..40]);
    h.update(&bytes[HEADER_LEN..end]);
    bytes[40..48].copy_from_slice(&h.digest().to_le_bytes());
}

fuzz_target!(
    init: {
        let abort = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_fst = info.location().is_some_and(|l| l.file().contains("/fst-"));
            if !in_fst {
                abort(info);
            }
        }));
    },
    |data: &[u8]| {
    if let Ok(cat) = Catalog::from_bytes(data.to_vec()) {
        exercise(&cat);
    }
    let mut sealed = data.to_vec();
    reseal(&mut sealed);
    for verify in [Verify::Lazy, Verify::Full] {
        if let Ok(cat) = Catalog::from_bytes_with(sealed.clone(), verify) {
            exercise(&cat);
        }
    }
}
);
