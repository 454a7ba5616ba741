//! Property tests: random operation sequences never change a line of a paid
//! or void invoice, refused steps change nothing, totals always equal the
//! sum of line amounts, and every document survives a JSON round trip.

use crate::billing_common;

use billing_common::{at, day, entry, usd};
use procode::billing::*;
use procode::CodeSystem;
use proptest::prelude::*;
use rust_decimal::Decimal;

/// Real codes the random lines are made of.
fn pool(i: usize) -> CodeLine {
    let (code, dx, pos) = [
        ("H0004", "F41.1", "11"),
        ("G0444", "F32.9", "10"),
        ("G0438", "Z00.00", "11"),
        ("G0439", "Z00.00", "02"),
    ][i % 4];
    CodeLine::from_entry(&entry(CodeSystem::Hcpcs, code))
        .with_diagnoses([dx])
        .unwrap()
        .with_place_of_service(pos)
        .unwrap()
}

#[derive(Debug, Clone)]
enum LineOp {
    Add {
        pool: usize,
        units: u32,
        rate: Option<i64>,
    },
    Edit {
        line: u32,
        units: u32,
        modifiers: usize,
        rate: Option<i64>,
    },
    Remove {
        line: u32,
    },
}

#[derive(Debug, Clone)]
enum Step {
    Review(Vec<LineOp>),
    Confirm(Option<i64>),
    Cancel,
    NoShow,
    Complete(Vec<LineOp>),
    EditInvoice(Vec<LineOp>),
    Send,
    Pay(i64),
    PayBalance,
    ConfirmPaid,
    Void,
}

fn line_op() -> impl Strategy<Value = LineOp> {
    let rate = proptest::option::of(0i64..100_000);
    prop_oneof![
        (0usize..4, 0u32..5, rate.clone()).prop_map(|(pool, units, rate)| LineOp::Add {
            pool,
            units,
            rate
        }),
        (1u32..6, 0u32..5, 0usize..6, rate).prop_map(|(line, units, modifiers, rate)| {
            LineOp::Edit {
                line,
                units,
                modifiers,
                rate,
            }
        }),
        (1u32..6).prop_map(|line| LineOp::Remove { line }),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    let batch = || proptest::collection::vec(line_op(), 0..4);
    prop_oneof![
        batch().prop_map(Step::Review),
        proptest::option::of(1i64..120_000).prop_map(Step::Confirm),
        Just(Step::Cancel),
        Just(Step::NoShow),
        batch().prop_map(Step::Complete),
        batch().prop_map(Step::EditInvoice),
        Just(Step::Send),
        (1i64..120_000).prop_map(Step::Pay),
        Just(Step::PayBalance),
        Just(Step::ConfirmPaid),
        Just(Step::Void),
    ]
}

fn batch(ops: &[LineOp]) -> EditBatch {
    let mods: [&[&str]; 6] = [
        &[],
        &["HO"],
        &["GT"],
        &["HO", "GT"],
        &["GQ", "HE", "U1", "GT"],
        &["HE", "U1", "GT", "GQ", "HO"],
    ];
    let mut b = EditBatch::new();
    for op in ops {
        b = match op {
            LineOp::Add {
                pool: p,
                units,
                rate,
            } => {
                let mut l = pool(*p);
                l.units = *units;
                if let Some(r) = rate {
                    l = l.with_rate_override(Decimal::new(*r, 3)).unwrap();
                }
                b.add(l)
            }
            LineOp::Edit {
                line,
                units,
                modifiers,
                rate,
            } => {
                let mut c = LineChanges::default().units(*units);
                c.modifiers = Some(
                    mods[*modifiers]
                        .iter()
                        .map(|m| m.parse().unwrap())
                        .collect(),
                );
                if let Some(r) = rate {
                    c = c.rate_override(Decimal::new(*r, 3));
                }
                b.edit(format!("L{line}"), c)
            }
            LineOp::Remove { line } => b.remove(format!("L{line}")),
        };
    }
    b
}

fn cents(c: i64) -> Money {
    Money::new(Decimal::new(c, 2), Currency::Usd).unwrap()
}

/// Applies one step; returns whether it succeeded.
fn run(enc: &mut Encounter, step: &Step, ed: &Editor<'_>, n: usize) -> bool {
    let pay = |c: i64| Payment::new(format!("P{n}"), cents(c), at(5, 9));
    match step {
        Step::Review(ops) => enc.review(&batch(ops), ed).is_ok(),
        Step::Confirm(c) => enc.confirm(c.map(pay)).is_ok(),
        Step::Cancel => enc.cancel().is_ok(),
        Step::NoShow => enc.no_show().is_ok(),
        Step::Complete(ops) => enc.complete(&batch(ops), ed, Some("INV-C")).is_ok(),
        Step::EditInvoice(ops) => enc.edit_invoice(&batch(ops), ed).is_ok(),
        Step::Send => enc.send_invoice().is_ok(),
        Step::Pay(c) => enc.record_payment(pay(*c)).is_ok(),
        Step::PayBalance | Step::ConfirmPaid => {
            let balance = enc
                .invoice()
                .map(|i| i.balance().amount())
                .unwrap_or_default();
            let payment = Payment::new(
                format!("P{n}"),
                Money::new(balance, Currency::Usd).unwrap(),
                at(5, 9),
            );
            if matches!(step, Step::PayBalance) {
                enc.record_payment(payment).is_ok()
            } else {
                enc.confirm(Some(payment)).is_ok()
            }
        }
        Step::Void => enc.void_invoice().is_ok(),
    }
}

fn exact_sum(inv: &Invoice) -> Decimal {
    inv.lines()
        .iter()
        .filter_map(|l| {
            l.rate.as_ref().map(|r| {
                (r.per_unit * Decimal::from(l.units))
                    .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
            })
        })
        .sum()
}

fn round_trips(doc: Document) {
    let text = serde_json::to_string(&doc).unwrap();
    let back: Document = serde_json::from_str(&text).unwrap();
    assert_eq!(back, doc);
    assert_eq!(serde_json::to_string(&back).unwrap(), text);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn random_sequences_keep_every_invariant(
        paid_in_advance in any::<bool>(),
        service_lines in proptest::collection::vec((0usize..4, 1u32..4), 0..3),
        steps in proptest::collection::vec(step(), 1..25),
    ) {
        let ed = Editor::new("prop", at(5, 8));
        let mut svc = Service::new("SVC", "Random", usd("75.50")).with_paid_in_advance(paid_in_advance);
        let mut b = EditBatch::new();
        for (p, u) in &service_lines {
            b = b.add(pool(*p).with_units(*u).unwrap());
        }
        svc.edit(&b, &ed).unwrap();
        round_trips(Document::Service(svc.clone()));
        let req = BookingRequest::new("S", "C", day(2025, 5, 5)).with_invoice_id("INV-B");
        let mut enc = Encounter::book(&svc, req, Pricing::none()).unwrap();

        let mut locked: Option<(InvoiceState, Vec<CodeLine>)> = None;
        let mut ok_steps = 0;
        for (n, s) in steps.iter().enumerate() {
            let before = enc.clone();
            let ok = run(&mut enc, s, &ed, n);
            ok_steps += usize::from(ok);
            if !ok {
                prop_assert_eq!(&enc, &before, "refused {:?} changed the encounter", s);
            }
            if let Some(inv) = enc.invoice() {
                if let Some((state, lines)) = &locked {
                    prop_assert_eq!(inv.state(), *state, "a {} invoice changed state", state);
                    prop_assert_eq!(inv.lines(), &lines[..], "a {} invoice's lines changed after {:?}", state, s);
                } else if matches!(inv.state(), InvoiceState::Paid | InvoiceState::Void) {
                    locked = Some((inv.state(), inv.lines().to_vec()));
                }
                prop_assert_eq!(inv.total().amount(), exact_sum(inv));
                prop_assert_eq!(inv.balance().amount(), inv.total().amount() - inv.paid().amount());
                prop_assert!(inv.paid().amount() <= inv.total().amount());
                prop_assert!(inv.lines().iter().all(|l| l.units > 0 && l.modifiers.len() <= MAX_MODIFIERS));
                round_trips(Document::Invoice(inv.clone()));
            }
            round_trips(Document::Session(enc.session().clone()));
            let text = serde_json::to_string(&enc).unwrap();
            let back: Encounter = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(&back, &enc);
        }
        if std::env::var_os("PROCODE_PROP_STATS").is_some() {
            eprintln!("stats: ok_steps={ok_steps}/{} locked={:?}", steps.len(), locked.as_ref().map(|l| l.0));
        }
    }

    #[test]
    fn code_lines_round_trip(
        p in 0usize..4,
        units in 1u32..10_000,
        rate in proptest::option::of(0i64..1_000_000_000),
        scale in 0u32..6,
        desc in "\\PC{0,40}",
    ) {
        let mut l = pool(p).with_units(units).unwrap().with_description(desc).with_id("X-1");
        if let Some(r) = rate {
            l = l.with_rate_override(Decimal::new(r, scale)).unwrap();
        }
        let text = serde_json::to_string(&l).unwrap();
        let back: CodeLine = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(&back, &l);
        prop_assert_eq!(serde_json::to_string(&back).unwrap(), text);
    }
}
