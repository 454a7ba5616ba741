//! `procode`: search and look up procedure and diagnosis codes, build index
//! files, check billing documents for insurance readiness, and export claims.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use procode::billing::{
    readiness, Currency, Document, DocumentError, FeeSchedule, MoneyError, Pricing, Problem,
};
use procode::claim::{self, ClaimContext, ClaimError, ClaimFormat};
use procode::ncci::{EditsBuilder, NcciEdits};
use procode::{Catalog, CodeSystem, Entry, SearchOptions};

mod build;

#[derive(Parser)]
#[command(
    name = "procode",
    version,
    about = "Procedure and diagnosis codes for practice billing"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args)]
struct CatalogArgs {
    /// Index file to use instead of the embedded default catalog.
    #[arg(long, global = true, value_name = "FILE")]
    catalog: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Typeahead search: a code prefix ("G04", "f41.") or description words ("diab mell").
    Search {
        /// The query.
        query: String,
        /// Only this code system (hcpcs, cpt, icd10cm, icd10pcs, modifier, pos, custom).
        #[arg(long)]
        system: Option<String>,
        /// At most this many results.
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Skip this many results first (pagination).
        #[arg(long, default_value_t = 0)]
        offset: usize,
        /// Only billable codes.
        #[arg(long)]
        billable_only: bool,
        /// Date of service (YYYY-MM-DD): hide codes not valid on that day.
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        #[command(flatten)]
        cat: CatalogArgs,
    },
    /// Exact lookup of one code.
    Lookup {
        /// The code ("F41.1", "g0438").
        code: String,
        /// The code system.
        #[arg(long)]
        system: Option<String>,
        /// Date of service (YYYY-MM-DD): not found unless valid on that day.
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        #[command(flatten)]
        cat: CatalogArgs,
    },
    /// Build an index file from code-set sources.
    Build(build::BuildArgs),
    /// Build an NCCI edits file from CMS PTP and MUE tables (TSV, plain or
    /// gzip), for `check --edits`.
    BuildEdits {
        /// A PTP table (columns column1, column2, deletion_date,
        /// modifier_indicator, rationale); repeatable.
        #[arg(long, value_name = "FILE")]
        ptp: Vec<PathBuf>,
        /// An MUE table (columns code, mue, mai, rationale[, effective_date]);
        /// repeatable.
        #[arg(long, value_name = "FILE")]
        mue: Vec<PathBuf>,
        /// The edits file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Insurance readiness of a billing document (service, session or invoice
    /// JSON): lists every problem that would get a claim rejected. Exits with
    /// status 1 when there are problems.
    Check {
        /// The document's JSON file.
        file: PathBuf,
        /// A default fee schedule (CSV, or TSV by extension).
        #[arg(long, value_name = "FILE")]
        fee_schedule: Vec<PathBuf>,
        /// A payer's fee schedule: PAYER=FILE.
        #[arg(long, value_name = "PAYER=FILE")]
        payer_schedule: Vec<String>,
        /// Currency of the fee schedules.
        #[arg(long, default_value = "USD")]
        currency: String,
        /// An NCCI edits file (from `procode build-edits`): also report
        /// NCCI_PTP_CONFLICT and MUE_EXCEEDED.
        #[arg(long, value_name = "FILE")]
        edits: Option<PathBuf>,
        #[command(flatten)]
        cat: CatalogArgs,
    },
    /// Export a claim for a ready invoice or completed session: X12 837P,
    /// FHIR R4 Claim JSON or the CMS-1500 box map. Refuses a document or
    /// context with problems, listing every one (exit status 1).
    Claim {
        /// The document's JSON file (invoice or completed session).
        file: PathBuf,
        /// The claim context's JSON file.
        #[arg(long, value_name = "FILE")]
        context: PathBuf,
        /// x12, fhir or cms1500.
        #[arg(long, default_value = "x12")]
        format: String,
        #[command(flatten)]
        cat: CatalogArgs,
    },
}

fn parse_system(s: Option<&str>) -> Result<Option<CodeSystem>, String> {
    s.map(|s| s.parse::<CodeSystem>().map_err(|e| e.to_string()))
        .transpose()
}

fn parse_date(s: Option<&str>) -> Result<Option<NaiveDate>, String> {
    s.map(|s| procode::parse_date(s).map_err(|e| e.to_string()))
        .transpose()
}

fn open_catalog(a: &CatalogArgs) -> Result<Catalog, String> {
    match &a.catalog {
        Some(p) => Catalog::open(p).map_err(|e| format!("{}: {e}", p.display())),
        None => Catalog::embedded().map_err(|e| e.to_string()),
    }
}

/// The JSON shape of an entry (SPEC §3).
fn entry_json(e: &Entry) -> serde_json::Value {
    serde_json::json!({
        "code": e.code.as_str(),
        "display_code": e.display_code(),
        "system": e.system.as_str(),
        "description": e.description,
        "short_description": e.short_description,
        "effective": e.effective.map(|d| d.to_string()),
        "terminated": e.terminated.map(|d| d.to_string()),
        "billable": e.billable,
    })
}

/// A search's results as JSON: the page of entries (each with its
/// `display_code` and match `spans`), `total`, `offset`, `mode` and the
/// `notice` of a CPT-shaped query.
fn search_json(hits: &procode::SearchResults) -> serde_json::Value {
    let results: Vec<_> = hits
        .iter()
        .zip(&hits.spans)
        .map(|(e, spans)| {
            let mut v = entry_json(e);
            v["spans"] = spans
                .iter()
                .map(|s| {
                    serde_json::json!({
                        "start": s.start,
                        "end": s.end,
                        "term": s.term,
                        "via": s.via,
                        "typo": s.typo,
                    })
                })
                .collect();
            v
        })
        .collect();
    serde_json::json!({
        "mode": hits.mode.as_str(),
        "total": hits.total,
        "offset": hits.offset,
        "notice": hits.notice.map(|n| serde_json::json!({"code": n.code(), "message": n.message()})),
        "results": results,
    })
}

/// The terminal's width: `COLUMNS` when set, else 100.
fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&w| w >= 20)
        .unwrap_or(100)
}

/// `line` cut to `width` characters, ending in "…" when cut.
fn truncate_to(line: &str, width: usize) -> String {
    if line.chars().count() <= width {
        return line.to_owned();
    }
    let mut s: String = line.chars().take(width.saturating_sub(1)).collect();
    s.push('…');
    s
}

/// [`entry_line`] with the description cut so the line fits `width`
/// characters (some HCPCS descriptions exceed 4,000 characters).
fn entry_line_fitted(e: &Entry, width: usize) -> String {
    let full = entry_line(e);
    let over = full.chars().count().saturating_sub(width);
    if over == 0 {
        return full;
    }
    let keep = e
        .description
        .chars()
        .count()
        .saturating_sub(over + 1)
        .max(10);
    let mut short = e.clone();
    short.description = truncate_to(&e.description, keep + 1);
    entry_line(&short)
}

fn entry_line(e: &Entry) -> String {
    let mut s = format!("{:<8} {:<8} {}", e.display_code(), e.system, e.description);
    if !e.billable {
        s.push_str("  [not billable]");
    }
    if let Some(t) = e.terminated {
        s.push_str(&format!("  [terminated {t}]"));
    }
    s
}

fn run(cli: Cli) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    let mut emit = |s: String| writeln!(out, "{s}").map_err(|e| e.to_string());
    match cli.command {
        Command::Search {
            query,
            system,
            limit,
            offset,
            billable_only,
            as_of,
            cat,
        } => {
            let opts = SearchOptions::default()
                .system(parse_system(system.as_deref())?)
                .limit(limit)
                .offset(offset)
                .billable_only(billable_only)
                .as_of(parse_date(as_of.as_deref())?);
            let catalog = open_catalog(&cat)?;
            let hits = catalog.search(&query, &opts).map_err(|e| e.to_string())?;
            if cat.json {
                emit(search_json(&hits).to_string())?;
            } else {
                if let Some(n) = hits.notice {
                    emit(format!("note: {}", n.message()))?;
                }
                if hits.is_empty() {
                    emit(format!("no code matches {query:?}"))?;
                } else {
                    let width = terminal_width();
                    for e in hits.iter() {
                        emit(entry_line_fitted(e, width))?;
                    }
                    if hits.total > hits.offset + hits.len() || hits.offset > 0 {
                        emit(format!(
                            "({}-{} of {}; --offset N for more)",
                            hits.offset + 1,
                            hits.offset + hits.len(),
                            hits.total
                        ))?;
                    }
                }
            }
        }
        Command::Lookup {
            code,
            system,
            as_of,
            cat,
        } => {
            let system = parse_system(system.as_deref())?;
            let as_of = parse_date(as_of.as_deref())?;
            let catalog = open_catalog(&cat)?;
            let e = catalog
                .lookup(&code, system, as_of)
                .map_err(|e| e.to_string())?;
            match (e, cat.json) {
                (Some(e), true) => emit(entry_json(&e).to_string())?,
                (None, true) => emit("null".into())?,
                (Some(e), false) => {
                    emit(entry_line(&e))?;
                    if e.short_description != e.description {
                        emit(format!("  short: {}", e.short_description))?;
                    }
                    if let Some(d) = e.effective {
                        emit(format!("  effective: {d}"))?;
                    }
                }
                (None, false) => return Err(format!("code {code:?} not found")),
            }
        }
        Command::Build(args) => {
            let report = build::run(&args)?;
            emit(report)?;
        }
        Command::BuildEdits { ptp, mue, out } => {
            if ptp.is_empty() && mue.is_empty() {
                return Err("build-edits: give at least one --ptp or --mue table".into());
            }
            let t = std::time::Instant::now();
            let mut b = EditsBuilder::new();
            for p in &ptp {
                b.load_ptp(p).map_err(|e| e.to_string())?;
            }
            for p in &mue {
                b.load_mue(p).map_err(|e| e.to_string())?;
            }
            let bytes = b.write_to(&out).map_err(|e| e.to_string())?;
            emit(format!(
                "wrote {}: {} PTP edits, {} MUEs, {bytes} bytes in {:.1} s",
                out.display(),
                b.ptp_rows(),
                b.mue_rows(),
                t.elapsed().as_secs_f64()
            ))?;
        }
        Command::Check {
            file,
            fee_schedule,
            payer_schedule,
            currency,
            edits,
            cat,
        } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let doc = read_document(&file, &text)?;
            let currency: Currency = currency.parse().map_err(|e: MoneyError| e.to_string())?;
            let mut schedules = Vec::new();
            for (i, p) in fee_schedule.iter().enumerate() {
                schedules.push(
                    FeeSchedule::from_path(format!("default-{}", i + 1), None, currency, p)
                        .map_err(|e| e.to_string())?,
                );
            }
            for spec in &payer_schedule {
                let (payer, p) = spec
                    .split_once('=')
                    .ok_or_else(|| format!("--payer-schedule {spec:?}: expected PAYER=FILE"))?;
                schedules.push(
                    FeeSchedule::from_path(payer, Some(payer.to_owned()), currency, p.as_ref())
                        .map_err(|e| e.to_string())?,
                );
            }
            let mut catalog = open_catalog(&cat)?;
            if let Some(p) = &edits {
                let e = NcciEdits::open(p).map_err(|e| format!("{}: {e}", p.display()))?;
                catalog = catalog.with_edits(e);
            }
            let pricing = (!schedules.is_empty()).then(|| Pricing::new(&schedules));
            let problems = readiness(&doc, &catalog, pricing);
            if cat.json {
                emit(problems_json(&problems))?;
            } else if problems.is_empty() {
                emit(format!("{}: ready", file.display()))?;
            } else {
                for p in &problems {
                    emit(p.to_string())?;
                }
            }
            if !problems.is_empty() {
                return Err(format!(
                    "{}: {} problem(s) would get the claim rejected",
                    file.display(),
                    problems.len()
                ));
            }
        }
        Command::Claim {
            file,
            context,
            format,
            cat,
        } => {
            let format: ClaimFormat = format.parse().map_err(|e: ClaimError| e.to_string())?;
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let doc = read_document(&file, &text)?;
            let ctx_text = std::fs::read_to_string(&context)
                .map_err(|e| format!("cannot read {}: {e}", context.display()))?;
            let ctx = ClaimContext::from_json(&ctx_text)
                .map_err(|e| format!("{}: {e}", context.display()))?;
            let catalog = open_catalog(&cat)?;
            match claim::export(&doc, &ctx, &catalog, format) {
                Ok(out) => emit(out)?,
                Err(ClaimError::NotReady { document, problems }) => {
                    if cat.json {
                        emit(problems_json(&problems))?;
                    } else {
                        for p in &problems {
                            emit(p.to_string())?;
                        }
                    }
                    return Err(format!(
                        "cannot export a claim for {document}: {} problem(s)",
                        problems.len()
                    ));
                }
                Err(e) => return Err(e.to_string()),
            }
        }
    }
    Ok(())
}

/// A billing document from its JSON file, checked by the core (unknown
/// fields and inconsistent documents are errors naming what is wrong).
fn read_document(file: &std::path::Path, text: &str) -> Result<Document, String> {
    Document::from_json(text).map_err(|e| match e {
        DocumentError::Json(_) => format!("{}: not a procode document: {e}", file.display()),
        _ => format!("{}: {e}", file.display()),
    })
}

fn problems_json(problems: &[Problem]) -> String {
    let v: Vec<_> = problems
        .iter()
        .map(|p| {
            serde_json::json!({
                "code": p.code.as_str(),
                "line_id": p.line_id,
                "message": p.message,
                "detail": p.detail,
            })
        })
        .collect();
    serde_json::Value::Array(v).to_string()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("procode: {e}");
            ExitCode::FAILURE
        }
    }
}
