//! The CMS HCPCS quarterly workbook read from bytes.
//!
//! procode turns a panic inside calamine (the Excel reader it depends on) into
//! an `ImportError` (see `import::hcpcs_xlsx`); libfuzzer's panic hook would
//! abort on it first, so panics located in calamine are let through to that
//! handler. A panic anywhere else still aborts, as a crash.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(
    init: {
        let abort = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_calamine = info
                .location()
                .is_some_and(|l| l.file().contains("/calamine-"));
            if !in_calamine {
                abort(info);
            }
        }));
    },
    |data: &[u8]| {
        if let Ok(entries) = procode::import::read_hcpcs_xlsx_bytes("fuzz.xlsx", data) {
            let _ = procode::Catalog::build(entries);
        }
    }
);
