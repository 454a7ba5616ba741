//! The CMS-1500 (02/12) paper claim as a box map.

use chrono::NaiveDate;
use serde_json::{json, Map, Value};

use super::ascii::x12_text;
use super::context::{
    Address, ClaimContext, ClaimFilingIndicator, Npi, PersonName, ProviderName, Relationship,
    TaxNumber, Zip,
};
use super::{prepare, Checked, ClaimPart, PartLine, Result, LINES_PER_PAGE};
use crate::billing::{BillingDocument, CodeSource, Currency};

const LETTERS: &[u8; 12] = b"ABCDEFGHIJKL";

fn name(n: &PersonName) -> String {
    let mut s = format!("{}, {}", x12_text(&n.last), x12_text(&n.first));
    if let Some(m) = n.middle.as_deref().map(x12_text).filter(|m| !m.is_empty()) {
        s.push_str(", ");
        s.push_str(&m);
    }
    if let Some(x) = n.suffix.as_deref().map(x12_text).filter(|x| !x.is_empty()) {
        s.push(' ');
        s.push_str(&x);
    }
    s
}

fn date(d: NaiveDate) -> String {
    d.format("%m %d %Y").to_string()
}

fn short_date(d: NaiveDate) -> String {
    d.format("%m %d %y").to_string()
}

fn amount(d: rust_decimal::Decimal) -> String {
    Currency::Usd.round(d).to_string()
}

fn put_address(b: &mut Map<String, Value>, box_: &str, a: &Address, zip: &Zip) {
    let mut street = x12_text(&a.line1);
    if let Some(l) = a.line2.as_deref().map(x12_text).filter(|l| !l.is_empty()) {
        street.push(' ');
        street.push_str(&l);
    }
    b.insert(format!("{box_}_street"), json!(street));
    b.insert(format!("{box_}_city"), json!(x12_text(&a.city)));
    b.insert(
        format!("{box_}_state"),
        json!(a.state.trim().to_ascii_uppercase()),
    );
    b.insert(format!("{box_}_zip"), json!(zip.dashed()));
}

/// Box 1, the kind of insurance.
fn insurance_type(f: ClaimFilingIndicator) -> &'static str {
    use ClaimFilingIndicator::*;
    match f {
        MedicarePartA | MedicarePartB => "medicare",
        Medicaid => "medicaid",
        Champus => "tricare",
        VeteransAffairs => "champva",
        OtherNonFederal | Ppo | PointOfService | Epo | Indemnity | HmoMedicareRisk
        | DentalMaintenance | BlueCrossBlueShield | Commercial | Hmo | FederalEmployees => {
            "group_health_plan"
        }
        _ => "other",
    }
}

/// Box 6.
fn relationship(r: Relationship) -> &'static str {
    match r {
        Relationship::SelfInsured => "self",
        Relationship::Spouse | Relationship::LifePartner => "spouse",
        Relationship::Child => "child",
        _ => "other",
    }
}

/// The CMS-1500 (02/12) box map (JSON, one line, keys sorted):
/// `{"form": "CMS-1500 (02/12)", "pages": [{"page": 1, "of": n, "boxes": {...}}]}`.
/// Six service lines per page; each page has its own box 21 (the
/// diagnoses its lines point at, A–L, without the dot), 24E pointer
/// letters and box 28 total. Refuses a document or context with problems
/// ([`check`](super::check)).
///
/// # Example
/// ```
/// use procode::billing::Document;
/// use procode::claim::{cms1500, ClaimContext, EXAMPLE_CONTEXT, EXAMPLE_INVOICE};
/// # let Ok(catalog) = procode::Catalog::embedded() else { return };
/// let doc: Document = serde_json::from_str(EXAMPLE_INVOICE).unwrap();
/// let ctx = ClaimContext::from_json(EXAMPLE_CONTEXT).unwrap();
/// let form: serde_json::Value = serde_json::from_str(&cms1500(&doc, &ctx, &catalog).unwrap()).unwrap();
/// let boxes = &form["pages"][0]["boxes"];
/// assert_eq!(boxes["21B"], "Z1331");
/// assert_eq!(boxes["24"][1]["24E"], "AB");
/// assert_eq!(boxes["28"], "145.50");
/// assert_eq!(boxes["33a"], "1245319599");
/// ```
pub fn cms1500<D, S>(doc: &D, ctx: &ClaimContext, source: &S) -> Result<String>
where
    D: BillingDocument + ?Sized,
    S: CodeSource + ?Sized,
{
    let c = prepare(doc, ctx, source)?;
    let pages = c.parts(LINES_PER_PAGE);
    let of = pages.len();
    let out: Vec<Value> = pages
        .iter()
        .enumerate()
        .map(|(i, page)| {
            let mut b = Map::new();
            patient_boxes(&mut b, &c);
            claim_boxes(&mut b, &c, page);
            provider_boxes(&mut b, &c, page);
            json!({"page": i + 1, "of": of, "boxes": b})
        })
        .collect();
    Ok(json!({"form": "CMS-1500 (02/12)", "pages": out}).to_string())
}

/// Boxes 1 to 13: the insurance, the patient and the insured.
fn patient_boxes(b: &mut Map<String, Value>, c: &Checked<'_>) {
    let ctx = c.ctx;
    let sub = &ctx.subscriber;
    let parties = &c.parties;
    b.insert(
        "1".into(),
        json!(insurance_type(ctx.payer.claim_filing_indicator)),
    );
    b.insert("1a".into(), json!(x12_text(&sub.member_id)));
    let p = c.patient();
    b.insert("2".into(), json!(name(p.name)));
    b.insert("3_birth_date".into(), json!(date(p.birth_date)));
    b.insert("3_sex".into(), json!(p.sex.as_str()));
    b.insert("4".into(), json!(name(&sub.name)));
    put_address(b, "5", p.address, p.zip);
    b.insert("6".into(), json!(relationship(ctx.relationship)));
    put_address(b, "7", &sub.address, &parties.subscriber_zip);
    if let Some(g) = &sub.group_number {
        b.insert("11".into(), json!(x12_text(g)));
    }
    b.insert("11a_birth_date".into(), json!(date(sub.birth_date)));
    b.insert("11a_sex".into(), json!(sub.sex.as_str()));
    b.insert("11c".into(), json!(x12_text(&ctx.payer.name)));
    b.insert("11d".into(), json!("no"));
    b.insert("12".into(), json!("SIGNATURE ON FILE"));
    b.insert("13".into(), json!("SIGNATURE ON FILE"));
}

/// Boxes 21 to 24: the page's diagnoses, the resubmission, the prior
/// authorization and the service lines.
fn claim_boxes(b: &mut Map<String, Value>, c: &Checked<'_>, page: &ClaimPart<'_, '_>) {
    let ctx = c.ctx;
    b.insert("21_indicator".into(), json!("0"));
    for (d, &letter) in page.diagnoses.iter().zip(LETTERS) {
        b.insert(format!("21{}", letter as char), json!(d.as_str()));
    }
    if ctx.frequency.resubmits() {
        b.insert("22_code".into(), json!(ctx.frequency.code()));
        if let Some(n) = &ctx.original_claim_number {
            b.insert("22_original_ref".into(), json!(x12_text(n)));
        }
    }
    if let Some(a) = &ctx.prior_authorization {
        b.insert("23".into(), json!(x12_text(a)));
    }
    let rendering_npi = c.rendering().map(|(_, npi)| npi);
    let lines: Vec<Value> = page
        .lines
        .iter()
        .enumerate()
        .map(|(n, pl)| line_boxes(n + 1, pl, rendering_npi))
        .collect();
    b.insert("24".into(), Value::Array(lines));
}

/// Box 24, one service line numbered `n`.
fn line_boxes(n: usize, pl: &PartLine<'_, '_>, rendering_npi: Option<&Npi>) -> Value {
    let l = pl.claim;
    let mut line = Map::new();
    line.insert("line".into(), json!(n));
    line.insert("24A_from".into(), json!(short_date(l.date)));
    line.insert("24A_to".into(), json!(short_date(l.date)));
    line.insert("24B".into(), json!(l.pos.as_str()));
    line.insert("24D_code".into(), json!(l.line.code.as_str()));
    if !l.line.modifiers.is_empty() {
        let m: Vec<&str> = l.line.modifiers.iter().map(|m| m.as_str()).collect();
        line.insert("24D_modifiers".into(), json!(m));
    }
    let letters: String = pl
        .pointers
        .iter()
        .filter_map(|p| LETTERS.get(p.wrapping_sub(1)))
        .map(|&b| b as char)
        .collect();
    line.insert("24E".into(), json!(letters));
    line.insert("24F".into(), json!(amount(l.charge)));
    line.insert("24G".into(), json!(l.line.units.to_string()));
    if let Some(npi) = rendering_npi {
        line.insert("24J".into(), json!(npi.as_str()));
    }
    Value::Object(line)
}

/// Boxes 25 to 33: the tax id, the account, the page total and the
/// providers.
fn provider_boxes(b: &mut Map<String, Value>, c: &Checked<'_>, page: &ClaimPart<'_, '_>) {
    let parties = &c.parties;
    let bp = &c.ctx.billing_provider;
    b.insert("25".into(), json!(parties.tax.digits()));
    b.insert(
        "25_type".into(),
        json!(match parties.tax {
            TaxNumber::Ein(_) => "EIN",
            TaxNumber::Ssn(_) => "SSN",
        }),
    );
    b.insert("26".into(), json!(x12_text(&c.id)));
    b.insert("27".into(), json!("yes"));
    b.insert("28".into(), json!(amount(page.total)));
    if let Some((r, _)) = c.rendering() {
        b.insert("31".into(), json!(name(&r.name)));
    }
    let bname = match &bp.name {
        ProviderName::Organization(n) => x12_text(n),
        ProviderName::Person(n) => name(n),
    };
    b.insert("33".into(), json!(bname));
    put_address(b, "33", &bp.address, &parties.billing_zip);
    b.insert("33a".into(), json!(parties.billing_npi.as_str()));
    if let Some(t) = &bp.taxonomy {
        b.insert(
            "33b".into(),
            json!(format!("ZZ{}", t.trim().to_ascii_uppercase())),
        );
    }
}
