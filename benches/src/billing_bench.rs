//! The billing row of the report: one 10-edit batch applied to a draft invoice
//! under booking review, then the readiness check of the invoice.

use chrono::{NaiveDate, TimeZone, Utc};
use procode::billing::{
    readiness, BookingRequest, CodeLine, EditBatch, Editor, Encounter, LineChanges, Money, Pricing,
    Service,
};
use procode::{Catalog, CodeSystem};

/// An encounter under booking review, the batch to apply and the editor.
pub struct BillingFixture {
    /// A paid-in-advance booking with a draft invoice of two lines.
    pub encounter: Encounter,
    /// Four adds, four edits and two removes.
    pub batch: EditBatch,
    /// Who applies it, when.
    pub editor: Editor<'static>,
}

fn line(catalog: &Catalog, code: &str, dx: &str) -> CodeLine {
    let e = catalog
        .lookup(code, Some(CodeSystem::Hcpcs), None)
        .expect("the catalog reads")
        .unwrap_or_else(|| panic!("{code} is in the embedded catalog"));
    CodeLine::from_entry(&e)
        .with_diagnoses([dx])
        .expect("a valid diagnosis")
        .with_place_of_service("11")
        .expect("a valid place of service")
}

impl BillingFixture {
    /// Builds the fixture on real codes of `catalog`.
    pub fn new(catalog: &Catalog) -> BillingFixture {
        // A date of service inside the newest HCPCS quarter held (October
        // 2025) and an ICD-10-CM fiscal year held, so the code sets are
        // current and readiness has nothing to say (see `tests/fixtures.rs`).
        let at = Utc.with_ymd_and_hms(2025, 11, 1, 9, 0, 0).unwrap();
        let editor = Editor::new("bench", at);
        let price = Money::parse("120", "USD").expect("money");
        let mut svc = Service::new("SVC-1", "Counseling", price).with_paid_in_advance(true);
        svc.edit(
            &EditBatch::new()
                .add(line(catalog, "H0004", "F41.1"))
                .add(line(catalog, "G0444", "F32.9")),
            &editor,
        )
        .expect("service codes");
        let day = NaiveDate::from_ymd_opt(2025, 11, 3).unwrap();
        let req = BookingRequest::new("S-1", "C-9", day).with_invoice_id("INV-7");
        let encounter = Encounter::book(&svc, req, Pricing::none()).expect("booking");
        let mut batch = EditBatch::new();
        for (code, dx) in [
            ("G0438", "Z00.00"),
            ("G0439", "Z00.00"),
            ("G0442", "F10.10"),
            ("G0443", "F10.10"),
        ] {
            batch = batch.add(line(catalog, code, dx));
        }
        for id in ["L1", "L2", "L3", "L4"] {
            batch = batch.edit(id, LineChanges::default().units(2));
        }
        batch = batch.remove("L5").remove("L6");
        BillingFixture {
            encounter,
            batch,
            editor,
        }
    }

    /// Applies the batch to a copy of the encounter and checks readiness;
    /// returns the number of problems (the fixture is ready: zero).
    pub fn run(&self, catalog: &Catalog) -> usize {
        let mut enc = self.encounter.clone();
        enc.review(&self.batch, &self.editor)
            .expect("the batch applies");
        readiness(enc.invoice().expect("an invoice"), catalog, None).len()
    }

    /// The cost of the copy alone (subtracted from the figure).
    pub fn copy_only(&self) -> usize {
        self.encounter.clone().session().lines().len()
    }
}
