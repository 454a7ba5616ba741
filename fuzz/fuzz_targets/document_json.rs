//! Billing documents from JSON: whatever parses is checked for readiness
//! against a small code source and must survive a JSON round trip unchanged.
#![no_main]
use std::collections::HashMap;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use procode::billing::{readiness, Document};
use procode::{Code, CodeSystem, Entry};

fn source() -> &'static HashMap<(CodeSystem, Code), Entry> {
    static S: OnceLock<HashMap<(CodeSystem, Code), Entry>> = OnceLock::new();
    S.get_or_init(|| {
        let mut m = HashMap::new();
        for (s, c, d, billable) in [
            (
                CodeSystem::Hcpcs,
                "H0004",
                "Behavioral health counseling",
                true,
            ),
            (
                CodeSystem::Icd10Cm,
                "F411",
                "Generalized anxiety disorder",
                true,
            ),
            (CodeSystem::Icd10Cm, "F41", "Other anxiety disorders", false),
            (CodeSystem::Modifier, "HO", "Masters degree level", true),
            (CodeSystem::Pos, "11", "Office", true),
        ] {
            let code = Code::parse(c).unwrap();
            m.insert((s, code), Entry::new(code, s, d).with_billable(billable));
        }
        m
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = serde_json::from_slice::<Document>(data) else {
        return;
    };
    let _ = readiness(&doc, source(), None);
    let json = serde_json::to_string(&doc).expect("a parsed document serialises");
    let again: Document = serde_json::from_str(&json).expect("a written document parses");
    assert_eq!(again, doc, "JSON round trip changed the document");
});
