//! CMS ICD-10 order files and addenda: the first byte picks the code set and
//! the parser; addenda that parse are also applied to and reverted from a
//! small release.
#![no_main]
use libfuzzer_sys::fuzz_target;
use procode::import::{read_order_file, Addenda, IcdSet};

const CM_BASE: &str = "\
00001 A00     0 Cholera                                                      Cholera
00002 A000    1 Cholera due to Vibrio cholerae 01, biovar cholerae           Cholera due to Vibrio cholerae 01, biovar cholerae
00003 B880    1 Other acariasis                                              Other acariasis
";

fuzz_target!(|data: &[u8]| {
    let Some((&sel, body)) = data.split_first() else {
        return;
    };
    let set = if sel & 1 == 0 {
        IcdSet::Cm
    } else {
        IcdSet::Pcs
    };
    if sel & 2 == 0 {
        if let Ok(entries) = read_order_file(set, "order.txt", body) {
            let _ = procode::Catalog::build(entries);
        }
        return;
    }
    let Ok(add) = Addenda::parse(set, "addenda.txt", body) else {
        return;
    };
    let _ = add.summary();
    let _ = add.revisions().count();
    let _ = add.release_effective();
    let new = add.new_codes();
    let base = read_order_file(IcdSet::Cm, "base.txt", CM_BASE.as_bytes()).unwrap();
    let mut marked = base.clone();
    let _ = add.mark_new_codes(&mut marked);
    let prev = if set == IcdSet::Cm { base } else { Vec::new() };
    if let Ok((next, report)) = add.apply(prev) {
        let _ = (report.header_counts(), report.code_counts());
        for c in &new {
            let _ = next.iter().any(|e| e.code == *c);
        }
        let _ = add.revert(next);
    }
});
