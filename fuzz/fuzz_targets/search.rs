//! Arbitrary queries into `Catalog::search` on a small catalog (with an
//! overlay): results stay within the limit and, for code-prefix matches, in
//! (code, system) order.
#![no_main]
use std::sync::OnceLock;

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use procode::{Catalog, Code, CodeSystem, Entry, Overlay, SearchMode, SearchOptions};

fn catalog() -> &'static Catalog {
    static C: OnceLock<Catalog> = OnceLock::new();
    C.get_or_init(|| {
        let rows = [
            (
                CodeSystem::Hcpcs,
                "H0004",
                "Behavioral health counseling and therapy, per 15 minutes",
            ),
            (
                CodeSystem::Hcpcs,
                "G0438",
                "Annual wellness visit; includes a personalized prevention plan",
            ),
            (
                CodeSystem::Hcpcs,
                "A0100",
                "Nonemergency transportation; taxi",
            ),
            (CodeSystem::Icd10Cm, "F411", "Generalized anxiety disorder"),
            (CodeSystem::Icd10Cm, "F41", "Other anxiety disorders"),
            (
                CodeSystem::Icd10Cm,
                "E119",
                "Type 2 diabetes mellitus without complications",
            ),
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
        ];
        let d = |y, m| NaiveDate::from_ymd_opt(y, m, 1);
        let entries = rows.iter().enumerate().map(|(i, (s, c, t))| {
            let e = Entry::new(Code::parse(c).unwrap(), *s, *t);
            if i % 3 == 0 {
                e.with_effective(d(2020, 1)).with_terminated(d(2024, 6))
            } else {
                e
            }
        });
        let base = Catalog::build(entries).unwrap();
        let mut o = Overlay::new();
        o.add_custom(Entry::new(
            Code::parse("INTAKE1").unwrap(),
            CodeSystem::Custom,
            "Intake call, new client",
        ))
        .unwrap();
        o.add_custom(Entry::new(
            Code::parse("A0100").unwrap(),
            CodeSystem::Custom,
            "Practice taxi voucher",
        ))
        .unwrap();
        o.add_favourite(CodeSystem::Pos, Code::parse("11").unwrap());
        base.with_overlay(o).unwrap()
    })
}

fuzz_target!(|data: &[u8]| {
    let [a, b, rest @ ..] = data else {
        return;
    };
    let Ok(query) = std::str::from_utf8(rest) else {
        return;
    };
    let system = (a & 7 != 7).then(|| CodeSystem::ALL[(a & 7) as usize % CodeSystem::ALL.len()]);
    let limit = (*b as usize) % 20;
    let as_of =
        (a & 8 != 0).then(|| NaiveDate::from_ymd_opt(2022 + (a >> 6) as i32, 3, 1).unwrap());
    let opts = SearchOptions::default()
        .system(system)
        .limit(limit)
        .as_of(as_of);
    let Ok(r) = catalog().search(query, &opts) else {
        return;
    };
    assert!(r.len() <= limit, "{} results for limit {limit}", r.len());
    for e in r.iter() {
        assert!(system.is_none_or(|s| s == e.system));
        assert!(as_of.is_none_or(|d| e.is_valid_on(d)));
    }
    if r.mode == SearchMode::CodePrefix {
        assert!(r
            .windows(2)
            .all(|w| (w[0].code, w[0].system) < (w[1].code, w[1].system)));
    }
});
