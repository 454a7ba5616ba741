//! The CMS HCPCS quarterly workbook read from bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(entries) = procode::import::read_hcpcs_xlsx_bytes("fuzz.xlsx", data) {
        let _ = procode::Catalog::build(entries);
    }
});
