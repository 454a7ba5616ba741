//! The `procode` command, run as a user would.

use std::path::PathBuf;
use std::process::{Command, Output};

fn procode(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_procode"))
        .args(args)
        .output()
        .expect("run procode")
}

/// Runs `procode`, which must succeed (its stderr in the message if not).
fn ok(args: &[&str]) -> Output {
    let out = procode(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn ok_json(args: &[&str]) -> serde_json::Value {
    serde_json::from_slice(&ok(args).stdout).expect("JSON on stdout")
}

/// The JSON on stdout of a run that must fail (a refused document lists
/// its problems there).
fn refused_json(args: &[&str]) -> serde_json::Value {
    let out = procode(args);
    assert!(!out.status.success(), "{args:?}");
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

/// The string `field` of every item of the JSON array `v`.
fn each<'a>(v: &'a serde_json::Value, field: &str) -> Vec<&'a str> {
    v.as_array()
        .expect("a JSON array")
        .iter()
        .map(|x| x[field].as_str().expect("a string field"))
        .collect()
}

/// The item of the JSON array `v` whose `code` is `code`.
fn with_code<'a>(v: &'a serde_json::Value, code: &str) -> &'a serde_json::Value {
    v.as_array()
        .expect("a JSON array")
        .iter()
        .find(|p| p["code"] == code)
        .unwrap_or_else(|| panic!("{code} in {v}"))
}

/// A test's own scratch directory, removed when the test ends.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("procode-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create the scratch directory");
        Scratch(dir)
    }

    /// The path of the file `name` in the directory.
    fn path(&self, name: &str) -> String {
        self.0.join(name).to_str().expect("a UTF-8 path").to_owned()
    }

    /// Writes `contents` to the file `name`; its path.
    fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> String {
        let p = self.path(name);
        std::fs::write(&p, contents).expect("write a scratch file");
        p
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn data_dir() -> PathBuf {
    let dir = match std::env::var_os("PROCODE_DATA_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/data"),
    };
    assert!(
        dir.join("hcpcs_level2.tsv").is_file(),
        "code-set data missing at {}: run `make data` or set PROCODE_DATA_DIR",
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
    let dir = Scratch::new("cli");
    let idx = &dir.path("pcs.idx");
    let data = data_dir();
    let data = data.to_str().unwrap();
    ok(&[
        "build",
        "--out",
        idx,
        "--data-dir",
        data,
        "--include",
        "icd10pcs,pos",
    ]);
    let v = ok_json(&["lookup", "0DTJ4ZZ", "--json", "--catalog", idx]);
    assert_eq!(v["system"], "icd10pcs");
    let v = ok_json(&[
        "search",
        "office",
        "--system",
        "pos",
        "--json",
        "--catalog",
        idx,
    ]);
    assert_eq!(v["results"][0]["code"], "11");
    // A damaged index is refused with a clear message.
    let mut bytes = std::fs::read(idx).unwrap();
    let n = bytes.len();
    bytes.truncate(n / 2);
    std::fs::write(idx, bytes).unwrap();
    let out = procode(&["search", "office", "--catalog", idx]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("truncated"));
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
    let dir = Scratch::new("check");
    let ready = dir.write("ready.json", INVOICE);
    let out = ok(&["check", &ready]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("ready"));

    // A header diagnosis and an unassigned place of service: rejected, named.
    let mut v: serde_json::Value = serde_json::from_str(INVOICE).unwrap();
    v["lines"][0]["diagnoses"] = serde_json::json!(["F41"]);
    v["lines"][0]["place_of_service"] = serde_json::json!("30");
    let bad = dir.write("bad.json", v.to_string());
    let problems = refused_json(&["check", &bad, "--json"]);
    let codes = each(&problems, "code");
    assert!(codes.contains(&"DIAGNOSIS_NOT_BILLABLE"), "{codes:?}");
    assert!(codes.contains(&"INVALID_PLACE_OF_SERVICE"), "{codes:?}");
    assert!(problems[0]["line_id"] == "L1");

    let garbage = dir.write("garbage.json", "{\"kind\": \"invoice\"");
    let out = procode(&["check", &garbage]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a procode document"));
}

#[test]
fn build_accepts_cms_originals_and_mapped_files() {
    let data = data_dir();
    let dir = Scratch::new("build");
    let custom = dir.write(
        "custom.csv",
        "Code,Name\nINTAKE1,\"Intake call, new client\"\nGRP2,Group session\n",
    );
    let idx = &dir.path("mix.idx");
    ok(&[
        "build",
        "--out",
        idx,
        "--order",
        &format!("cm={}", data.join("cms/icd10cm_order_2026.txt").display()),
        "--hcpcs-xlsx",
        data.join("cms/HCPC2025_OCT_ANWEB.xlsx").to_str().unwrap(),
        "--mapped",
        &format!("{custom}:custom:Code:Name"),
    ]);
    let cat = ["--catalog", idx, "--json"];
    let v = ok_json(&[&["lookup", "INTAKE1"][..], &cat[..]].concat());
    assert_eq!(v["description"], "Intake call, new client");
    assert_eq!(v["system"], "custom");
    let v = ok_json(&[&["lookup", "G0438"][..], &cat[..]].concat());
    assert_eq!(v["effective"], "2011-01-01");
    let v = ok_json(&[&["lookup", "F41.1"][..], &cat[..]].concat());
    assert_eq!(v["description"], "Generalized anxiety disorder");
    // Bad mapping: a clear error naming the column.
    let mapped = format!("{custom}:custom:Kode:Name");
    let out = procode(&["build", "--out", idx, "--mapped", &mapped]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("Kode"));
}

#[test]
fn claim_exports_three_formats_and_refuses_with_every_problem() {
    let dir = Scratch::new("claim");
    let d = &dir.write("inv.json", procode::claim::EXAMPLE_INVOICE);
    let c = &dir.write("ctx.json", procode::claim::EXAMPLE_CONTEXT);
    let out = ok(&["claim", "--format", "x12", d, "--context", c]);
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
    std::fs::write(c, bad).unwrap();
    let out = procode(&["claim", d, "--context", c, "--json"]);
    assert!(!out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // The errors (the 2025-03-03 invoice also draws CODE_SET_NOT_CURRENT
    // warnings: no release held covers that date).
    let codes: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["severity"] == "error")
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["INVALID_NPI", "PO_BOX_ADDRESS"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("problem(s)"));
    let out = procode(&["claim", "--format", "ub04", d, "--context", c]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown claim format"));
}

/// Issue 12, items 1-4 from the command line: incomplete documents are
/// reported (exit status 1), never a panic (exit status 101); typos and
/// impossible documents are input errors (exit status 2), naming the field.
#[test]
fn claim_and_check_refuse_bad_documents_with_status_1() {
    let dir = Scratch::new("defects");
    let c = &dir.write("ctx.json", procode::claim::EXAMPLE_CONTEXT);
    let example: serde_json::Value = serde_json::from_str(procode::claim::EXAMPLE_INVOICE).unwrap();
    let write = |name: &str, v: &serde_json::Value| dir.write(name, v.to_string());
    let status = |args: &[&str], needle: &str, code: i32| {
        let out = procode(args);
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert_eq!(out.status.code(), Some(code), "{args:?}: {stdout} {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(
            stdout.contains(needle) || stderr.contains(needle),
            "{args:?}: {needle:?} not in {stdout} {stderr}"
        );
    };
    let refused = |args: &[&str], needle: &str| status(args, needle, 1);
    let invalid = |args: &[&str], needle: &str| status(args, needle, 2);
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
    invalid(&["check", &t], "unknown field `payer_idd`");
    invalid(&["claim", &t, "--context", c], "payer_idd");
    // A paid invoice with no payments and a balance.
    let mut paid = example.clone();
    paid["state"] = serde_json::json!("paid");
    let p = write("paid.json", &paid);
    invalid(&["check", &p], "paid but has no payments");
    // Usage errors: an empty query, a zero limit, an unknown flag.
    invalid(&["search", ""], "query is empty");
    invalid(&["search", "anxiety", "--limit", "0"], "--limit");
    invalid(&["search", "anxiety", "--as-of", "2026-13-01"], "");
    status(&["search", "anxiety", "--no-such-flag"], "", 2);
    // A code not valid on the date is a finding (1), not an input error.
    refused(
        &["lookup", "T52.8X1A", "--as-of", "2026-12-01"],
        "terminated",
    );
}

#[test]
fn check_shows_severity_and_exits_1_only_for_errors_unless_strict() {
    let dir = Scratch::new("check15");
    let write = |name: &str, dx: serde_json::Value, code: &str, system: &str| {
        let mut v: serde_json::Value = serde_json::from_str(INVOICE).unwrap();
        v["lines"][0]["diagnoses"] = dx;
        v["lines"][0]["code"] = serde_json::json!(code);
        v["lines"][0]["system"] = serde_json::json!(system);
        dir.write(name, v.to_string())
    };
    // A warning only (CODE_FIRST_NOTE): status 0, and 1 with --strict.
    let warn = write("warn.json", serde_json::json!(["J12.82"]), "H0004", "hcpcs");
    let v = ok_json(&["check", &warn, "--json"]);
    assert_eq!(v[0]["code"], "CODE_FIRST_NOTE");
    assert_eq!(v[0]["severity"], "warning");
    assert_eq!(v[0]["detail"]["kind"], "code_first_note");
    assert_eq!(v[0]["detail"]["note"], "COVID-19 (U07.1)");
    assert!(!procode(&["check", &warn, "--strict"]).status.success());
    // Errors: EXCLUDES1_CONFLICT and MANIFESTATION_FIRST with their details.
    let err = write(
        "err.json",
        serde_json::json!(["F02.80", "G30.9", "E11.9", "E74.00"]),
        "H0004",
        "hcpcs",
    );
    let v = refused_json(&["check", &err, "--json"]);
    let x = with_code(&v, "EXCLUDES1_CONFLICT");
    assert_eq!(x["severity"], "error");
    assert_eq!(x["detail"]["note"], "diabetes mellitus (E08-E13)");
    assert_eq!(x["detail"]["note_at"], "E74");
    let m = with_code(&v, "MANIFESTATION_FIRST");
    assert_eq!(m["detail"]["code"], "F0280");
    // ADD_ON_WITHOUT_PRIMARY with an edits file built from the CMS xlsx.
    let edits = &dir.path("aoc.ncci");
    let xlsx = data_dir().join("cms/AOC_V2026Q2-MCR.xlsx");
    let xlsx = xlsx.to_str().unwrap();
    let out = ok(&["build-edits", "--addon", xlsx, "--out", edits]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("9000 add-on code edits"));
    let aoc = write("aoc.json", serde_json::json!(["I46.9"]), "99292", "cpt");
    let v = refused_json(&["check", &aoc, "--json", "--edits", edits]);
    let a = with_code(&v, "ADD_ON_WITHOUT_PRIMARY");
    assert_eq!(a["detail"]["add_on"], "99292");
    assert_eq!(a["detail"]["edit_type"], 1);
    assert_eq!(a["detail"]["primaries"], serde_json::json!(["99291"]));
}

#[test]
fn lookup_says_why_a_code_is_not_valid_on_a_date() {
    let out = procode(&["lookup", "T52.8X1A", "--as-of", "2026-12-01"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not found"), "{err}");
    assert!(
        err.contains("terminated: its last valid day was 2026-09-30"),
        "{err}"
    );
    assert!(err.contains("T52.811A"), "{err}");
    let out = procode(&["lookup", "M67.A01", "--as-of", "2026-09-01"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not yet effective") && err.contains("2026-10-01"),
        "{err}"
    );
    // The verdict, as JSON, for a header on a FY2027 date.
    let out = procode(&[
        "lookup",
        "D69.1",
        "--as-of",
        "2026-12-01",
        "--verdict",
        "--json",
    ]);
    assert!(!out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["verdict"], "header");
    let kids = each(&v["codes"], "code");
    assert_eq!(kids, ["D6911", "D6919"]);
    // Valid on a FY2026 date: the FY2026 version.
    let v = ok_json(&[
        "lookup",
        "D69.1",
        "--as-of",
        "2026-09-01",
        "--verdict",
        "--json",
    ]);
    assert_eq!(v["verdict"], "valid");
    assert_eq!(v["entry"]["billable"], true);
    let v = ok_json(&["lookup", "D69.1", "--as-of", "2026-09-01", "--json"]);
    assert_eq!(v["billable"], true);
    let v = ok_json(&["lookup", "D69.1", "--json"]);
    assert_eq!(v["billable"], false);
}

#[test]
fn info_lists_releases_and_check_warns_outside_them() {
    let v = ok_json(&["info", "--json", "--as-of", "2026-12-01"]);
    let names = each(&v["releases"], "name");
    assert!(names.contains(&"ICD-10-CM FY2027"), "{names:?}");
    assert!(names.contains(&"HCPCS 2025 October quarter"), "{names:?}");
    let fy27 = &v["releases"][names.iter().position(|n| *n == "ICD-10-CM FY2027").unwrap()];
    assert_eq!(fy27["valid_from"], "2026-10-01");
    assert_eq!(fy27["valid_through"], "2027-09-30");
    let gaps = each(&v["not_current"], "system");
    assert_eq!(gaps, ["hcpcs", "modifier"]);
    let text = String::from_utf8(procode(&["info"]).stdout).unwrap();
    assert!(
        text.contains("ICD-10-CM FY2027") && text.contains("2026-10-01 .. 2027-09-30"),
        "{text}"
    );
    // A lookup on a date no release covers says so (and still answers).
    let out = procode(&["lookup", "E11.9", "--as-of", "1990-01-01"]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("CODE_SET_NOT_CURRENT") && err.contains("ICD-10-CM FY2027"),
        "{err}"
    );
    // `check` of a ready document with only warnings exits 0; --strict 1.
    let dir = Scratch::new("info");
    let ready = dir.write("ready.json", INVOICE);
    let problems = ok_json(&["check", &ready, "--json"]);
    let all = problems.as_array().unwrap();
    assert!(!all.is_empty());
    for p in all {
        assert_eq!(p["code"], "CODE_SET_NOT_CURRENT");
        assert_eq!(p["severity"], "warning");
    }
    let out = procode(&["check", &ready, "--strict"]);
    assert!(!out.status.success());
}

#[test]
fn tree_shows_the_structure_of_a_code() {
    let v = ok_json(&["tree", "F41", "--json"]);
    let ids = each(&v["ancestors"], "id");
    assert_eq!(ids, ["5", "F40-F48"]);
    let kids = each(&v["children"], "code");
    assert_eq!(kids, ["F41.0", "F41.1", "F41.3", "F41.8", "F41.9"]);
    assert!(v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["kind"] == "excludes2" && n["at"] == "F41"));
    let v = ok_json(&["tree", "S00.00", "--json"]);
    let chars = each(&v["seventh_characters"], "character");
    assert_eq!(chars, ["A", "D", "S"]);
    let out = procode(&["tree", "F41.1"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("chapter  5"), "{text}");
    assert!(text.contains("code     F41.1"), "{text}");
    assert!(!procode(&["tree", "ZZZ"]).status.success());
}

#[test]
fn diff_between_two_index_files_and_two_dates() {
    let data = data_dir();
    let dir = Scratch::new("diff");
    let (old, new) = (&dir.path("fy2026.idx"), &dir.path("fy2027.idx"));
    let tsv = format!("icd10cm={}", data.join("icd10cm.tsv").display());
    let order = format!("cm={}", data.join("cms/icd10cm_order_2026.txt").display());
    let addenda = format!(
        "cm={}",
        data.join("cms/icd10cm_order_addenda_2027.txt").display()
    );
    ok(&["build", "--out", old, "--tsv", &tsv]);
    ok(&[
        "build",
        "--out",
        new,
        "--order",
        &order,
        "--addenda",
        &addenda,
    ]);
    let v = ok_json(&["diff", old, new, "--json"]);
    assert_eq!(
        v["counts"],
        serde_json::json!({"added": 238, "deleted": 21, "changed": 19})
    );
    let flips = v["changed"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["billable_changed"] == true)
        .count();
    assert_eq!(flips, 15);
    // Two dates of the embedded catalog, as a table.
    let dates = ["diff", "--from", "2026-09-30", "--to", "2026-10-01"];
    let out = procode(&[&dates[..], &["--system", "icd10cm"]].concat());
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.ends_with("238 added, 21 deleted, 19 changed\n"),
        "{text}"
    );
    assert!(
        text.contains("billable D69.1    icd10cm  billable -> header"),
        "{text}"
    );
    assert!(text.contains("revised  Z29.14"), "{text}");
    // A practice's codes only.
    let codes = &dir.write("codes.txt", "# our diagnoses\nD69.1\nF41.1\n\nT52.8X1A\n");
    let v = ok_json(&[&dates[..], &["--codes", codes, "--json"]].concat());
    assert_eq!(
        v["counts"],
        serde_json::json!({"added": 0, "deleted": 1, "changed": 1})
    );
    std::fs::write(codes, "D69.1\nG04#\n").unwrap();
    let out = procode(&[&dates[..], &["--codes", codes]].concat());
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("codes.txt:2"));
    let out = procode(&["diff"]);
    assert!(!out.status.success());
}

/// Issue 17: `--system` and `--format` list their values in `--help` (the
/// core's names), and a value outside them is a usage error (status 2)
/// with the core's message.
#[test]
fn vocabulary_options_list_their_values_in_help() {
    let systems = "[possible values: hcpcs, cpt, icd10cm, icd10pcs, modifier, pos, custom]";
    for cmd in ["search", "lookup", "diff"] {
        let out = procode(&[cmd, "--help"]);
        assert!(out.status.success(), "{cmd} --help");
        let help = String::from_utf8_lossy(&out.stdout);
        let line = help
            .lines()
            .find(|l| l.contains("--system"))
            .unwrap_or_else(|| panic!("{cmd} --help has no --system: {help}"));
        assert!(line.contains(systems), "{cmd}: {line}");
    }
    let out = procode(&["claim", "--help"]);
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("[possible values: x12, fhir, cms1500]"),
        "{help}"
    );
    // The core's aliases still parse; an unknown name is a usage error.
    let v = ok_json(&[
        "search", "G04", "--json", "--limit", "1", "--system", "HCPCS2",
    ]);
    assert_eq!(v["results"][0]["system"], "hcpcs");
    let out = procode(&["search", "x", "--system", "loinc"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown code system \"loinc\""), "{err}");
}
