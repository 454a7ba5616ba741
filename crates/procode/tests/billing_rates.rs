//! Fee schedules: CSV/TSV loading and its errors, resolution order with the
//! source of every rate, and rounding.

use crate::billing_common;

use billing_common::{at, day, entry, money, usd};
use procode::billing::*;
use procode::CodeSystem;
use rust_decimal::Decimal;

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn load(id: &str, payer: Option<&str>, text: &str) -> Result<FeeSchedule, RateError> {
    FeeSchedule::from_reader(
        id,
        payer.map(Into::into),
        Currency::Usd,
        "fees.csv",
        text.as_bytes(),
        b',',
    )
}

fn schedules() -> Vec<FeeSchedule> {
    vec![
        load(
            "AETNA-2025",
            Some("AETNA"),
            "code,modifiers,rate,effective,terminated\n\
             H0004,HO GT,31.00,2025-01-01,\n\
             H0004,,29.00,2025-01-01,2025-06-30\n",
        )
        .unwrap(),
        load("STD", None, "code,rate\nH0004,25.00\nG0444,20.00\n").unwrap(),
        FeeSchedule::from_reader(
            "EUR",
            None,
            Currency::Eur,
            "eur.csv",
            "code,rate\nG0438,99\n".as_bytes(),
            b',',
        )
        .unwrap(),
    ]
}

fn h0004(mods: &[&str]) -> CodeLine {
    CodeLine::from_entry(&entry(CodeSystem::Hcpcs, "H0004"))
        .with_modifiers(mods.iter().copied())
        .unwrap()
}

#[test]
fn resolution_order_and_sources() {
    let s = schedules();
    let p = Pricing::new(&s);
    let march = Some(day(2025, 3, 3));
    let price = Some(usd("120"));
    let r = |line: &CodeLine, payer: Option<&str>, date| {
        let ctx = RateContext::new(Currency::Usd)
            .payer(payer)
            .date(date)
            .service_price(price);
        p.resolve(line, &ctx).unwrap()
    };

    // Override wins over everything.
    let o = h0004(&["HO", "GT"]).with_rate_override(dec("40")).unwrap();
    assert_eq!(r(&o, Some("AETNA"), march).source, RateSource::Override);
    // Payer, code + modifiers (as a set, in any order).
    let got = r(&h0004(&["GT", "HO"]), Some("AETNA"), march);
    assert_eq!(
        (got.per_unit, got.source),
        (
            dec("31.00"),
            RateSource::PayerSchedule {
                schedule_id: "AETNA-2025".into(),
                entry: "H0004:HO:GT".into()
            }
        )
    );
    // Payer, code alone.
    let got = r(&h0004(&["HO"]), Some("AETNA"), march);
    assert_eq!(
        (got.per_unit, got.source),
        (
            dec("29.00"),
            RateSource::PayerSchedule {
                schedule_id: "AETNA-2025".into(),
                entry: "H0004".into()
            }
        )
    );
    // Payer entry out of its period: default schedule.
    let got = r(&h0004(&["HO"]), Some("AETNA"), Some(day(2025, 7, 1)));
    assert_eq!(
        (got.per_unit, got.source),
        (
            dec("25.00"),
            RateSource::DefaultSchedule {
                schedule_id: "STD".into(),
                entry: "H0004".into()
            }
        )
    );
    // Another payer: default schedule.
    assert_eq!(
        r(&h0004(&[]), Some("CIGNA"), march).source,
        RateSource::DefaultSchedule {
            schedule_id: "STD".into(),
            entry: "H0004".into()
        }
    );
    // A line's own date of service beats the document's.
    let dated = h0004(&[]).with_date_of_service(day(2025, 7, 1));
    assert_eq!(r(&dated, Some("AETNA"), march).per_unit, dec("25.00"));
    // No schedule entry: the service price. EUR schedules are ignored for USD.
    let g0438 = CodeLine::from_entry(&entry(CodeSystem::Hcpcs, "G0438"));
    assert_eq!(
        r(&g0438, Some("AETNA"), march),
        Rate {
            per_unit: dec("120.00"),
            source: RateSource::ServicePrice
        }
    );
    // Nothing at all: unresolved.
    let usd = RateContext::new(Currency::Usd).date(march);
    assert_eq!(p.resolve(&g0438, &usd), None);
    let eur = RateContext::new(Currency::Eur).date(march);
    assert_eq!(p.resolve(&g0438, &eur).unwrap().per_unit, dec("99"));
}

#[test]
fn rates_are_resolved_when_lines_enter_a_document_and_totals_add_up() {
    let s = schedules();
    let ed = Editor::new("billing", at(3, 9)).with_pricing(Pricing::new(&s));
    let mut inv = Invoice::new(
        "INV-1",
        "S-1",
        day(2025, 3, 3),
        usd("120"),
        Some("AETNA".into()),
    );
    inv.edit(
        &EditBatch::new()
            .add(h0004(&["HO", "GT"]).with_units(3).unwrap())
            .add(CodeLine::from_entry(&entry(CodeSystem::Hcpcs, "G0444"))),
        &ed,
    )
    .unwrap();
    assert_eq!(inv.lines()[0].amount(Currency::Usd), Some(dec("93.00")));
    assert_eq!(inv.lines()[1].amount(Currency::Usd), Some(dec("20.00")));
    assert_eq!(inv.total(), usd("113.00"));
    // Dropping a modifier re-resolves to the code-alone entry.
    inv.edit(
        &EditBatch::new().edit("L1", LineChanges::default().modifiers(["HO"]).unwrap()),
        &ed,
    )
    .unwrap();
    assert_eq!(inv.lines()[0].rate.as_ref().unwrap().per_unit, dec("29.00"));
    // An override sticks through later edits, until re-resolved.
    inv.edit(
        &EditBatch::new().edit("L1", LineChanges::default().rate_override(dec("10"))),
        &ed,
    )
    .unwrap();
    inv.edit(
        &EditBatch::new().edit(
            "L1",
            LineChanges::default().modifiers(["HO", "GT"]).unwrap(),
        ),
        &ed,
    )
    .unwrap();
    assert_eq!(
        inv.lines()[0].rate.as_ref().unwrap().source,
        RateSource::Override
    );
    inv.edit(
        &EditBatch::new().edit("L1", LineChanges::default().resolve_rate()),
        &ed,
    )
    .unwrap();
    assert_eq!(inv.lines()[0].rate.as_ref().unwrap().per_unit, dec("31.00"));
}

#[test]
fn rounding_half_away_from_zero_to_the_minor_unit() {
    let r = |s: &str| Rate::overridden(dec(s)).unwrap();
    assert_eq!(r("0.125").amount(1, Currency::Usd), dec("0.13"));
    assert_eq!(r("0.124").amount(1, Currency::Usd), dec("0.12"));
    assert_eq!(r("33.335").amount(3, Currency::Usd), dec("100.01")); // 100.005
    assert_eq!(r("0.5").amount(5, Currency::Jpy), dec("3")); // 2.5
    assert_eq!(r("1499.5").amount(1, Currency::Jpy), dec("1500"));
    assert_eq!(r("10.005").amount(1, Currency::Eur).to_string(), "10.01");
    assert!(Rate::overridden(dec("-1")).is_err());

    // The total is the exact sum of rounded line amounts, not the rounded sum.
    let ed = Editor::new("billing", at(3, 9));
    let mut inv = Invoice::new(
        "INV-1",
        "S-1",
        day(2025, 3, 3),
        money("1000", Currency::Jpy),
        None,
    );
    let line = || {
        CodeLine::from_entry(&entry(CodeSystem::Hcpcs, "G0444"))
            .with_rate_override(dec("0.5"))
            .unwrap()
    };
    inv.edit(&EditBatch::new().add(line()).add(line()).add(line()), &ed)
        .unwrap();
    assert_eq!(inv.total(), money("3", Currency::Jpy)); // 1 + 1 + 1, not round(1.5)
    assert!("XYZ".parse::<Currency>().is_err());
    assert!(matches!(
        Money::parse("1", "BTC"),
        Err(MoneyError::UnknownCurrency { .. })
    ));
}

#[test]
fn csv_load_errors_name_line_and_column() {
    let err = |text: &str| load("S", None, text).unwrap_err().to_string();
    assert_eq!(
        err("code,rate\nH0004,30\nG0444,abc\n"),
        "fees.csv:3: column rate: \"abc\" is not a decimal amount (write it like 30.00)"
    );
    assert!(err("code,rate\nH0004,-3\n").starts_with("fees.csv:2: column rate:"));
    assert!(err("code,rate,effective\nH0004,3,2025-13-01\n")
        .starts_with("fees.csv:2: column effective:"));
    assert!(
        err("code,rate,effective,terminated\nH0004,3,2025-02-01,2025-01-01\n")
            .starts_with("fees.csv:2: column terminated:")
    );
    assert!(err("code,modifiers,rate\nH0004,HOX,3\n").starts_with("fees.csv:2: column modifiers:"));
    assert!(err("code,rate\nH00#4,3\n").starts_with("fees.csv:2: column code:"));
    assert!(err("code,price\nH0004,3\n").contains("missing column \"rate\""));
    // A misspelt column is refused, not ignored (issue 12, item 3).
    let typo = load("S", None, "code,modifers,rate\nH0004,HO,3\n").unwrap_err();
    assert!(
        matches!(&typo, RateError::UnknownColumn { column, .. } if column == "modifers"),
        "{typo}"
    );
    // A description column is allowed, and ignored.
    assert!(load("S", None, "code,description,rate\nH0004,Counseling,3\n").is_ok());
    assert!(err("code,rate\nH0004,3,extra\n").starts_with("fees.csv:2:"));
    let overlap = load(
        "S",
        None,
        "code,rate,effective\nH0004,3,\nH0004,4,2025-01-01\n",
    )
    .unwrap_err();
    assert!(
        matches!(overlap, RateError::Overlap { line: Some(3), .. }),
        "{overlap}"
    );
    // Non-overlapping periods of the same code are fine.
    let ok = load(
        "S",
        None,
        "code,rate,effective,terminated\nH0004,3,,2024-12-31\nH0004,4,2025-01-01,\n\n",
    )
    .unwrap();
    assert_eq!(ok.entries().len(), 2);
}

#[test]
fn tsv_files_load_by_extension() {
    let dir = std::env::temp_dir().join(format!("procode-billing-rates-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("aetna.tsv");
    std::fs::write(&path, "code\tmodifiers\trate\nH0004\tHO;GT\t31.00\n").unwrap();
    let s = FeeSchedule::from_path("AETNA", Some("AETNA".into()), Currency::Usd, &path).unwrap();
    assert_eq!(s.entries()[0].key(), "H0004:HO:GT");
    let missing =
        FeeSchedule::from_path("X", None, Currency::Usd, &dir.join("nope.csv")).unwrap_err();
    assert!(matches!(missing, RateError::Io { .. }));
    std::fs::remove_dir_all(&dir).unwrap();
    // Schedules round-trip through JSON.
    let back: FeeSchedule = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
    assert_eq!(back, s);
}
