//! Error messages and readiness problems never echo patient data: a message
//! names documents by kind and id and quotes only the value the caller passed
//! for the field at fault — never the client id, payer id, service name,
//! line descriptions or the editing user of the document.

use crate::billing_common;
use crate::claim_follow;

use billing_common::{at, catalog, day, usd};
use claim_follow::readiness;
use procode::billing::{
    BookingRequest, CodeLine, EditBatch, Editor, Encounter, LineChanges, Money, Payment, Pricing,
    Service,
};
use procode::CodeSystem;

/// Patient-ish strings planted in the documents.
const SECRETS: [&str; 5] = [
    "JANE-DOE-CLIENT-4711",
    "SECRET-PAYER-0815",
    "Therapy for Jane Doe",
    "Jane Doe disclosed",
    "clerk-jdoe",
];

struct Messages(Vec<String>);

impl Messages {
    fn err<T, E: std::fmt::Display>(&mut self, r: Result<T, E>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e.to_string());
                None
            }
        }
    }
}

fn pay(id: &str, amount: &str, currency: &str) -> Payment {
    Payment::new(id, Money::parse(amount, currency).unwrap(), at(4, 9))
}

#[test]
fn messages_never_echo_patient_data() {
    let ed = Editor::new(SECRETS[4], at(3, 9));
    let mut m = Messages(Vec::new());
    let counseling = |units: u32| {
        CodeLine::manual(CodeSystem::Hcpcs, "H0004", SECRETS[3])
            .unwrap()
            .with_units(units)
            .unwrap()
    };
    let unknown = CodeLine::manual(CodeSystem::Hcpcs, "Z9999", SECRETS[3])
        .unwrap()
        .with_modifiers(["Q9"])
        .unwrap()
        .with_diagnoses(["F41"])
        .unwrap()
        .with_place_of_service("98")
        .unwrap();
    let mut svc = Service::new("SVC-1", SECRETS[2], usd("120.00")).with_paid_in_advance(true);
    m.err(svc.edit(&EditBatch::new().add(counseling(2)).add(unknown), &ed));
    m.err(svc.edit(&EditBatch::new().remove("L99"), &ed));
    m.err(svc.edit(
        &EditBatch::new().edit("L1", LineChanges::default().units(0)),
        &ed,
    ));
    m.err(svc.edit(&EditBatch::new().add(counseling(1).with_id("L1")), &ed));

    let req =
        |id: &str| BookingRequest::new(id, SECRETS[0], day(2025, 3, 3)).with_payer(SECRETS[1]);
    // A paid-in-advance booking without invoice id.
    m.err(Encounter::book(&svc, req("S-0"), Pricing::none()));
    let mut enc =
        Encounter::book(&svc, req("S-1").with_invoice_id("INV-1"), Pricing::none()).unwrap();
    for p in readiness(enc.session(), catalog(), None) {
        m.0.push(p.to_string());
    }
    m.err(enc.review(&EditBatch::new().remove("L42"), &ed));
    m.err(enc.confirm(Some(pay("P0", "0", "USD"))));
    m.err(enc.confirm(Some(pay("P1", "99999", "USD"))));
    m.err(enc.confirm(Some(pay("P1", "10", "EUR"))));
    m.err(enc.confirm(Some(pay("P1", "50", "USD"))));
    m.err(enc.record_payment(pay("P1", "1", "USD")));
    m.err(enc.confirm(None));
    m.err(enc.no_show());
    m.err(enc.complete(&EditBatch::new().remove("L77"), &ed, Some("INV-2")));
    m.err(enc.complete(&EditBatch::new(), &ed, Some("INV-2")));
    m.err(enc.complete(&EditBatch::new(), &ed, Some("INV-2")));
    m.err(enc.cancel());
    m.err(enc.edit_invoice(&EditBatch::new().remove("L1").remove("L2"), &ed));
    m.err(enc.void_invoice());
    m.err(enc.send_invoice());
    m.err(enc.record_payment(pay("P2", "100000", "USD")));
    if let Some(inv) = enc.invoice() {
        for p in readiness(inv, catalog(), None) {
            m.0.push(p.to_string());
        }
    }
    // A service without codes, and a booking that needs an invoice to complete.
    let plain = Service::new("SVC-2", SECRETS[2], usd("80.00"));
    for p in readiness(&plain, catalog(), None) {
        m.0.push(p.to_string());
    }
    let mut enc = Encounter::book(&plain, req("S-3"), Pricing::none()).unwrap();
    m.err(enc.complete(&EditBatch::new(), &ed, None));
    m.err(enc.send_invoice());
    m.err(enc.record_payment(pay("P3", "1", "USD")));
    m.err(enc.review(
        &EditBatch::new().edit("L1", LineChanges::default().units(0)),
        &ed,
    ));

    // Bad JSON that carries the secrets in other fields.
    let json = format!(
        r#"{{"kind":"session","id":"S-9","client_id":"{}","service_id":"X","date":"2025-13-01","payer_id":"{}"}}"#,
        SECRETS[0], SECRETS[1]
    );
    m.err(serde_json::from_str::<procode::billing::Document>(&json));

    assert!(m.0.len() >= 20, "too few messages: {:#?}", m.0);
    for msg in &m.0 {
        for s in SECRETS {
            assert!(!msg.contains(s), "{msg:?} echoes {s:?}");
        }
    }
}
