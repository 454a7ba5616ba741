//! Claim export over the real code sets: every format rule, every claim and
//! context problem code. (The Python suite runs the same outputs through
//! pyx12 and fhir.resources.)

use crate::billing_common;

use billing_common::catalog;
use procode::billing::{Document, ProblemCode};
use procode::claim::{
    self, check, cms1500, export, fhir_claim, npi_is_valid, x12_837p, ClaimContext, ClaimError,
    ClaimFormat, Frequency, Patient, PersonName, Relationship, EXAMPLE_CONTEXT,
};
use rust_decimal::Decimal;
use serde_json::{json, Value};

const ICD: [&str; 13] = [
    "F411", "E119", "F321", "K219", "Z1331", "I10", "J45909", "F4310", "F900", "F410", "F4010",
    "G4700", "F4322",
];

fn ctx() -> ClaimContext {
    ClaimContext::from_json(EXAMPLE_CONTEXT).unwrap()
}

fn line(i: usize, code: &str, units: u32, rate: &str, mods: &[&str], dx: &[&str]) -> Value {
    json!({
        "id": format!("L{i}"), "system": "hcpcs", "code": code, "provenance": "catalog",
        "description": code, "units": units, "modifiers": mods, "diagnoses": dx,
        "place_of_service": "11", "date_of_service": "2025-03-03",
        "rate": {"per_unit": rate, "source": {"kind": "override"}},
    })
}

fn invoice(lines: Vec<Value>) -> Value {
    json!({
        "kind": "invoice", "id": "INV-7", "session_id": "S-1", "date": "2025-03-03",
        "state": "sent", "price": {"amount": "150.00", "currency": "USD"},
        "lines": lines, "next_line": 99, "payments": [], "version": 1, "sent_version": 1,
        "audit": [],
    })
}

fn doc(v: Value) -> Document {
    serde_json::from_value(v).unwrap()
}

fn example() -> Document {
    serde_json::from_str(claim::EXAMPLE_INVOICE).unwrap()
}

fn segments(x12: &str) -> Vec<Vec<String>> {
    assert!(x12.ends_with('~'));
    x12[..x12.len() - 1]
        .split('~')
        .map(|s| s.split('*').map(str::to_owned).collect())
        .collect()
}

fn seg<'a>(segs: &'a [Vec<String>], id: &str) -> Vec<&'a Vec<String>> {
    segs.iter().filter(|s| s[0] == id).collect()
}

/// The codes of the errors (the 2025-03 dates here also draw
/// `CODE_SET_NOT_CURRENT` warnings, tested in `history_real_data`).
fn codes(problems: &[procode::billing::Problem]) -> Vec<ProblemCode> {
    problems
        .iter()
        .filter(|p| p.code.severity() == procode::billing::Severity::Error)
        .map(|p| p.code)
        .collect()
}

#[test]
fn x12_envelope_counts_and_shape() {
    let x12 = x12_837p(&example(), &ctx(), catalog()).unwrap();
    let raw: Vec<&str> = x12.split('~').collect();
    assert_eq!(raw[0].len() + 1, 106);
    assert_eq!(
        raw[0],
        "ISA*00*          *00*          *ZZ*LAKESIDE01     *ZZ*CLEARHOUSE     *250304*1030*^*00501*000000001*0*T*:"
    );
    assert_eq!(
        raw[1],
        "GS*HC*LAKESIDE01*CLEARHOUSE*20250304*1030*1*X*005010X222A1"
    );
    assert_eq!(raw[2], "ST*837*0001*005010X222A1");
    assert_eq!(raw[3], "BHT*0019*00*INV-7*20250304*1030*CH");
    for s in &raw[..raw.len() - 1] {
        assert!(!s.ends_with('*'), "{s}");
        assert!(s.is_ascii() && s.to_ascii_uppercase() == *s, "{s}");
    }
    let segs = segments(&x12);
    let st = segs.iter().position(|s| s[0] == "ST").unwrap();
    let se = segs.iter().position(|s| s[0] == "SE").unwrap();
    assert_eq!(segs[se], ["SE", &(se - st + 1).to_string(), "0001"]);
    assert_eq!(segs[se + 1], ["GE", "1", "1"]);
    assert_eq!(segs[se + 2], ["IEA", "1", "000000001"]);
    // Loop order.
    let order: Vec<String> = segs
        .iter()
        .filter(|s| matches!(s[0].as_str(), "NM1" | "HL" | "CLM" | "LX"))
        .map(|s| format!("{}*{}", s[0], s[1]))
        .collect();
    assert_eq!(
        order,
        [
            "NM1*41",
            "NM1*40",
            "HL*1",
            "NM1*85",
            "HL*2",
            "NM1*IL",
            "NM1*PR",
            "CLM*INV-7",
            "NM1*82",
            "LX*1",
            "LX*2"
        ]
    );
    // Same input, same bytes.
    assert_eq!(x12, x12_837p(&example(), &ctx(), catalog()).unwrap());
}

#[test]
fn x12_claim_hi_sv1_and_totals() {
    let d = doc(invoice(vec![
        line(
            1,
            "H0004",
            2,
            "30",
            &["HO", "GT", "HE", "U1"],
            &["F411", "F321", "F4310", "Z1331"],
        ),
        line(2, "H2019", 3, "18.333", &["TF"], &["F4310", "F411"]),
        json!({"id": "L3", "system": "hcpcs", "code": "H0031", "provenance": "catalog", "description": "x",
               "units": 1, "diagnoses": ["F321"], "place_of_service": "02", "date_of_service": "2025-03-01",
               "rate": {"per_unit": "30.00", "source": {"kind": "override"}}}),
    ]));
    let segs = segments(&x12_837p(&d, &ctx(), catalog()).unwrap());
    assert_eq!(
        seg(&segs, "HI")[0][..],
        ["HI", "ABK:F411", "ABF:F321", "ABF:F4310", "ABF:Z1331"]
    );
    let sv1 = seg(&segs, "SV1");
    assert_eq!(
        sv1[0][..],
        [
            "SV1",
            "HC:H0004:HO:GT:HE:U1",
            "60",
            "UN",
            "2",
            "",
            "",
            "1:2:3:4"
        ]
    );
    assert_eq!(
        sv1[1][..],
        ["SV1", "HC:H2019:TF", "55", "UN", "3", "", "", "3:1"]
    );
    assert_eq!(
        sv1[2][..],
        ["SV1", "HC:H0031", "30", "UN", "1", "02", "", "2"]
    );
    assert_eq!(seg(&segs, "CLM")[0][..3], ["CLM", "INV-7", "145"]);
    assert!(segs.contains(&vec![
        "DTP".into(),
        "472".into(),
        "D8".into(),
        "20250301".into()
    ]));
    assert_eq!(seg(&segs, "REF").iter().filter(|r| r[1] == "6R").count(), 3);
}

#[test]
fn x12_patient_not_subscriber_and_resubmission() {
    let mut c = ctx();
    c.relationship = Relationship::Child;
    c.patient = Some(Patient {
        name: PersonName {
            last: "Müller".into(),
            first: "Léa".into(),
            middle: None,
            suffix: None,
        },
        address: c.subscriber.address.clone(),
        birth_date: chrono::NaiveDate::from_ymd_opt(2014, 2, 1).unwrap(),
        sex: claim::Sex::Female,
    });
    c.frequency = Frequency::Replacement;
    c.original_claim_number = Some("PAYER-0042".into());
    let segs = segments(&x12_837p(&example(), &c, catalog()).unwrap());
    assert_eq!(seg(&segs, "HL")[1][..], ["HL", "2", "1", "22", "1"]);
    assert_eq!(seg(&segs, "HL")[2][..], ["HL", "3", "2", "23", "0"]);
    assert_eq!(seg(&segs, "SBR")[0][..3], ["SBR", "P", ""]);
    assert_eq!(seg(&segs, "PAT")[0][..], ["PAT", "19"]);
    assert_eq!(
        seg(&segs, "NM1").iter().find(|s| s[1] == "QC").unwrap()[..5],
        ["NM1", "QC", "1", "MULLER", "LEA"]
    );
    assert_eq!(seg(&segs, "DMG").len(), 1);
    assert_eq!(seg(&segs, "CLM")[0][5], "11:B:7");
    assert!(seg(&segs, "REF")
        .iter()
        .any(|r| r[..] == ["REF", "F8", "PAYER-0042"]));
}

#[test]
fn more_than_fifty_lines_make_more_claims() {
    let lines = (0..120)
        .map(|i| line(i + 1, "H0004", 1, "10", &[], &[ICD[i % 12]]))
        .collect();
    let d = doc(invoice(lines));
    let segs = segments(&x12_837p(&d, &ctx(), catalog()).unwrap());
    let clm = seg(&segs, "CLM");
    assert_eq!(
        clm.iter().map(|c| c[1].as_str()).collect::<Vec<_>>(),
        ["INV-7-1", "INV-7-2", "INV-7-3"]
    );
    assert_eq!(
        clm.iter().map(|c| c[2].as_str()).collect::<Vec<_>>(),
        ["500", "500", "200"]
    );
    for hi in seg(&segs, "HI") {
        assert!(hi.len() - 1 <= 12 && hi.iter().all(|h| !h.contains('.')));
    }
    let lx: Vec<usize> = seg(&segs, "LX")
        .iter()
        .map(|l| l[1].parse().unwrap())
        .collect();
    assert_eq!(lx.iter().filter(|&&n| n == 1).count(), 3);
    assert_eq!(*lx.iter().max().unwrap(), 50);
}

#[test]
fn fhir_claim_shape() {
    let v: Value =
        serde_json::from_str(&fhir_claim(&example(), &ctx(), catalog()).unwrap()).unwrap();
    assert_eq!(v["status"], "active");
    assert_eq!(v["use"], "claim");
    assert_eq!(v["created"], "2025-03-04T10:30:00-05:00");
    assert_eq!(v["type"]["coding"][0]["code"], "professional");
    assert_eq!(
        v["diagnosis"][0]["diagnosisCodeableConcept"]["coding"][0]["system"],
        "http://hl7.org/fhir/sid/icd-10-cm"
    );
    assert_eq!(
        v["diagnosis"][0]["diagnosisCodeableConcept"]["coding"][0]["code"],
        "F41.1"
    );
    assert_eq!(
        v["item"][0]["productOrService"]["coding"][0]["system"],
        "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
    );
    assert_eq!(v["item"][0]["net"]["value"], 120.0);
    assert_eq!(v["item"][0]["unitPrice"]["value"], 30.0);
    assert_eq!(v["item"][1]["diagnosisSequence"], json!([1, 2]));
    assert!(v["item"][1].get("modifier").is_none(), "no empty arrays");
    let kinds: Vec<&str> = v["contained"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["resourceType"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "Patient",
            "Organization",
            "Practitioner",
            "Organization",
            "Coverage"
        ]
    );
    assert!(!v.to_string().contains("[]"));
    let mut void = ctx();
    void.frequency = Frequency::Void;
    void.original_claim_number = Some("P-1".into());
    let v: Value =
        serde_json::from_str(&fhir_claim(&example(), &void, catalog()).unwrap()).unwrap();
    assert_eq!(v["status"], "cancelled");
    assert_eq!(v["related"][0]["claim"]["identifier"]["value"], "P-1");
}

#[test]
fn cms1500_pages_and_totals() {
    let lines = (0..8)
        .map(|i| line(i + 1, "H0004", 1, &(10 + i).to_string(), &[], &[ICD[i]]))
        .collect();
    let v: Value =
        serde_json::from_str(&cms1500(&doc(invoice(lines)), &ctx(), catalog()).unwrap()).unwrap();
    let pages = v["pages"].as_array().unwrap();
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0]["boxes"]["28"], "75.00");
    assert_eq!(pages[1]["boxes"]["28"], "33.00");
    assert_eq!(pages[1]["boxes"]["21A"], ICD[6]);
    assert_eq!(pages[1]["boxes"]["24"][1]["24E"], "B");
    assert_eq!(pages[0]["boxes"]["24"].as_array().unwrap().len(), 6);
    assert_eq!(pages[0]["boxes"]["25"], "041234567");
    assert_eq!(pages[0]["boxes"]["26"], "INV-7");
    assert_eq!(pages[0]["boxes"]["24"][0]["24J"], "1234567893");
}

#[test]
fn export_refuses_naming_every_problem() {
    let d = doc(invoice(vec![line(1, "K9999", 1, "10", &[], &[])]));
    let mut c = ctx();
    c.billing_provider.npi = "1245319590".into();
    for format in [ClaimFormat::X12, ClaimFormat::Fhir, ClaimFormat::Cms1500] {
        let err = export(&d, &c, catalog(), format).unwrap_err();
        let ClaimError::NotReady { document, problems } = &err else {
            panic!("{err}")
        };
        assert_eq!(document, "invoice INV-7");
        assert_eq!(
            codes(problems),
            [
                ProblemCode::UnknownCode,
                ProblemCode::MissingDiagnosis,
                ProblemCode::InvalidNpi
            ]
        );
        assert!(err.to_string().contains("billing_provider.npi"));
    }
    assert!(matches!(
        ClaimContext::from_json("{}"),
        Err(ClaimError::InvalidContext { .. })
    ));
    assert!(matches!(
        "ub04".parse::<ClaimFormat>(),
        Err(ClaimError::UnknownFormat { .. })
    ));
}

/// One change to the example context → the one problem code it must give.
#[test]
fn every_context_problem_code() {
    type Change = fn(&mut ClaimContext);
    let cases: Vec<(ProblemCode, Change)> = vec![
        (ProblemCode::MissingContextField, |c| {
            c.submitter.name = " ".into()
        }),
        (ProblemCode::MissingContextField, |c| {
            c.relationship = Relationship::Spouse
        }),
        (ProblemCode::MissingContextField, |c| {
            c.submitter.contact.phone = None;
            c.submitter.contact.email = None;
        }),
        (ProblemCode::InvalidNpi, |c| {
            c.billing_provider.npi = "1245319590".into()
        }),
        (ProblemCode::InvalidNpi, |c| {
            c.rendering_provider.as_mut().unwrap().npi = "12345".into()
        }),
        (ProblemCode::InvalidEin, |c| {
            c.billing_provider.tax_id = claim::TaxId::Ein("12-34567".into())
        }),
        (ProblemCode::InvalidSsn, |c| {
            c.billing_provider.tax_id = claim::TaxId::Ssn("000-12-3456".into())
        }),
        (ProblemCode::InvalidTaxonomy, |c| {
            c.billing_provider.taxonomy = Some("101YM".into())
        }),
        (ProblemCode::InvalidZip, |c| {
            c.billing_provider.address.zip = "02139".into()
        }),
        (ProblemCode::InvalidZip, |c| {
            c.subscriber.address.zip = "ABCDE".into()
        }),
        (ProblemCode::PoBoxAddress, |c| {
            c.billing_provider.address.line1 = "PO Box 12".into()
        }),
        (ProblemCode::PoBoxAddress, |c| {
            c.billing_provider.address.line2 = Some("Post Office Box 9".into())
        }),
        (ProblemCode::InvalidState, |c| {
            c.billing_provider.address.state = "ZZ".into()
        }),
        (ProblemCode::InvalidDate, |c| {
            c.subscriber.birth_date = chrono::NaiveDate::from_ymd_opt(1899, 12, 31).unwrap()
        }),
        (ProblemCode::InvalidDate, |c| {
            c.subscriber.birth_date = chrono::NaiveDate::from_ymd_opt(2025, 3, 5).unwrap()
        }),
        (ProblemCode::InvalidContact, |c| {
            c.submitter.contact.phone = Some("12345".into())
        }),
        (ProblemCode::InvalidContact, |c| {
            c.submitter.contact.email = Some("billing".into())
        }),
        (ProblemCode::InvalidIdentifier, |c| {
            c.subscriber.member_id = "W12~34".into()
        }),
        (ProblemCode::InvalidIdentifier, |c| {
            c.interchange.receiver_qualifier = "ZZZ".into()
        }),
        (ProblemCode::ValueTooLong, |c| {
            c.interchange.receiver_id = "CLEARINGHOUSE-XYZ".into()
        }),
        (ProblemCode::ValueTooLong, |c| {
            c.subscriber.name.first = "A".repeat(36)
        }),
        (ProblemCode::InvalidControlNumber, |c| {
            c.interchange.control_number = 0
        }),
        (ProblemCode::InvalidControlNumber, |c| {
            c.interchange.transaction_set_control_number = 1_000_000_000
        }),
        (ProblemCode::MissingOriginalClaim, |c| {
            c.frequency = Frequency::Replacement
        }),
        (ProblemCode::MissingOriginalClaim, |c| {
            c.frequency = Frequency::Void;
            c.original_claim_number = Some("".into());
        }),
    ];
    let context_codes: Vec<ProblemCode> = cases.iter().map(|(c, _)| *c).collect();
    for (code, change) in cases {
        let mut c = ctx();
        change(&mut c);
        let got = codes(&c.validate());
        assert_eq!(got, [code], "{:?}", c.validate());
        let err = x12_837p(&example(), &c, catalog()).unwrap_err();
        assert_eq!(codes(err.problems()), [code]);
    }
    for code in [
        ProblemCode::MissingContextField,
        ProblemCode::InvalidNpi,
        ProblemCode::InvalidEin,
        ProblemCode::InvalidSsn,
        ProblemCode::InvalidTaxonomy,
        ProblemCode::InvalidZip,
        ProblemCode::PoBoxAddress,
        ProblemCode::InvalidState,
        ProblemCode::InvalidDate,
        ProblemCode::InvalidContact,
        ProblemCode::InvalidIdentifier,
        ProblemCode::ValueTooLong,
        ProblemCode::InvalidControlNumber,
        ProblemCode::MissingOriginalClaim,
    ] {
        assert!(context_codes.contains(&code), "{code} untested");
    }
}

#[test]
fn claim_rules_on_the_document() {
    let c = ctx();
    let has = |v: Value, code: ProblemCode| {
        let got = codes(&check(&doc(v), &c, catalog()));
        assert!(got.contains(&code), "{code}: {got:?}");
    };
    let mut void = invoice(vec![line(1, "H0004", 1, "10", &[], &["F411"])]);
    void["state"] = json!("void");
    has(void, ProblemCode::NotBillable);
    let mut eur = invoice(vec![line(1, "H0004", 1, "10", &[], &["F411"])]);
    eur["price"] = json!({"amount": "1", "currency": "EUR"});
    has(eur, ProblemCode::UnsupportedCurrency);
    let mut thirteen: Vec<Value> = (0..3)
        .map(|i| line(i + 1, "H0004", 1, "10", &[], &ICD[4 * i..4 * i + 4]))
        .collect();
    thirteen.push(line(4, "H0004", 1, "10", &[], &[ICD[12]]));
    has(invoice(thirteen), ProblemCode::TooManyDiagnoses);
    has(
        invoice(vec![line(1, "H0004", 1, "10", &[], &ICD[..5])]),
        ProblemCode::TooManyPointers,
    );
    has(
        invoice(vec![line(1, "H0004", 1, "100000000", &[], &["F411"])]),
        ProblemCode::AmountTooLarge,
    );
    let mut bad_id = invoice(vec![line(1, "H0004", 1, "10", &[], &["F411"])]);
    bad_id["id"] = json!("INV*7");
    has(bad_id, ProblemCode::InvalidIdentifier);
    let mut long_id = invoice(vec![line(1, "H0004", 1, "10", &[], &["F411"])]);
    long_id["id"] = json!("I".repeat(39));
    has(long_id, ProblemCode::ValueTooLong);
    let mut late = invoice(vec![line(1, "H0004", 1, "10", &[], &["F411"])]);
    late["lines"][0]["date_of_service"] = json!("2025-03-05");
    late["date"] = json!("2025-03-05");
    has(late, ProblemCode::InvalidDate);
    let svc = json!({"kind": "service", "id": "SVC", "name": "x", "price": {"amount": "1", "currency": "USD"},
                     "paid_in_advance": false, "insurance_billable": true,
                     "lines": [line(1, "H0004", 1, "10", &[], &["F411"])]});
    has(svc, ProblemCode::NotBillable);
    let mut booked = json!({"kind": "session", "id": "S", "client_id": "C", "service_id": "SVC", "date": "2025-03-03",
                            "state": "booked", "price": {"amount": "1", "currency": "USD"},
                            "lines": [line(1, "H0004", 1, "10", &[], &["F411"])]});
    has(booked.clone(), ProblemCode::NotBillable);
    booked["state"] = json!("completed");
    assert!(codes(&check(&doc(booked), &c, catalog())).is_empty());
}

#[test]
fn every_problem_code_is_stable_json() {
    for c in ProblemCode::ALL {
        assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
    }
    assert!(npi_is_valid("1245319599") && npi_is_valid("1234567893"));
    assert_eq!(claim::MAX_CHARGE, Decimal::new(9_999_999_999, 2));
}
