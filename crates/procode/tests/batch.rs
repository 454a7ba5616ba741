//! The Arrow batch scrub (feature `arrow`) against the core's readiness on
//! the same claims built as JSON documents, over the real code sets and the
//! real NCCI tables; stream boundaries, threads and column layouts; typed
//! errors naming column and row; `validate_codes`.

use crate::common;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::{Arc, OnceLock};

use arrow_array::builder::{
    Date32Builder, Decimal128Builder, GenericListBuilder, GenericStringBuilder, Int64Builder,
    LargeStringBuilder, StringDictionaryBuilder, StringViewBuilder,
};
use arrow_array::types::Int32Type;
use arrow_array::{
    Array, ArrayRef, Date32Array, Date64Array, Float64Array, Int32Array, OffsetSizeTrait,
    RecordBatch, StringArray,
};
use chrono::{Datelike, NaiveDate};
use procode::batch::{self, validate_codes, BatchError, CodeVerdict, Scrub};
use procode::billing::{readiness, Document};
use procode::ncci::{NcciBuilder, NcciEdits};
use procode::{Catalog, CodeSystem, Entry};

// ---------------------------------------------------------------- fixtures

/// The full catalog with the real NCCI edits attached.
fn catalog() -> &'static Catalog {
    static C: OnceLock<Catalog> = OnceLock::new();
    C.get_or_init(|| {
        let dir = common::data_dir();
        let mut b = NcciBuilder::new();
        b.load_ptp(dir.join("ncci_ptp_practitioner.tsv.gz"))
            .expect("the PTP table loads");
        b.load_mue(dir.join("mue_practitioner.tsv"))
            .expect("the MUE table loads");
        let edits = NcciEdits::from_bytes(b.build().expect("edits build")).expect("edits open");
        common::full_catalog().with_ncci(edits)
    })
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A deterministic xorshift generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

/// One claim line as plain data.
#[derive(Debug, Clone)]
struct Line {
    claim: String,
    line: String,
    dos: NaiveDate,
    code: String,
    system: &'static str,
    units: i64,
    modifiers: Option<Vec<String>>,
    diagnoses: Option<Vec<String>>,
    pos: Option<String>,
    rate: Option<String>,
    payer: Option<String>,
}

/// Real codes to build claims from, and codes known to be absent.
struct Pools {
    hcpcs: Vec<String>,
    terminated: Vec<String>,
    icd: Vec<String>,
    headers: Vec<String>,
    modifiers: Vec<String>,
    pos: Vec<String>,
    unknown_hcpcs: String,
    unknown_icd: String,
    unknown_modifier: String,
    unknown_pos: String,
}

fn pools() -> &'static Pools {
    static P: OnceLock<Pools> = OnceLock::new();
    P.get_or_init(|| {
        let all = common::all_entries();
        let (from, to) = (day(2025, 1, 1), day(2025, 9, 30));
        let valid = |e: &&Entry| e.is_valid_on(from) && e.is_valid_on(to);
        let of = |s: CodeSystem| all.iter().filter(move |e| e.system == s);
        let codes = |it: &mut dyn Iterator<Item = &Entry>, step: usize| -> Vec<String> {
            it.step_by(step)
                .map(|e| e.code.as_str().to_owned())
                .collect()
        };
        let known: HashSet<(CodeSystem, String)> = all
            .iter()
            .map(|e| (e.system, e.code.as_str().to_owned()))
            .collect();
        let absent = |s: CodeSystem, candidates: &[&str]| -> String {
            candidates
                .iter()
                .find(|c| !known.contains(&(s, c.to_string())))
                .expect("an absent code")
                .to_string()
        };
        let p = Pools {
            hcpcs: codes(
                &mut of(CodeSystem::Hcpcs).filter(valid).filter(|e| e.billable),
                7,
            ),
            terminated: codes(
                &mut of(CodeSystem::Hcpcs).filter(|e| e.terminated.is_some_and(|t| t < from)),
                3,
            ),
            icd: codes(
                &mut of(CodeSystem::Icd10Cm).filter(valid).filter(|e| e.billable),
                97,
            ),
            headers: codes(&mut of(CodeSystem::Icd10Cm).filter(|e| !e.billable), 31),
            modifiers: codes(&mut of(CodeSystem::Modifier).filter(valid), 1),
            pos: codes(&mut of(CodeSystem::Pos).filter(valid), 1),
            unknown_hcpcs: absent(CodeSystem::Hcpcs, &["G0999", "A9998", "Q9899", "K9990"]),
            unknown_icd: absent(CodeSystem::Icd10Cm, &["Z9999", "F99999", "U999"]),
            unknown_modifier: absent(CodeSystem::Modifier, &["Z9", "9Z", "ZZ", "Y9"]),
            unknown_pos: absent(CodeSystem::Pos, &["00", "98", "97", "48"]),
        };
        assert!(p.hcpcs.len() > 200 && p.icd.len() > 500, "pools too small");
        assert!(!p.terminated.is_empty() && !p.headers.is_empty());
        p
    })
}

/// `claims` claims of 1 to 6 lines over 2025 with planted problems of every
/// kind readiness reports for a claim.
fn generate(claims: usize, seed: u64) -> Vec<Line> {
    let p = pools();
    let mut r = Rng(seed | 1);
    let mut out = Vec::new();
    for c in 0..claims {
        let claim = format!("CLM{c:06}");
        let dos = day(2025, 1, 1) + chrono::Days::new(r.below(270) as u64);
        let payer = r.chance(80).then(|| format!("PAYER{}", r.below(5)));
        let n = 1 + r.below(6);
        let mut lines: Vec<Line> = (0..n)
            .map(|k| {
                let mods = match r.below(10) {
                    0..=5 => None,
                    6..=8 => Some(vec![r.pick(&p.modifiers).clone()]),
                    _ => Some(vec![
                        r.pick(&p.modifiers).clone(),
                        r.pick(&p.modifiers).clone(),
                    ]),
                };
                let dx: Vec<String> = (0..1 + r.below(3))
                    .map(|_| r.pick(&p.icd).clone())
                    .collect();
                Line {
                    claim: claim.clone(),
                    line: (k + 1).to_string(),
                    dos: if r.chance(10) {
                        dos + chrono::Days::new(1)
                    } else {
                        dos
                    },
                    code: r.pick(&p.hcpcs).clone(),
                    system: "hcpcs",
                    units: 1 + r.below(4) as i64,
                    modifiers: mods,
                    diagnoses: Some(dx),
                    pos: Some(r.pick(&p.pos).clone()),
                    rate: Some(format!("{}.{:02}", 10 + r.below(200), r.below(100))),
                    payer: payer.clone(),
                }
            })
            .collect();
        // Planted problems, each on a random line.
        let k = r.below(n);
        let l = &mut lines[k];
        match r.below(16) {
            0 => l.code = p.unknown_hcpcs.clone(),
            1 => l.code = r.pick(&p.terminated).clone(),
            2 => l.diagnoses = None,
            3 => l.diagnoses = Some(vec![]),
            4 => l
                .diagnoses
                .get_or_insert_with(Vec::new)
                .push(p.unknown_icd.clone()),
            5 => l.diagnoses = Some(vec![r.pick(&p.headers).clone()]),
            6 => l.modifiers = Some(["GT", "95", "HO", "25", "59"].map(String::from).to_vec()),
            7 => l.modifiers = Some(vec![p.unknown_modifier.clone()]),
            8 => l.units = 0,
            9 => l.pos = None,
            10 => l.pos = Some(p.unknown_pos.clone()),
            11 => l.rate = None,
            12 => {
                // A real NCCI procedure-to-procedure pair on one day.
                let mut second = l.clone();
                l.code = "G0438".into();
                l.dos = dos;
                second.code = "G0439".into();
                second.dos = dos;
                second.line = format!("{}b", second.line);
                lines.push(second);
            }
            13 => {
                // G0444: MUE 1 per day (MAI 2).
                l.code = "G0444".into();
                l.units = 2;
            }
            _ => {}
        }
        // Dotted diagnoses and lower case codes are normalised like the core does.
        if r.chance(20) {
            if let Some(d) = lines[0].diagnoses.as_mut().and_then(|d| d.first_mut()) {
                if d.len() > 3 {
                    d.insert(3, '.');
                }
            }
            lines[0].code = lines[0].code.to_lowercase();
        }
        out.extend(lines);
    }
    out
}

// ------------------------------------------------------- the oracle (JSON)

/// One output row: claim, line, problem, severity, message, detail JSON.
type Row = (
    String,
    Option<String>,
    String,
    String,
    String,
    Option<String>,
);

/// The claims as JSON invoices, checked one by one with the core's
/// readiness: what the batch scrub must reproduce row for row.
fn expected(lines: &[Line], cat: &Catalog) -> Vec<Row> {
    let mut out = Vec::new();
    let mut k = 0;
    while k < lines.len() {
        let claim = &lines[k].claim;
        let end = k + lines[k..].iter().take_while(|l| &l.claim == claim).count();
        let ls = &lines[k..end];
        let json_lines: Vec<serde_json::Value> = ls
            .iter()
            .map(|l| {
                serde_json::json!({
                    "id": l.line, "system": l.system, "code": l.code, "provenance": "manual",
                    "official_description": null, "description": "", "units": l.units,
                    "modifiers": l.modifiers.clone().unwrap_or_default(),
                    "diagnoses": l.diagnoses.clone().unwrap_or_default(),
                    "place_of_service": l.pos, "date_of_service": l.dos.to_string(),
                    "rate": l.rate.as_ref().map(|r| serde_json::json!({"per_unit": r, "source": {"kind": "override"}})),
                })
            })
            .collect();
        let date = ls.iter().map(|l| l.dos).min().unwrap();
        let doc = serde_json::json!({
            "kind": "invoice", "id": claim, "session_id": claim, "date": date.to_string(),
            "state": "draft", "price": {"amount": "0.00", "currency": "USD"},
            "payer_id": ls[0].payer, "lines": json_lines, "next_line": ls.len() + 1,
            "payments": [], "version": 1, "sent_version": null, "audit": [],
        });
        let doc: Document = serde_json::from_value(doc).expect("a valid invoice");
        for p in readiness(&doc, cat, None) {
            out.push((
                claim.clone(),
                p.line_id.clone(),
                p.code.as_str().to_owned(),
                p.code.severity().as_str().to_owned(),
                p.message.clone(),
                p.detail.as_ref().map(|d| serde_json::to_string(d).unwrap()),
            ));
        }
        k = end;
    }
    out
}

// ------------------------------------------------------------ Arrow input

/// How the columns are laid out (the scrub must not care).
#[derive(Debug, Clone, Copy, Default)]
struct Layout {
    large: bool,
    view: bool,
    dict: bool,
    large_lists: bool,
    date64: bool,
    string_dates: bool,
    decimal_rates: bool,
}

fn text(values: Vec<Option<&str>>, layout: Layout) -> ArrayRef {
    if layout.dict {
        let mut b = StringDictionaryBuilder::<Int32Type>::new();
        for v in values {
            b.append_option(v);
        }
        return Arc::new(b.finish());
    }
    if layout.view {
        let mut b = StringViewBuilder::new();
        for v in values {
            b.append_option(v);
        }
        return Arc::new(b.finish());
    }
    if layout.large {
        let mut b = LargeStringBuilder::new();
        for v in values {
            b.append_option(v);
        }
        return Arc::new(b.finish());
    }
    Arc::new(StringArray::from(values))
}

fn list(values: Vec<Option<&Vec<String>>>, layout: Layout) -> ArrayRef {
    if layout.large_lists {
        list_of::<i64>(values)
    } else {
        list_of::<i32>(values)
    }
}

/// A list-of-strings column with `O` offsets (`i32`: `List<Utf8>`, `i64`:
/// `LargeList<LargeUtf8>`).
fn list_of<O: OffsetSizeTrait>(values: Vec<Option<&Vec<String>>>) -> ArrayRef {
    let mut b = GenericListBuilder::<O, _>::new(GenericStringBuilder::<O>::new());
    for v in values {
        match v {
            Some(items) => {
                for i in items {
                    b.values().append_value(i);
                }
                b.append(true);
            }
            None => b.append(false),
        }
    }
    Arc::new(b.finish())
}

fn to_batch(lines: &[Line], layout: Layout) -> RecordBatch {
    let t = |f: &dyn Fn(&Line) -> Option<&str>| text(lines.iter().map(f).collect(), layout);
    let days = |d: NaiveDate| d.num_days_from_ce() - 719_163;
    let dos: ArrayRef = if layout.string_dates {
        let s: Vec<String> = lines.iter().map(|l| l.dos.to_string()).collect();
        text(s.iter().map(|x| Some(x.as_str())).collect(), layout)
    } else if layout.date64 {
        Arc::new(Date64Array::from(
            lines
                .iter()
                .map(|l| i64::from(days(l.dos)) * 86_400_000)
                .collect::<Vec<_>>(),
        ))
    } else {
        let mut b = Date32Builder::new();
        for l in lines {
            b.append_value(days(l.dos));
        }
        Arc::new(b.finish())
    };
    let rate: ArrayRef = if layout.decimal_rates {
        let mut b = Decimal128Builder::new();
        for l in lines {
            match &l.rate {
                Some(r) => {
                    let mut d: rust_decimal::Decimal = r.parse().unwrap();
                    d.rescale(4);
                    b.append_value(d.mantissa());
                }
                None => b.append_null(),
            }
        }
        Arc::new(b.finish().with_precision_and_scale(18, 4).unwrap())
    } else {
        t(&|l| l.rate.as_deref())
    };
    let mut units = Int64Builder::new();
    for l in lines {
        units.append_value(l.units);
    }
    RecordBatch::try_from_iter([
        ("claim_id", t(&|l| Some(l.claim.as_str()))),
        ("line_id", t(&|l| Some(l.line.as_str()))),
        ("date_of_service", dos),
        ("code", t(&|l| Some(l.code.as_str()))),
        ("system", t(&|l| Some(l.system))),
        ("units", Arc::new(units.finish()) as ArrayRef),
        (
            "modifiers",
            list(lines.iter().map(|l| l.modifiers.as_ref()).collect(), layout),
        ),
        (
            "diagnoses",
            list(lines.iter().map(|l| l.diagnoses.as_ref()).collect(), layout),
        ),
        ("place_of_service", t(&|l| l.pos.as_deref())),
        ("rate", rate),
        ("payer_id", t(&|l| l.payer.as_deref())),
    ])
    .expect("a valid batch")
}

fn rows(batches: &[RecordBatch]) -> Vec<Row> {
    let mut out = Vec::new();
    for b in batches {
        assert_eq!(b.schema(), batch::problems_schema());
        let col = |name: &str| {
            b.column_by_name(name)
                .unwrap()
                .as_any()
                .downcast_ref::<StringArray>()
                .unwrap()
                .clone()
        };
        let (c, l, p, s, m, d) = (
            col("claim_id"),
            col("line_id"),
            col("problem"),
            col("severity"),
            col("message"),
            col("detail"),
        );
        let opt = |a: &StringArray, i: usize| a.is_valid(i).then(|| a.value(i).to_owned());
        for i in 0..b.num_rows() {
            out.push((
                c.value(i).to_owned(),
                opt(&l, i),
                p.value(i).to_owned(),
                s.value(i).to_owned(),
                m.value(i).to_owned(),
                opt(&d, i),
            ));
        }
    }
    out
}

/// Scrubs `batches` as one stream.
fn scrub(batches: &[RecordBatch], threads: usize) -> Result<Vec<Row>, BatchError> {
    let mut s = Scrub::new(catalog()).threads(threads);
    let mut out = Vec::new();
    for b in batches {
        out.push(s.push(b)?);
    }
    out.push(s.finish()?);
    Ok(rows(&out))
}

fn split(lines: &[Line], sizes: &[usize], layout: Layout) -> Vec<RecordBatch> {
    let mut out = Vec::new();
    let (mut at, mut k) = (0, 0);
    while at < lines.len() {
        let n = sizes[k % sizes.len()].min(lines.len() - at);
        out.push(to_batch(&lines[at..at + n], layout));
        at += n;
        k += 1;
    }
    out
}

// ------------------------------------------------------------------ tests

#[test]
fn scrub_equals_readiness_per_document_on_real_codes_and_edits() {
    let lines = generate(3000, 0x5eed);
    let want = expected(&lines, catalog());
    let got = Scrub::new(catalog())
        .threads(2)
        .push_last(&to_batch(&lines, Layout::default()))
        .expect("scrubs");
    assert_eq!(rows(&[got]), want);
    // Every planted kind of problem is there, so the comparison means something.
    let counts: BTreeMap<&str, usize> = want.iter().fold(BTreeMap::new(), |mut m, r| {
        *m.entry(r.2.as_str()).or_default() += 1;
        m
    });
    for code in [
        "UNKNOWN_CODE",
        "CODE_NOT_EFFECTIVE",
        "MISSING_DIAGNOSIS",
        "UNKNOWN_DIAGNOSIS",
        "DIAGNOSIS_NOT_BILLABLE",
        "TOO_MANY_MODIFIERS",
        "UNKNOWN_MODIFIER",
        "INVALID_UNITS",
        "INVALID_PLACE_OF_SERVICE",
        "NO_RATE",
        "NCCI_PTP_CONFLICT",
        "MUE_EXCEEDED",
    ] {
        assert!(
            counts.get(code).copied().unwrap_or(0) >= 20,
            "{code}: {counts:?}"
        );
    }
    assert!(want.len() > 2000, "{} problems", want.len());
    let clean: BTreeSet<&str> = lines
        .iter()
        .map(|l| l.claim.as_str())
        .collect::<BTreeSet<_>>();
    let flagged: BTreeSet<&str> = want.iter().map(|r| r.0.as_str()).collect();
    assert!(flagged.len() < clean.len(), "some claims are clean");
}

#[test]
fn batches_threads_and_column_layouts_do_not_change_the_output() {
    let lines = generate(700, 42);
    let want = expected(&lines, catalog());
    let layouts = [
        Layout::default(),
        Layout {
            large: true,
            large_lists: true,
            date64: true,
            ..Layout::default()
        },
        Layout {
            view: true,
            string_dates: true,
            decimal_rates: true,
            ..Layout::default()
        },
        Layout {
            dict: true,
            ..Layout::default()
        },
    ];
    for (k, layout) in layouts.into_iter().enumerate() {
        for (sizes, threads) in [
            (&[usize::MAX][..], 1),
            (&[1][..], 1),
            (&[7, 1, 300, 2][..], 3),
            (&[1000][..], 2),
        ] {
            let batches = split(&lines, sizes, layout);
            assert_eq!(
                scrub(&batches, threads).expect("scrubs"),
                want,
                "layout {k} {layout:?}, batch sizes {sizes:?}, {threads} threads"
            );
        }
    }
}

#[test]
fn integer_ids_come_back_as_text() {
    let lines = generate(50, 7);
    let mut b = to_batch(&lines, Layout::default());
    let claim_numbers: Vec<i64> = lines
        .iter()
        .map(|l| l.claim[3..].parse::<i64>().unwrap() + 1000)
        .collect();
    let line_numbers: Vec<i32> = (0..lines.len() as i32).collect();
    let mut cols = b.columns().to_vec();
    cols[0] = Arc::new(arrow_array::Int64Array::from(claim_numbers));
    cols[1] = Arc::new(Int32Array::from(line_numbers));
    b = RecordBatch::try_new(
        Arc::new(arrow_schema::Schema::new(
            b.schema()
                .fields()
                .iter()
                .enumerate()
                .map(|(k, f)| {
                    let f = f.as_ref().clone();
                    match k {
                        0 => f.with_data_type(arrow_schema::DataType::Int64),
                        1 => f.with_data_type(arrow_schema::DataType::Int32),
                        _ => f,
                    }
                })
                .collect::<Vec<_>>(),
        )),
        cols,
    )
    .unwrap();
    let got = rows(&[Scrub::new(catalog()).push_last(&b).unwrap()]);
    let mut renamed = lines.clone();
    for (k, l) in renamed.iter_mut().enumerate() {
        l.claim = (l.claim[3..].parse::<i64>().unwrap() + 1000).to_string();
        l.line = k.to_string();
    }
    assert_eq!(got, expected(&renamed, catalog()));
    assert!(got.iter().all(|r| r.0.parse::<i64>().is_ok()));
}

fn one_line() -> Line {
    Line {
        claim: "C1".into(),
        line: "1".into(),
        dos: day(2025, 3, 3),
        code: "H0004".into(),
        system: "hcpcs",
        units: 4,
        modifiers: Some(vec!["HO".into()]),
        diagnoses: Some(vec!["F41.1".into()]),
        pos: Some("11".into()),
        rate: Some("30.00".into()),
        payer: Some("P1".into()),
    }
}

/// The batch with column `name` replaced (or added) by `array`.
fn with_column(b: &RecordBatch, name: &str, array: ArrayRef) -> RecordBatch {
    let mut fields: Vec<arrow_schema::Field> = b
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    let mut cols = b.columns().to_vec();
    let field = arrow_schema::Field::new(name, array.data_type().clone(), true);
    match fields.iter().position(|f| f.name() == name) {
        Some(k) => {
            fields[k] = field;
            cols[k] = array;
        }
        None => {
            fields.push(field);
            cols.push(array);
        }
    }
    RecordBatch::try_new(Arc::new(arrow_schema::Schema::new(fields)), cols).unwrap()
}

fn without_column(b: &RecordBatch, name: &str) -> RecordBatch {
    let k = b.schema().index_of(name).unwrap();
    let mut b = b.clone();
    b.remove_column(k);
    b
}

#[test]
fn a_clean_claim_has_no_problems_and_optional_columns_may_be_absent() {
    let b = to_batch(&[one_line()], Layout::default());
    assert_eq!(
        Scrub::new(catalog()).push_last(&b).unwrap().num_rows(),
        0,
        "a clean claim"
    );
    let mut b = b;
    for name in ["modifiers", "payer_id"] {
        b = without_column(&b, name);
    }
    assert_eq!(Scrub::new(catalog()).push_last(&b).unwrap().num_rows(), 0);
    for name in ["diagnoses", "place_of_service", "rate"] {
        b = without_column(&b, name);
    }
    let got = rows(&[Scrub::new(catalog()).push_last(&b).unwrap()]);
    let codes: Vec<&str> = got.iter().map(|r| r.2.as_str()).collect();
    assert_eq!(
        codes,
        ["MISSING_DIAGNOSIS", "INVALID_PLACE_OF_SERVICE", "NO_RATE"]
    );
}

#[test]
fn bad_input_is_a_typed_error_naming_column_and_row() {
    let mut lines: Vec<Line> = (0..5)
        .map(|k| Line {
            claim: format!("C{}", k / 2),
            line: format!("{k}"),
            ..one_line()
        })
        .collect();
    let good = to_batch(&lines, Layout::default());
    let s = |b: &RecordBatch| Scrub::new(catalog()).threads(1).push_last(b).unwrap_err();

    let e = s(&without_column(&good, "units"));
    assert!(
        matches!(
            e,
            BatchError::MissingColumn {
                column: "units",
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(e.column(), Some("units"));
    let e = s(&with_column(
        &good,
        "patient_name",
        text(vec![Some("x"); 5], Layout::default()),
    ));
    assert!(
        matches!(&e, BatchError::UnknownColumn { column, .. } if column == "patient_name"),
        "{e}"
    );
    let e = s(&with_column(
        &good,
        "rate",
        Arc::new(Float64Array::from(vec![1.5; 5])),
    ));
    assert!(
        matches!(e, BatchError::WrongType { column: "rate", .. }),
        "{e}"
    );
    assert!(e.to_string().contains("never a float"), "{e}");
    // Text where a number or a list is expected.
    for (column, value) in [("units", "4"), ("diagnoses", "F41.1")] {
        let e = s(&with_column(
            &good,
            column,
            text(vec![Some(value); 5], Layout::default()),
        ));
        assert!(
            matches!(e, BatchError::WrongType { column: c, .. } if c == column),
            "{e}"
        );
    }

    let bad_at = |k: usize, f: &dyn Fn(&mut Line)| {
        let mut ls = lines.clone();
        f(&mut ls[k]);
        s(&to_batch(&ls, Layout::default()))
    };
    let e = bad_at(3, &|l| l.code = "99213".into());
    assert_eq!((e.column(), e.row()), (Some("code"), Some(3)), "{e}");
    assert!(e.to_string().contains("not a valid hcpcs code"), "{e}");
    let e = bad_at(2, &|l| l.system = "snomed");
    assert_eq!((e.column(), e.row()), (Some("system"), Some(2)), "{e}");
    let e = bad_at(4, &|l| {
        l.diagnoses = Some(vec!["F41.1".into(), "1234".into()])
    });
    assert_eq!((e.column(), e.row()), (Some("diagnoses"), Some(4)), "{e}");
    let e = bad_at(1, &|l| l.modifiers = Some(vec!["GTX".into()]));
    assert_eq!((e.column(), e.row()), (Some("modifiers"), Some(1)), "{e}");
    let e = bad_at(0, &|l| l.pos = Some("1A".into()));
    assert_eq!(
        (e.column(), e.row()),
        (Some("place_of_service"), Some(0)),
        "{e}"
    );
    let e = bad_at(2, &|l| l.rate = Some("-3".into()));
    assert_eq!((e.column(), e.row()), (Some("rate"), Some(2)), "{e}");
    let e = bad_at(2, &|l| l.rate = Some("abc".into()));
    assert_eq!((e.column(), e.row()), (Some("rate"), Some(2)), "{e}");
    let e = bad_at(3, &|l| l.units = -1);
    assert_eq!((e.column(), e.row()), (Some("units"), Some(3)), "{e}");
    let e = bad_at(1, &|l| l.line = "0".into());
    assert!(
        matches!(&e, BatchError::DuplicateLine { claim_id, line_id, row: 1 } if claim_id == "C0" && line_id == "0"),
        "{e}"
    );
    let e = bad_at(3, &|l| l.payer = Some("OTHER".into()));
    assert_eq!((e.column(), e.row()), (Some("payer_id"), Some(3)), "{e}");
    assert!(
        !e.to_string().contains("OTHER"),
        "payer ids are never echoed: {e}"
    );
    let e = bad_at(4, &|l| l.claim = "C0".into());
    assert!(
        matches!(&e, BatchError::ClaimNotContiguous { claim_id, row: 4 } if claim_id == "C0"),
        "{e}"
    );
    let e = bad_at(2, &|l| l.claim = " ".into());
    assert_eq!((e.column(), e.row()), (Some("claim_id"), Some(2)), "{e}");

    // Nulls in required columns.
    let code: ArrayRef = text(
        vec![
            Some("H0004"),
            None,
            Some("H0004"),
            Some("H0004"),
            Some("H0004"),
        ],
        Layout::default(),
    );
    let units: ArrayRef = Arc::new(Int32Array::from(vec![
        Some(1),
        Some(1),
        Some(1),
        None,
        Some(1),
    ]));
    let dates: ArrayRef = Arc::new(Date32Array::from(vec![
        Some(20_000),
        None,
        None,
        None,
        None,
    ]));
    for (column, array, first_null) in [
        ("code", code, 1),
        ("units", units, 3),
        ("date_of_service", dates, 1),
    ] {
        let e = s(&with_column(&good, column, array));
        assert!(
            matches!(e, BatchError::Null { column: c, row } if c == column && row == first_null),
            "{e}"
        );
    }

    // Rows count across the batches of a stream.
    lines[4].code = "1".into();
    let batches = split(&lines, &[2, 2, 1], Layout::default());
    let e = scrub(&batches, 1).unwrap_err();
    assert_eq!((e.column(), e.row()), (Some("code"), Some(4)), "{e}");
}

#[test]
fn a_claim_that_reappears_in_a_later_batch_is_an_error_and_the_scrub_is_spent() {
    let lines: Vec<Line> = ["A", "A", "B", "A"]
        .iter()
        .enumerate()
        .map(|(k, c)| Line {
            claim: (*c).into(),
            line: k.to_string(),
            ..one_line()
        })
        .collect();
    let batches = split(&lines, &[1], Layout::default());
    let mut s = Scrub::new(catalog());
    assert_eq!(s.push(&batches[0]).unwrap().num_rows(), 0);
    assert_eq!(s.push(&batches[1]).unwrap().num_rows(), 0, "A continues");
    assert_eq!(s.push(&batches[2]).unwrap().num_rows(), 0, "A done, clean");
    let e = s.push(&batches[3]).unwrap_err();
    assert!(
        matches!(&e, BatchError::ClaimNotContiguous { claim_id, row: 3 } if claim_id == "A"),
        "{e}"
    );
    assert_eq!(
        s.finish().unwrap_err(),
        e,
        "a spent scrub repeats its error"
    );
    assert_eq!(s.rows(), 3);
}

#[test]
fn garbage_never_panics() {
    let mut r = Rng(99);
    let alphabet: Vec<char> = "AZaz09 .-_é\u{0}\t,;GHF".chars().collect();
    let mut junk =
        |r: &mut Rng| -> String { (0..r.below(20)).map(|_| *r.pick(&alphabet)).collect() };
    for _ in 0..300 {
        let n = 1 + r.below(6);
        let col = |r: &mut Rng, junk: &mut dyn FnMut(&mut Rng) -> String| -> Vec<String> {
            (0..n).map(|_| junk(r)).collect()
        };
        let claims = col(&mut r, &mut junk);
        let codes = col(&mut r, &mut junk);
        let systems: Vec<String> = (0..n)
            .map(|_| {
                r.pick(&["hcpcs", "cpt", "icd10cm", "pos", "custom", "x"])
                    .to_string()
            })
            .collect();
        let mods: Vec<Vec<String>> = (0..n).map(|_| vec![junk(&mut r), junk(&mut r)]).collect();
        let lines: Vec<Line> = (0..n)
            .map(|k| Line {
                claim: claims[k].clone(),
                line: k.to_string(),
                code: codes[k].clone(),
                system: Box::leak(systems[k].clone().into_boxed_str()),
                units: r.below(5) as i64 - 1,
                modifiers: Some(mods[k].clone()),
                rate: Some(junk(&mut r)),
                ..one_line()
            })
            .collect();
        let b = to_batch(&lines, Layout::default());
        let _ = Scrub::new(catalog()).threads(2).push_last(&b);
        let _ = validate_codes(
            catalog(),
            &StringArray::from(codes.clone()),
            &StringArray::from(systems.clone()),
            None,
        );
    }
}

/// code, system, date, verdict.
type Case<'a> = (
    Option<&'a str>,
    Option<&'a str>,
    Option<NaiveDate>,
    Option<CodeVerdict>,
);

#[test]
fn validate_codes_gives_the_verdict_of_each_row() {
    let p = pools();
    let terminated = &p.terminated[0];
    let dos = day(2025, 6, 1);
    use CodeVerdict::{Malformed, NotBillable, NotEffective, Unknown, Valid};
    let on = Some(dos);
    let cases: Vec<Case> = vec![
        (Some("F41.1"), Some("icd10cm"), on, Some(Valid)),
        (Some("f411"), Some("ICD10CM"), None, Some(Valid)),
        (Some("F41"), Some("icd10cm"), on, Some(NotBillable)),
        (Some(&p.unknown_icd), Some("icd10cm"), on, Some(Unknown)),
        (Some(terminated), Some("hcpcs"), on, Some(NotEffective)),
        (Some(terminated), Some("hcpcs"), None, Some(Valid)),
        (Some("G0444"), Some("hcpcs"), on, Some(Valid)),
        (Some("99213"), Some("hcpcs"), on, Some(Malformed)),
        (Some("GT"), Some("modifier"), on, Some(Valid)),
        (Some("11"), Some("pos"), on, Some(Valid)),
        (None, Some("hcpcs"), on, None),
        (Some("G0444"), None, on, None),
    ];
    let codes = StringArray::from(cases.iter().map(|c| c.0).collect::<Vec<_>>());
    let systems = StringArray::from(cases.iter().map(|c| c.1).collect::<Vec<_>>());
    let dates = Date32Array::from(
        cases
            .iter()
            .map(|c| c.2.map(|d| d.num_days_from_ce() - 719_163))
            .collect::<Vec<_>>(),
    );
    let got = validate_codes(catalog(), &codes, &systems, Some(&dates)).unwrap();
    assert_eq!(got.len(), cases.len());
    for (k, c) in cases.iter().enumerate() {
        let want = c.3.map(CodeVerdict::as_str);
        let have = got.is_valid(k).then(|| got.value(k));
        assert_eq!(have, want, "row {k}: {c:?}");
    }
    // The verdict of each row is the single-code function's.
    let e = validate_codes(catalog(), &codes, &StringArray::from(vec!["hcpcs"]), None).unwrap_err();
    assert!(
        matches!(
            e,
            BatchError::LengthMismatch {
                column: "systems",
                found: 1,
                ..
            }
        ),
        "{e}"
    );
    let mut bad_systems: Vec<Option<&str>> = cases.iter().map(|c| c.1).collect();
    bad_systems[3] = Some("loinc");
    let e = validate_codes(catalog(), &codes, &StringArray::from(bad_systems), None).unwrap_err();
    assert_eq!((e.column(), e.row()), (Some("systems"), Some(3)), "{e}");
    let e = validate_codes(
        catalog(),
        &Int32Array::from(vec![1]),
        &StringArray::from(vec!["x"]),
        None,
    )
    .unwrap_err();
    assert!(
        matches!(
            e,
            BatchError::WrongType {
                column: "codes",
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(CodeVerdict::ALL.len(), 5);
}

#[test]
fn the_coding_rules_of_issue_15_come_out_of_the_scrub_as_out_of_readiness() {
    // The embedded catalog carries the ICD-10-CM structure; the add-on code
    // edits come from the CMS file.
    let mut b = NcciBuilder::new();
    b.load_addon(common::data_dir().join("ncci_addon_medicare.tsv"))
        .expect("the add-on edits load");
    let cat = Catalog::embedded()
        .expect("embedded catalog")
        .with_ncci(NcciEdits::from_bytes(b.build().unwrap()).unwrap());
    let line = |claim: &str, id: &str, code: &str, system: &'static str, dx: &[&str]| Line {
        claim: claim.into(),
        line: id.into(),
        code: code.into(),
        system,
        units: 1,
        modifiers: None,
        diagnoses: Some(dx.iter().map(|d| (*d).to_owned()).collect()),
        ..one_line()
    };
    let lines = vec![
        line("C1", "1", "H0004", "hcpcs", &["E74.00", "E11.9"]),
        line("C2", "1", "H0004", "hcpcs", &["F02.80", "G30.9"]),
        line("C3", "1", "H0004", "hcpcs", &["J12.82"]),
        line("C4", "1", "99292", "cpt", &["I46.9"]),
        line("C5", "1", "99291", "cpt", &["I46.9"]),
        line("C5", "2", "99292", "cpt", &["I46.9"]),
    ];
    let want = expected(&lines, &cat);
    let got = Scrub::new(&cat)
        .threads(2)
        .push_last(&to_batch(&lines, Layout::default()))
        .expect("scrubs");
    assert_eq!(rows(&[got]), want);
    let has = |claim: &str, code: &str, severity: &str| {
        want.iter()
            .any(|r| r.0 == claim && r.2 == code && r.3 == severity)
    };
    assert!(has("C1", "EXCLUDES1_CONFLICT", "error"), "{want:#?}");
    assert!(has("C2", "MANIFESTATION_FIRST", "error"), "{want:#?}");
    assert!(has("C3", "CODE_FIRST_NOTE", "warning"), "{want:#?}");
    assert!(has("C4", "ADD_ON_WITHOUT_PRIMARY", "error"), "{want:#?}");
    assert!(!want
        .iter()
        .any(|r| r.0 == "C5" && r.2 == "ADD_ON_WITHOUT_PRIMARY"));
}
