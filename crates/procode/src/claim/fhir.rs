//! FHIR R4 `Claim` (professional), with its parties contained.

use chrono::SecondsFormat;
use rust_decimal::Decimal;
use serde_json::{json, Map, Value};

use super::context::{
    Address, ClaimContext, Frequency, PersonName, ProviderName, Relationship, Sex, TaxNumber, Zip,
};
use super::{prepare, Checked, ClaimPart, PartLine, Result, ICD};
use crate::billing::{BillingDocument, CodeSource};
use crate::code::CodeSystem;

/// HCPCS Level II.
pub const HCPCS_URI: &str = "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets";
/// CPT.
pub const CPT_URI: &str = "http://www.ama-assn.org/go/cpt";
/// ICD-10-CM.
pub const ICD10CM_URI: &str = "http://hl7.org/fhir/sid/icd-10-cm";
/// CMS place of service codes.
pub const POS_URI: &str =
    "https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set";
/// NPI.
pub const NPI_URI: &str = "http://hl7.org/fhir/sid/us-npi";
const EIN_URI: &str = "urn:oid:2.16.840.1.113883.4.4";
const SSN_URI: &str = "http://hl7.org/fhir/sid/us-ssn";
const TAXONOMY_URI: &str = "http://nucc.org/provider-taxonomy";

fn money(d: Decimal) -> Value {
    json!({"value": number(d), "currency": "USD"})
}

/// A FHIR decimal as a JSON number (amounts stay well inside f64's exact
/// range of short decimals).
fn number(d: Decimal) -> Value {
    let f: f64 = d.normalize().to_string().parse().unwrap_or_default();
    json!(f)
}

fn coding(system: &str, code: &str) -> Value {
    json!({"coding": [{"system": system, "code": code}]})
}

fn human_name(n: &PersonName) -> Value {
    let mut given = vec![n.first.trim().to_owned()];
    if let Some(m) = n.middle.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        given.push(m.to_owned());
    }
    let suffix: Vec<&str> = n.suffix.as_deref().map(str::trim).into_iter().collect();
    json!({"family": n.last.trim(), "given": given, "suffix": suffix})
}

fn address(a: &Address, zip: &Zip) -> Value {
    let mut lines = vec![a.line1.trim().to_owned()];
    if let Some(l) = a.line2.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        lines.push(l.to_owned());
    }
    json!({"line": lines, "city": a.city.trim(), "state": a.state.trim().to_ascii_uppercase(), "postalCode": zip.dashed(), "country": "US"})
}

fn gender(s: Sex) -> &'static str {
    match s {
        Sex::Female => "female",
        Sex::Male => "male",
        Sex::Unknown => "unknown",
    }
}

fn subscriber_relationship(r: Relationship) -> &'static str {
    match r {
        Relationship::SelfInsured => "self",
        Relationship::Spouse => "spouse",
        Relationship::Child => "child",
        Relationship::LifePartner => "common",
        _ => "other",
    }
}

fn reference(id: &str) -> Value {
    json!({"reference": format!("#{id}")})
}

/// Drops empty arrays, empty strings and nulls, recursively: FHIR forbids
/// them.
fn prune(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.values_mut().for_each(prune);
            map.retain(|_, v| !is_empty(v));
        }
        Value::Array(items) => {
            items.iter_mut().for_each(prune);
            items.retain(|v| !is_empty(v));
        }
        _ => {}
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// A FHIR id: letters, digits, `-` and `.`, at most 64.
fn fhir_id(s: &str) -> String {
    let mut id: String = s
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    id.truncate(64);
    id
}

/// The FHIR R4 `Claim` (JSON, one line, keys sorted) for `doc` with `ctx`.
/// The patient, billing provider, payer, rendering provider, subscriber (when
/// not the patient) and coverage are `contained`. Refuses a document or
/// context with problems ([`check`](super::check)).
///
/// # Example
/// ```
/// use procode::billing::Document;
/// use procode::claim::{fhir_claim, ClaimContext, EXAMPLE_CONTEXT, EXAMPLE_INVOICE};
/// # let Ok(catalog) = procode::Catalog::embedded() else { return };
/// let doc: Document = serde_json::from_str(EXAMPLE_INVOICE).unwrap();
/// let ctx = ClaimContext::from_json(EXAMPLE_CONTEXT).unwrap();
/// let claim: serde_json::Value = serde_json::from_str(&fhir_claim(&doc, &ctx, &catalog).unwrap()).unwrap();
/// assert_eq!(claim["resourceType"], "Claim");
/// assert_eq!(claim["diagnosis"][1]["diagnosisCodeableConcept"]["coding"][0]["code"], "Z13.31");
/// assert_eq!(claim["item"][1]["diagnosisSequence"], serde_json::json!([1, 2]));
/// assert_eq!(claim["total"]["value"], 145.5);
/// ```
pub fn fhir_claim<D, S>(doc: &D, ctx: &ClaimContext, source: &S) -> Result<String>
where
    D: BillingDocument + ?Sized,
    S: CodeSource + ?Sized,
{
    let checked = prepare(doc, ctx, source)?;
    let mut v = build(&checked, source);
    prune(&mut v);
    Ok(v.to_string())
}

/// Writes a checked claim (`source` gives the diagnoses' descriptions).
fn build<S: CodeSource + ?Sized>(c: &Checked<'_>, source: &S) -> Value {
    let ctx: &ClaimContext = c.ctx;
    let all = c.whole();
    let rendering = rendering_provider(c);
    let care_provider = if rendering.is_some() {
        "rendering-provider"
    } else {
        "billing-provider"
    };
    let mut contained = vec![patient(c), billing_provider(c)];
    contained.extend(rendering);
    contained.extend(coverage_parties(c));
    let related: Vec<Value> = match (&ctx.original_claim_number, ctx.frequency.resubmits()) {
        (Some(n), true) => vec![json!({
            "claim": {"identifier": {"value": n.trim()}},
            "relationship": coding("http://terminology.hl7.org/CodeSystem/ex-relatedclaimrelationship", "prior"),
        })],
        _ => Vec::new(),
    };
    let (first, last) = c.period;
    let id = &c.id;
    json!({
        "resourceType": "Claim",
        "id": fhir_id(id),
        "contained": contained,
        "identifier": [{"value": id.trim()}],
        "status": if ctx.frequency == Frequency::Void { "cancelled" } else { "active" },
        "type": coding("http://terminology.hl7.org/CodeSystem/claim-type", "professional"),
        "use": "claim",
        "patient": reference("patient"),
        "billablePeriod": {"start": first.to_string(), "end": last.to_string()},
        "created": ctx.created_at.to_rfc3339_opts(SecondsFormat::Secs, false),
        "provider": reference("billing-provider"),
        "priority": coding("http://terminology.hl7.org/CodeSystem/processpriority", "normal"),
        "related": related,
        "careTeam": [{
            "sequence": 1,
            "provider": reference(care_provider),
            "responsible": true,
            "role": coding("http://terminology.hl7.org/CodeSystem/claimcareteamrole", "primary"),
        }],
        "diagnosis": diagnoses(&all, source),
        "insurance": [{
            "sequence": 1,
            "focal": true,
            "coverage": reference("coverage"),
            "preAuthRef": ctx.prior_authorization.iter().map(|a| a.trim()).collect::<Vec<_>>(),
        }],
        "item": all.lines.iter().enumerate().map(|(i, pl)| item(i + 1, pl)).collect::<Vec<_>>(),
        "total": money(all.total),
    })
}

/// The contained `Patient`: the patient, or the subscriber when they are
/// the patient.
fn patient(c: &Checked<'_>) -> Value {
    let p = c.patient();
    json!({
        "resourceType": "Patient",
        "id": "patient",
        "name": [human_name(p.name)],
        "gender": gender(p.sex),
        "birthDate": p.birth_date.to_string(),
        "address": [address(p.address, p.zip)],
    })
}

/// A provider's taxonomy as FHIR qualifications.
fn taxonomy(t: &Option<String>) -> Vec<Value> {
    t.iter()
        .map(|t| json!({"code": coding(TAXONOMY_URI, &t.trim().to_ascii_uppercase())}))
        .collect()
}

/// The contained billing provider: an `Organization` or a `Practitioner`.
fn billing_provider(c: &Checked<'_>) -> Value {
    let bp = &c.ctx.billing_provider;
    let mut ids = vec![json!({"system": NPI_URI, "value": c.parties.billing_npi.as_str()})];
    ids.push(match &c.parties.tax {
        TaxNumber::Ein(d) => json!({"system": EIN_URI, "value": d}),
        TaxNumber::Ssn(d) => json!({"system": SSN_URI, "value": d}),
    });
    match &bp.name {
        ProviderName::Organization(n) => json!({
            "resourceType": "Organization",
            "id": "billing-provider",
            "identifier": ids,
            "active": true,
            "name": n.trim(),
            "address": [address(&bp.address, &c.parties.billing_zip)],
        }),
        ProviderName::Person(n) => json!({
            "resourceType": "Practitioner",
            "id": "billing-provider",
            "identifier": ids,
            "active": true,
            "name": [human_name(n)],
            "address": [address(&bp.address, &c.parties.billing_zip)],
            "qualification": taxonomy(&bp.taxonomy),
        }),
    }
}

/// The contained rendering provider, when the claim names one.
fn rendering_provider(c: &Checked<'_>) -> Option<Value> {
    let (r, npi) = c.rendering()?;
    Some(json!({
        "resourceType": "Practitioner",
        "id": "rendering-provider",
        "identifier": [{"system": NPI_URI, "value": npi.as_str()}],
        "active": true,
        "name": [human_name(&r.name)],
        "qualification": taxonomy(&r.taxonomy),
    }))
}

/// The contained payer, subscriber (when not the patient) and coverage.
fn coverage_parties(c: &Checked<'_>) -> Vec<Value> {
    let ctx = c.ctx;
    let sub = &ctx.subscriber;
    let is_self = ctx.patient_is_subscriber();
    let mut out = vec![json!({
        "resourceType": "Organization",
        "id": "payer",
        "identifier": [{"value": ctx.payer.id.trim()}],
        "active": true,
        "name": ctx.payer.name.trim(),
    })];
    if !is_self {
        out.push(json!({
            "resourceType": "RelatedPerson",
            "id": "subscriber",
            "patient": reference("patient"),
            "name": [human_name(&sub.name)],
            "gender": gender(sub.sex),
            "birthDate": sub.birth_date.to_string(),
            "address": [address(&sub.address, &c.parties.subscriber_zip)],
        }));
    }
    let classes: Vec<Value> = sub
        .group_number
        .iter()
        .map(|g| {
            json!({
                "type": coding("http://terminology.hl7.org/CodeSystem/coverage-class", "group"),
                "value": g.trim(),
            })
        })
        .collect();
    out.push(json!({
        "resourceType": "Coverage",
        "id": "coverage",
        "status": "active",
        "subscriber": reference(if is_self { "patient" } else { "subscriber" }),
        "subscriberId": sub.member_id.trim(),
        "beneficiary": reference("patient"),
        "relationship": coding(
            "http://terminology.hl7.org/CodeSystem/subscriber-relationship",
            subscriber_relationship(ctx.relationship),
        ),
        "payor": [reference("payer")],
        "class": classes,
    }));
    out
}

/// The claim's diagnoses, with their descriptions from `source`.
fn diagnoses<S: CodeSource + ?Sized>(all: &ClaimPart<'_, '_>, source: &S) -> Vec<Value> {
    all.diagnoses
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let mut c = Map::new();
            c.insert("system".into(), json!(ICD10CM_URI));
            c.insert("code".into(), json!(d.display_for(ICD)));
            if let Some(e) = source.entry(d, ICD) {
                c.insert("display".into(), json!(e.description));
            }
            json!({"sequence": i + 1, "diagnosisCodeableConcept": {"coding": [c]}})
        })
        .collect()
}

/// One claim item, numbered `sequence`.
fn item(sequence: usize, pl: &PartLine<'_, '_>) -> Value {
    let l = pl.claim;
    let system = if l.line.system == CodeSystem::Cpt {
        CPT_URI
    } else {
        HCPCS_URI
    };
    let display = l
        .line
        .official_description
        .clone()
        .unwrap_or_else(|| l.line.description.clone());
    let modifiers: Vec<Value> = l
        .line
        .modifiers
        .iter()
        .map(|m| {
            let numeric = m.as_str().bytes().all(|b| b.is_ascii_digit());
            coding(if numeric { CPT_URI } else { HCPCS_URI }, m.as_str())
        })
        .collect();
    json!({
        "sequence": sequence,
        "careTeamSequence": [1],
        "diagnosisSequence": pl.pointers,
        "productOrService": {"coding": [{"system": system, "code": l.line.code.as_str(), "display": display}]},
        "modifier": modifiers,
        "servicedDate": l.date.to_string(),
        "locationCodeableConcept": coding(POS_URI, l.pos.as_str()),
        "quantity": {"value": l.line.units},
        "unitPrice": money(l.per_unit),
        "net": money(l.charge),
    })
}
