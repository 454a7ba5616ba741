//! The NCCI check (O(n log n): lines grouped by day and code, each code's
//! edits looked up once per day) gives exactly what the line-against-line
//! model gives, on random edit tables and documents (issue 12, item 10).

use chrono::NaiveDate;
use procode::billing::{CodeLine, Problem, ProblemCode, ProblemDetail};
use procode::ncci::{is_ncci_modifier, ModifierIndicator, MueAdjudication, NcciBuilder, NcciEdits};
use procode::CodeSystem;
use proptest::prelude::*;

const CODES: [&str; 6] = ["10021", "10030", "10035", "10040", "10060", "10061"];

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 3, d).unwrap()
}

fn when(dos: Option<NaiveDate>) -> String {
    match dos {
        Some(d) => format!("on {d}"),
        None => "on the same day".to_owned(),
    }
}

/// The check as it was written first: every line against every line of its
/// day, through the public lookups.
fn model(edits: &NcciEdits, lines: &[CodeLine], date: Option<NaiveDate>) -> Vec<Problem> {
    let mut items: Vec<(&CodeLine, Option<NaiveDate>)> = lines
        .iter()
        .filter(|l| matches!(l.system, CodeSystem::Hcpcs | CodeSystem::Cpt))
        .map(|l| (l, l.date_of_service.or(date)))
        .collect();
    items.sort_by_key(|it| it.1);
    let mut out = Vec::new();
    let mut start = 0;
    while start < items.len() {
        let mut end = start + 1;
        while end < items.len() && items[end].1 == items[start].1 {
            end += 1;
        }
        let d = &items[start..end];
        let dos = d[0].1;
        for (i, (a, _)) in d.iter().enumerate() {
            for (j, (b, _)) in d.iter().enumerate() {
                if i == j || (a.code == b.code && j < i) {
                    continue;
                }
                let records = edits.ptp(&a.code, &b.code).unwrap();
                let active = |e: &&procode::ncci::PtpEdit| match dos {
                    Some(day) => e.is_active_on(day),
                    None => e.deleted.is_none(),
                };
                let strict = records
                    .iter()
                    .filter(active)
                    .find(|e| e.modifier_indicator == ModifierIndicator::NotAllowed);
                let loose = records
                    .iter()
                    .filter(active)
                    .find(|e| e.modifier_indicator == ModifierIndicator::Allowed);
                let Some(edit) = strict.or(loose).cloned() else {
                    continue;
                };
                let can_clear = edit.modifier_indicator == ModifierIndicator::Allowed;
                if can_clear && b.modifiers.iter().any(is_ncci_modifier) {
                    continue;
                }
                let (c1, c2) = (a.code, b.code);
                let how = if can_clear {
                    format!(
                        "modifier indicator 1: an NCCI-associated modifier (59, XE, XS, XP, XU, …) on line {} allows the pair when the services are distinct",
                        b.id
                    )
                } else {
                    "modifier indicator 0: no modifier allows the pair".to_owned()
                };
                out.push(
                    Problem::new(ProblemCode::NcciPtpConflict, Some(b.id.clone()), format!(
                        "{c2} (line {}) is not billable with {c1} (line {}) {}: NCCI PTP edit, column 1 {c1} / column 2 {c2} ({}); {how}",
                        b.id,
                        a.id,
                        when(dos),
                        edit.rationale
                    ))
                    .with_detail(Some(ProblemDetail::PtpConflict {
                        column1_line: a.id.clone(),
                        column2_line: b.id.clone(),
                        date_of_service: dos,
                        modifier_can_clear: can_clear,
                        edit,
                    })),
                );
            }
        }
        let mut done = Vec::new();
        for (i, (a, _)) in d.iter().enumerate() {
            if done.contains(&a.code) {
                continue;
            }
            let Some(m) = edits.mue(&a.code).unwrap() else {
                continue;
            };
            if let (Some(x), Some(e)) = (dos, m.effective) {
                if x < e {
                    continue;
                }
            }
            let mut report = |units: u64, ids: Vec<String>| {
                let scope = if m.mai.per_line() {
                    format!("MAI 1: per line, line {}", ids.join(", "))
                } else {
                    format!(
                        "MAI {}: per date of service, line{} {}",
                        m.mai,
                        if ids.len() == 1 { "" } else { "s" },
                        ids.join(", ")
                    )
                };
                out.push(
                    Problem::new(
                        ProblemCode::MueExceeded,
                        Some(ids[0].clone()),
                        format!(
                            "{units} units of {} {} exceed its MUE of {} ({scope}; {})",
                            a.code,
                            when(dos),
                            m.units,
                            m.rationale
                        ),
                    )
                    .with_detail(Some(ProblemDetail::MueExceeded {
                        code: a.code,
                        date_of_service: dos,
                        mue: m.units,
                        mai: m.mai,
                        units,
                        lines: ids,
                        rationale: m.rationale.clone(),
                    })),
                );
            };
            if m.mai == MueAdjudication::Line {
                if a.units > m.units {
                    report(u64::from(a.units), vec![a.id.clone()]);
                }
                continue;
            }
            done.push(a.code);
            let same: Vec<_> = d[i..].iter().filter(|(b, _)| b.code == a.code).collect();
            let units: u64 = same.iter().map(|(b, _)| u64::from(b.units)).sum();
            if units > u64::from(m.units) {
                report(units, same.iter().map(|(b, _)| b.id.clone()).collect());
            }
        }
        start = end;
    }
    let pos = |p: &Problem| {
        p.line_id
            .as_deref()
            .and_then(|id| lines.iter().position(|l| l.id == id))
    };
    out.sort_by_key(|p| (p.code != ProblemCode::NcciPtpConflict, pos(p)));
    out
}

fn ptp_row() -> impl Strategy<Value = (usize, usize, Option<u32>, u8)> {
    (
        0..CODES.len(),
        0..CODES.len(),
        proptest::option::of(1u32..28),
        prop_oneof![Just(0u8), Just(1), Just(9)],
    )
}

fn line() -> impl Strategy<Value = (usize, u32, bool, Option<u32>, u8)> {
    (
        0..CODES.len() + 1,
        1u32..5,
        any::<bool>(),
        proptest::option::of(prop_oneof![Just(5u32), Just(10), Just(20)]),
        0u8..8,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn grouped_check_equals_the_line_against_line_model(
        ptp in proptest::collection::vec(ptp_row(), 0..14),
        mue in proptest::collection::vec((0..CODES.len(), 0u32..4, 1u8..4, proptest::option::of(1u32..28)), 0..6),
        lines in proptest::collection::vec(line(), 0..30),
        doc_date in proptest::option::of(Just(day(10))),
    ) {
        let mut table = String::from("column1\tcolumn2\tdeletion_date\tmodifier_indicator\trationale\n");
        let mut rows_seen = Vec::new();
        for (a, b, deleted, mi) in &ptp {
            // One record per pair and deletion date (the builder refuses
            // repeats); several dates per pair stay, as in CMS's extract.
            if rows_seen.contains(&(a, b, deleted)) {
                continue;
            }
            rows_seen.push((a, b, deleted));
            let deleted = deleted.map_or("9999-12-31".to_owned(), |d| day(d).to_string());
            table.push_str(&format!("{}\t{}\t{deleted}\t{mi}\trationale {a}-{b}\n", CODES[*a], CODES[*b]));
        }
        let mut mues = String::from("code\tmue\tmai\trationale\teffective_date\n");
        let mut seen = Vec::new();
        for (c, units, mai, eff) in &mue {
            if seen.contains(c) {
                continue;
            }
            seen.push(*c);
            let eff = eff.map(|d| day(d).to_string()).unwrap_or_default();
            mues.push_str(&format!("{}\t{units}\t{mai}\tmue {c}\t{eff}\n", CODES[*c]));
        }
        let mut b = NcciBuilder::new();
        // Random tables may repeat a row, which the builder refuses: such a
        // case says nothing about the check.
        if b.read_ptp("ptp.tsv", table.as_bytes()).is_err() || b.read_mue("mue.tsv", mues.as_bytes()).is_err() {
            return Ok(());
        }
        let Ok(bytes) = b.build() else {
            return Ok(());
        };
        let edits = NcciEdits::from_bytes(bytes).unwrap();
        let lines: Vec<CodeLine> = lines
            .iter()
            .enumerate()
            .map(|(i, (c, units, mod59, dos, id))| {
                let code = CODES.get(*c).copied().unwrap_or("10099");
                let mut l = CodeLine::manual(CodeSystem::Cpt, code, "x").unwrap();
                // Ids repeat now and then: problems are ordered by the first
                // line with the id, as before.
                l.id = if *id == 0 { "LX".to_owned() } else { format!("L{i}") };
                l.units = *units;
                if *mod59 {
                    l = l.with_modifiers(["59"]).unwrap();
                }
                l.date_of_service = dos.map(day);
                l
            })
            .collect();
        let fast = edits.check_lines(&lines, doc_date).unwrap();
        let slow = model(&edits, &lines, doc_date);
        if std::env::var_os("PROCODE_PROP_STATS").is_some() { eprintln!("stats: {} problems", fast.len()); }
        prop_assert_eq!(fast, slow);
    }
}
