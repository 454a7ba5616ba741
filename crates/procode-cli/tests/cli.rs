//! The `procode` command, run as a user would.

use std::path::PathBuf;
use std::process::{Command, Output};

fn procode(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_procode"))
        .args(args)
        .output()
        .expect("run procode")
}

fn ok_json(args: &[&str]) -> serde_json::Value {
    let out = procode(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

fn data_dir() -> PathBuf {
    let dir = match std::env::var_os("PROCODE_DATA_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    assert!(
        dir.join("hcpcs_level2.tsv").is_file(),
        "code-set data missing at {}: set PROCODE_DATA_DIR",
        dir.display()
    );
    dir
}

const FIELDS: [&str; 8] = [
    "billable",
    "code",
    "description",
    "display_code",
    "effective",
    "short_description",
    "system",
    "terminated",
];

fn assert_entry_shape(v: &serde_json::Value) {
    let obj = v.as_object().expect("an entry is an object");
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, FIELDS);
}

/// The entries of a search's JSON, each checked for the entry shape plus
/// its match spans.
fn search_results(v: &serde_json::Value) -> Vec<serde_json::Value> {
    let obj = v.as_object().expect("a search answer is an object");
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["mode", "notice", "offset", "results", "total"]);
    let arr = v["results"].as_array().expect("results is an array");
    arr.iter()
        .map(|e| {
            let mut e = e.clone();
            let spans = e
                .as_object_mut()
                .and_then(|o| o.remove("spans"))
                .expect("every result has spans");
            assert!(spans.is_array());
            assert_entry_shape(&e);
            e
        })
        .collect()
}

#[test]
fn search_json_is_a_page_of_entries_with_total_mode_and_spans() {
    let v = ok_json(&[
        "search", "G04", "--json", "--limit", "4", "--system", "HCPCS",
    ]);
    let arr = search_results(&v);
    assert_eq!(arr.len(), 4);
    assert_eq!(v["mode"], "exact");
    assert!(v["total"].as_u64().unwrap() > 4);
    for e in &arr {
        assert_eq!(e["system"], "hcpcs");
        assert!(e["code"].as_str().unwrap().starts_with("G04"));
    }
    // Pagination: the second page starts where the first ended.
    let p2 = ok_json(&[
        "search", "G04", "--json", "--limit", "4", "--offset", "4", "--system", "hcpcs",
    ]);
    assert_eq!(p2["offset"], 4);
    assert_ne!(search_results(&p2)[0]["code"], arr[0]["code"]);
    // Words: display codes, spans through a synonym, billable only.
    let v = ok_json(&[
        "search",
        "htn",
        "--json",
        "--system",
        "icd10cm",
        "--billable-only",
    ]);
    assert_eq!(v["mode"], "words");
    let first = &v["results"][0];
    assert_eq!(first["display_code"], "I10");
    assert_eq!(first["spans"][0]["term"], "htn");
    assert_eq!(first["spans"][0]["via"], "hypertension");
    assert!(search_results(&v).iter().all(|e| e["billable"] == true));
    // A CPT-shaped query says CPT is not shipped.
    let v = ok_json(&["search", "99213", "--json"]);
    assert_eq!(v["notice"]["code"], "cpt_not_shipped");
    let v = ok_json(&["search", "25", "--json", "--system", "modifier"]);
    assert_eq!(v["notice"]["code"], "cpt_modifier_not_shipped");
    let v = ok_json(&[
        "search",
        "wheelchair cushion",
        "--json",
        "--as-of",
        "2025-11-03",
    ]);
    assert!(!search_results(&v).is_empty());
    let v = ok_json(&["search", "qqqzzzxxq", "--json"]);
    assert!(search_results(&v).is_empty());
    assert_eq!(v["total"], 0);
    assert_eq!(v["mode"], "none");
}

#[test]
fn lookup_json_is_one_entry_or_null() {
    let v = ok_json(&["lookup", "f41.1", "--json"]);
    assert_entry_shape(&v);
    assert_eq!(v["code"], "F411");
    assert_eq!(v["system"], "icd10cm");
    assert_eq!(v["billable"], true);
    assert_eq!(v["effective"], serde_json::Value::Null);
    let g = ok_json(&["lookup", "G0438", "--json"]);
    assert_eq!(g["effective"], "2011-01-01");
    assert_eq!(
        ok_json(&["lookup", "Z9999", "--json"]),
        serde_json::Value::Null
    );
    assert_eq!(
        ok_json(&["lookup", "G0438", "--as-of", "2010-12-31", "--json"]),
        serde_json::Value::Null
    );
}

#[test]
fn errors_go_to_stderr_with_a_failure_status() {
    for (args, needle) in [
        (
            &["search", "x", "--system", "loinc"][..],
            "unknown code system",
        ),
        (
            &["search", "x", "--as-of", "2025-02-30"][..],
            "invalid date",
        ),
        (&["lookup", "G04#"][..], "invalid character"),
        (&["lookup", "Z9999"][..], "not found"),
        (
            &["search", "x", "--catalog", "/nonexistent.idx"][..],
            "nonexistent",
        ),
    ] {
        let out = procode(args);
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn build_writes_an_index_that_search_uses() {
    let dir = std::env::temp_dir().join(format!("procode-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let idx = dir.join("pcs.idx");
    let out = procode(&[
        "build",
        "--out",
        idx.to_str().unwrap(),
        "--data-dir",
        data_dir().to_str().unwrap(),
        "--include",
        "icd10pcs,pos",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = ok_json(&[
        "lookup",
        "0DTJ4ZZ",
        "--json",
        "--catalog",
        idx.to_str().unwrap(),
    ]);
    assert_eq!(v["system"], "icd10pcs");
    let v = ok_json(&[
        "search",
        "office",
        "--system",
        "pos",
        "--json",
        "--catalog",
        idx.to_str().unwrap(),
    ]);
    assert_eq!(v["results"][0]["code"], "11");
    // A damaged index is refused with a clear message.
    let mut bytes = std::fs::read(&idx).unwrap();
    let n = bytes.len();
    bytes.truncate(n / 2);
    std::fs::write(&idx, bytes).unwrap();
    let out = procode(&["search", "office", "--catalog", idx.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("truncated"));
    std::fs::remove_dir_all(&dir).unwrap();
}

const INVOICE: &str = r#"{
  "kind": "invoice", "id": "INV-7", "session_id": "S-1", "date": "2025-03-03",
  "state": "sent", "price": {"amount": "120.00", "currency": "USD"}, "payer_id": "AETNA",
  "lines": [{
    "id": "L1", "system": "hcpcs", "code": "H0004", "provenance": "catalog",
    "official_description": "Behavioral health counseling and therapy, per 15 minutes",
    "description": "Counseling, per 15 minutes", "units": 4, "modifiers": ["HO"],
    "diagnoses": ["F411"], "place_of_service": "11", "date_of_service": "2025-03-03",
    "rate": {"per_unit": "30.125", "source": {"kind": "payer_schedule", "schedule_id": "AETNA-2025", "entry": "H0004:HO"}}
  }],
  "next_line": 2, "payments": [], "version": 1, "sent_version": 1,
  "needs_resend": false, "total": {"amount": "120.50", "currency": "USD"},
  "balance": {"amount": "120.50", "currency": "USD"}, "audit": []
}"#;

#[test]
fn check_reports_readiness_of_a_document() {
    let dir = std::env::temp_dir().join(format!("procode-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ready = dir.join("ready.json");
    std::fs::write(&ready, INVOICE).unwrap();
    let out = procode(&["check", ready.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("ready"));

    // A header diagnosis and an unassigned place of service: rejected, named.
    let mut v: serde_json::Value = serde_json::from_str(INVOICE).unwrap();
    v["lines"][0]["diagnoses"] = serde_json::json!(["F41"]);
    v["lines"][0]["place_of_service"] = serde_json::json!("30");
    let bad = dir.join("bad.json");
    std::fs::write(&bad, v.to_string()).unwrap();
    let out = procode(&["check", bad.to_str().unwrap(), "--json"]);
    assert!(!out.status.success());
    let problems: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<&str> = problems
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"DIAGNOSIS_NOT_BILLABLE"), "{codes:?}");
    assert!(codes.contains(&"INVALID_PLACE_OF_SERVICE"), "{codes:?}");
    assert!(problems[0]["line_id"] == "L1");

    let garbage = dir.join("garbage.json");
    std::fs::write(&garbage, "{\"kind\": \"invoice\"").unwrap();
    let out = procode(&["check", garbage.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a procode document"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn build_accepts_cms_originals_and_mapped_files() {
    let data = data_dir();
    let dir = std::env::temp_dir().join(format!("procode-build-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let custom = dir.join("custom.csv");
    std::fs::write(
        &custom,
        "Code,Name\nINTAKE1,\"Intake call, new client\"\nGRP2,Group session\n",
    )
    .unwrap();
    let idx = dir.join("mix.idx");
    let out = procode(&[
        "build",
        "--out",
        idx.to_str().unwrap(),
        "--order",
        &format!("cm={}", data.join("cms/icd10cm_order_2026.txt").display()),
        "--hcpcs-xlsx",
        data.join("cms/HCPC2025_OCT_ANWEB.xlsx").to_str().unwrap(),
        "--mapped",
        &format!("{}:custom:Code:Name", custom.display()),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cat = ["--catalog", idx.to_str().unwrap(), "--json"];
    let v = ok_json(&[&["lookup", "INTAKE1"][..], &cat[..]].concat());
    assert_eq!(v["description"], "Intake call, new client");
    assert_eq!(v["system"], "custom");
    let v = ok_json(&[&["lookup", "G0438"][..], &cat[..]].concat());
    assert_eq!(v["effective"], "2011-01-01");
    let v = ok_json(&[&["lookup", "F41.1"][..], &cat[..]].concat());
    assert_eq!(v["description"], "Generalized anxiety disorder");
    // Bad mapping: a clear error naming the column.
    let out = procode(&[
        "build",
        "--out",
        idx.to_str().unwrap(),
        "--mapped",
        &format!("{}:custom:Kode:Name", custom.display()),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Kode"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn claim_exports_three_formats_and_refuses_with_every_problem() {
    let dir = std::env::temp_dir().join(format!("procode-claim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let doc = dir.join("inv.json");
    let ctx = dir.join("ctx.json");
    std::fs::write(&doc, procode::claim::EXAMPLE_INVOICE).unwrap();
    std::fs::write(&ctx, procode::claim::EXAMPLE_CONTEXT).unwrap();
    let (d, c) = (doc.to_str().unwrap(), ctx.to_str().unwrap());
    let out = procode(&["claim", "--format", "x12", d, "--context", c]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let x12 = String::from_utf8(out.stdout).unwrap();
    assert!(x12.starts_with("ISA*00*") && x12.trim_end().ends_with("IEA*1*000000001~"));
    assert!(x12.contains("~CLM*INV-7*145.5***11:B:1*Y*A*Y*Y~"));
    let v = ok_json(&["claim", "--format", "fhir", d, "--context", c]);
    assert_eq!(v["resourceType"], "Claim");
    let v = ok_json(&["claim", "--format", "cms1500", d, "--context", c]);
    assert_eq!(v["pages"][0]["boxes"]["28"], "145.50");
    // A bad NPI and a PO box: refused, both named, exit status 1.
    let bad = procode::claim::EXAMPLE_CONTEXT
        .replace("1245319599", "1245319590")
        .replace("12 Harbor Street", "PO Box 12");
    std::fs::write(&ctx, bad).unwrap();
    let out = procode(&["claim", d, "--context", c, "--json"]);
    assert!(!out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["INVALID_NPI", "PO_BOX_ADDRESS"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("2 problem(s)"));
    let out = procode(&["claim", "--format", "ub04", d, "--context", c]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown claim format"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue 12, items 1-4 from the command line: incomplete documents are
/// reported (exit status 1), never a panic (exit status 101); typos and
/// impossible documents are refused, naming the field.
#[test]
fn claim_and_check_refuse_bad_documents_with_status_1() {
    let dir = std::env::temp_dir().join(format!("procode-defects-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ctx = dir.join("ctx.json");
    std::fs::write(&ctx, procode::claim::EXAMPLE_CONTEXT).unwrap();
    let c = ctx.to_str().unwrap();
    let example: serde_json::Value = serde_json::from_str(procode::claim::EXAMPLE_INVOICE).unwrap();
    let write = |name: &str, v: &serde_json::Value| {
        let p = dir.join(name);
        std::fs::write(&p, v.to_string()).unwrap();
        p.to_str().unwrap().to_owned()
    };
    let refused = |args: &[&str], needle: &str| {
        let out = procode(args);
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stdout} {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(
            stdout.contains(needle) || stderr.contains(needle),
            "{args:?}: {needle:?} not in {stdout} {stderr}"
        );
    };
    // A service with code lines.
    let service = serde_json::json!({
        "kind": "service", "id": "SVC-1", "name": "Counseling",
        "price": {"amount": "120.00", "currency": "USD"},
        "paid_in_advance": false, "insurance_billable": true,
        "lines": [example["lines"][0].clone()], "next_line": 2
    });
    let svc = write("svc.json", &service);
    for format in ["x12", "fhir", "cms1500"] {
        refused(
            &["claim", "--format", format, &svc, "--context", c],
            "NOT_BILLABLE",
        );
    }
    // An invoice line without a place of service: `check` and `claim` agree.
    let mut no_pos = example.clone();
    no_pos["lines"][0]
        .as_object_mut()
        .unwrap()
        .remove("place_of_service");
    let inv = write("no_pos.json", &no_pos);
    refused(&["check", &inv], "INVALID_PLACE_OF_SERVICE");
    refused(&["claim", &inv, "--context", c], "INVALID_PLACE_OF_SERVICE");
    refused(
        &["claim", &inv, "--context", c, "--json"],
        "\"line_id\":\"L1\"",
    );
    // A typo in a field name.
    let mut typo = example.clone();
    typo["payer_idd"] = serde_json::json!("60054");
    let t = write("typo.json", &typo);
    refused(&["check", &t], "unknown field `payer_idd`");
    refused(&["claim", &t, "--context", c], "payer_idd");
    // A paid invoice with no payments and a balance.
    let mut paid = example.clone();
    paid["state"] = serde_json::json!("paid");
    let p = write("paid.json", &paid);
    refused(&["check", &p], "paid but has no payments");
    std::fs::remove_dir_all(&dir).unwrap();
}
