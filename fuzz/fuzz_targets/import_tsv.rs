//! Normalised TSV import: the first byte picks the file kind, the rest is the
//! file. Any input gives entries or an `ImportError`, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use procode::import::{read_std_tsv, StdFile};

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    let kind = StdFile::ALL[which as usize % StdFile::ALL.len()];
    if let Ok(entries) = read_std_tsv(kind, kind.file_name(), body) {
        for e in &entries {
            assert_eq!(e.system, kind.system());
            let _ = e.display_code();
        }
        // Whatever imports also builds (or is refused with a typed error).
        let _ = procode::Catalog::build(entries);
    }
});
