//! `procode`: search and look up procedure and diagnosis codes, build index
//! files, check billing documents for insurance readiness, and export claims.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use procode::billing::{
    readiness, Currency, Document, FeeSchedule, MoneyError, Pricing, Problem, Severity,
};
use procode::claim::{self, ClaimContext, ClaimError, ClaimFormat};
use procode::ncci::{NcciBuilder, NcciEdits};
use procode::{Catalog, Classified, CodeSystem, Entry, ErrorKind, SearchOptions};

mod args;
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
    Search(SearchArgs),
    /// Exact lookup of one code.
    Lookup(LookupArgs),
    /// The catalog: its releases (one per source and code system, with the
    /// dates of service each is valid for), codes and size.
    Info(InfoArgs),
    /// What changed: codes added, deleted, revised (old -> new title) and
    /// billable flips between two index files (OLD NEW) or, without files,
    /// between two dates of service of the catalog (--from, --to).
    Diff(DiffArgs),
    /// Build an index file from code-set sources.
    Build(build::BuildArgs),
    /// Build an NCCI edits file from CMS PTP and MUE tables (TSV, plain or
    /// gzip), for `check --edits`.
    BuildEdits(BuildEditsArgs),
    /// Insurance readiness of a billing document (service, session or invoice
    /// JSON): lists every problem that would get a claim rejected or denied,
    /// each with its severity. Exits with status 1 when there are errors
    /// (warnings too with --strict).
    Check(CheckArgs),
    /// The ICD-10-CM structure around a code: chapter, section and ancestors,
    /// the codes below it, the notes in force and its 7th characters.
    Tree(TreeArgs),
    /// Export a claim for a ready invoice or completed session: X12 837P,
    /// FHIR R4 Claim JSON or the CMS-1500 box map. Refuses a document or
    /// context with problems, listing every one (exit status 1).
    Claim(ClaimArgs),
}

/// The arguments of `procode search`.
#[derive(clap::Args)]
struct SearchArgs {
    /// The query.
    query: String,
    /// Only this code system.
    #[arg(long, value_parser = args::systems())]
    system: Option<CodeSystem>,
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
}

/// The arguments of `procode lookup`.
#[derive(clap::Args)]
struct LookupArgs {
    /// The code ("F41.1", "g0438").
    code: String,
    /// The code system.
    #[arg(long, value_parser = args::systems())]
    system: Option<CodeSystem>,
    /// Date of service (YYYY-MM-DD): the version in force on that day;
    /// not found unless valid on that day (the error says why).
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    /// Print the verdict instead of the entry: valid, not yet effective,
    /// terminated (with replacements), header (with billable children)
    /// or unknown; exits with status 1 unless valid.
    #[arg(long)]
    verdict: bool,
    #[command(flatten)]
    cat: CatalogArgs,
}

/// The arguments of `procode info`.
#[derive(clap::Args)]
struct InfoArgs {
    /// A date of service (YYYY-MM-DD): also say which systems have no
    /// release covering it.
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    #[command(flatten)]
    cat: CatalogArgs,
}

/// The arguments of `procode diff`.
#[derive(clap::Args)]
struct DiffArgs {
    /// The old and new index files (none: the catalog, read on two dates).
    #[arg(num_args = 0..=2, value_name = "INDEX")]
    files: Vec<PathBuf>,
    /// The date the old side is read on (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// The date the new side is read on (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
    /// Only this code system.
    #[arg(long, value_parser = args::systems())]
    system: Option<CodeSystem>,
    /// Only the codes listed in this file (one per line; blank lines and
    /// lines starting with # are skipped).
    #[arg(long, value_name = "FILE")]
    codes: Option<PathBuf>,
    #[command(flatten)]
    cat: CatalogArgs,
}

/// The arguments of `procode build-edits`.
#[derive(clap::Args)]
struct BuildEditsArgs {
    /// A PTP table (columns column1, column2, deletion_date,
    /// modifier_indicator, rationale); repeatable.
    #[arg(long, value_name = "FILE")]
    ptp: Vec<PathBuf>,
    /// An MUE table (columns code, mue, mai, rationale[, effective_date]);
    /// repeatable.
    #[arg(long, value_name = "FILE")]
    mue: Vec<PathBuf>,
    /// The CMS add-on code edits: the spreadsheet as published
    /// (AOC_V2026Q2-MCR.xlsx) or the same as TSV; repeatable.
    #[arg(long, value_name = "FILE")]
    addon: Vec<PathBuf>,
    /// The edits file to write.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

/// The arguments of `procode check`.
#[derive(clap::Args)]
struct CheckArgs {
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
    /// NCCI_PTP_CONFLICT, MUE_EXCEEDED and the add-on code edits.
    #[arg(long, value_name = "FILE")]
    edits: Option<PathBuf>,
    /// Exit with status 1 for warnings too.
    #[arg(long)]
    strict: bool,
    #[command(flatten)]
    cat: CatalogArgs,
}

/// The arguments of `procode tree`.
#[derive(clap::Args)]
struct TreeArgs {
    /// The code ("F41", "S00.00").
    code: String,
    #[command(flatten)]
    cat: CatalogArgs,
}

/// The arguments of `procode claim`.
#[derive(clap::Args)]
struct ClaimArgs {
    /// The document's JSON file (invoice or completed session).
    file: PathBuf,
    /// The claim context's JSON file.
    #[arg(long, value_name = "FILE")]
    context: PathBuf,
    /// The claim format.
    #[arg(long, default_value = "x12", value_parser = args::formats())]
    format: ClaimFormat,
    #[command(flatten)]
    cat: CatalogArgs,
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

/// The JSON shape of an entry (SPEC §3): the core's, with `display_code`.
fn entry_json(e: &Entry) -> serde_json::Value {
    // Cannot fail: every key of an entry's JSON is a string.
    serde_json::to_value(e.shown()).unwrap_or(serde_json::Value::Null)
}

/// A search's results as JSON: the page of entries (each with its
/// `display_code` and match `spans`), `total`, `offset`, `mode` and the
/// `notice` (a CPT-shaped query, or results that match all words but one).
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
                        "term": &*s.term,
                        "via": s.via.as_deref(),
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

/// Why a command failed, which decides the exit status (like grep and ruff).
enum Failure {
    /// The command ran and found what it reports as a failure: problems that
    /// would get a claim rejected, a code not valid (exit status 1).
    Found(String),
    /// Bad usage or input: an unreadable file, a malformed date or code, an
    /// index that cannot be opened (exit status 2, as clap's usage errors).
    Input(String),
}

impl From<String> for Failure {
    fn from(message: String) -> Failure {
        Failure::Input(message)
    }
}

impl From<&str> for Failure {
    fn from(message: &str) -> Failure {
        Failure::Input(message.to_owned())
    }
}

/// Where a command writes its output, a line at a time.
type Emit<'a> = dyn FnMut(String) -> Result<(), String> + 'a;

fn run(cli: Cli) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    let mut emit = |s: String| writeln!(out, "{s}").map_err(|e| e.to_string());
    match cli.command {
        Command::Search(a) => search(a, &mut emit),
        Command::Lookup(a) => lookup(a, &mut emit),
        Command::Info(a) => info_cmd(a, &mut emit),
        Command::Diff(a) => diff(a, &mut emit),
        Command::Build(args) => build_index(args, &mut emit),
        Command::BuildEdits(a) => build_edits(a, &mut emit),
        Command::Check(a) => check(a, &mut emit),
        Command::Tree(a) => tree(a, &mut emit),
        Command::Claim(a) => claim(a, &mut emit),
    }
}

fn search(a: SearchArgs, emit: &mut Emit<'_>) -> Result<(), Failure> {
    let SearchArgs {
        query,
        system,
        limit,
        offset,
        billable_only,
        as_of,
        cat,
    } = a;
    if query.trim().is_empty() {
        return Err("search: the query is empty (give a code prefix or words)".into());
    }
    if limit == 0 {
        return Err("search: --limit must be at least 1".into());
    }
    let opts = SearchOptions::default()
        .system(system)
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
    Ok(())
}

fn lookup(a: LookupArgs, emit: &mut Emit<'_>) -> Result<(), Failure> {
    let LookupArgs {
        code,
        system,
        as_of,
        verdict,
        cat,
    } = a;
    let as_of = parse_date(as_of.as_deref())?;
    let catalog = open_catalog(&cat)?;
    if verdict {
        let v = catalog
            .validate(&code, system, as_of)
            .map_err(|e| e.to_string())?;
        if cat.json {
            emit(serde_json::to_string(&v).map_err(|e| e.to_string())?)?;
        } else {
            emit(v.message(as_of))?;
            for e in v.codes() {
                emit(format!("  {}", entry_line(e)))?;
            }
        }
        return if v.is_valid() {
            Ok(())
        } else {
            Err(Failure::Found(format!(
                "{code:?}: {}",
                v.as_str().replace('_', " ")
            )))
        };
    }
    let e = catalog
        .lookup(&code, system, as_of)
        .map_err(|e| e.to_string())?;
    release_warning(&catalog, &code, system, as_of);
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
            if !e.billable {
                let why = catalog
                    .validate(&code, Some(e.system), as_of)
                    .map_err(|e| e.to_string())?;
                emit(format!("  {}", why.message(as_of)))?;
            }
        }
        (None, false) => {
            let why = catalog
                .validate(&code, system, as_of)
                .map_err(|e| e.to_string())?;
            return Err(Failure::Found(format!(
                "code {code:?} not found: {}",
                why.message(as_of)
            )));
        }
    }
    Ok(())
}

fn info_cmd(a: InfoArgs, emit: &mut Emit<'_>) -> Result<(), Failure> {
    let InfoArgs { as_of, cat } = a;
    let as_of = parse_date(as_of.as_deref())?;
    let catalog = open_catalog(&cat)?;
    emit(info(&catalog, as_of, cat.json))?;
    Ok(())
}

fn diff(a: DiffArgs, emit: &mut Emit<'_>) -> Result<(), Failure> {
    let DiffArgs {
        files,
        from,
        to,
        system,
        codes,
        cat,
    } = a;
    let (from, to) = (parse_date(from.as_deref())?, parse_date(to.as_deref())?);
    let mut opts = procode::catalog::DiffOptions::default()
        .dates(from, to)
        .system(system);
    if let Some(p) = &codes {
        opts = opts.codes(read_codes(p)?);
    }
    let (old, new) = match files.as_slice() {
        [] if from.is_none() || to.is_none() => {
            return Err("diff: give two index files, or --from and --to dates".into())
        }
        [] => {
            let c = open_catalog(&cat)?;
            (c.clone(), c)
        }
        [a, b] => {
            let open = |p: &PathBuf| Catalog::open(p).map_err(|e| format!("{}: {e}", p.display()));
            (open(a)?, open(b)?)
        }
        _ => return Err("diff: give two index files (OLD NEW), or none".into()),
    };
    let d = procode::catalog::diff(&old, &new, &opts).map_err(|e| e.to_string())?;
    emit(diff_report(&d, cat.json))?;
    Ok(())
}

fn build_index(args: build::BuildArgs, emit: &mut Emit<'_>) -> Result<(), Failure> {
    let report = build::run(&args)?;
    emit(report)?;
    Ok(())
}

fn build_edits(a: BuildEditsArgs, emit: &mut Emit<'_>) -> Result<(), Failure> {
    let BuildEditsArgs {
        ptp,
        mue,
        addon,
        out,
    } = a;
    if ptp.is_empty() && mue.is_empty() && addon.is_empty() {
        return Err("build-edits: give at least one --ptp, --mue or --addon table".into());
    }
    let t = std::time::Instant::now();
    let mut b = NcciBuilder::new();
    for p in &ptp {
        b.load_ptp(p).map_err(|e| e.to_string())?;
    }
    for p in &mue {
        b.load_mue(p).map_err(|e| e.to_string())?;
    }
    for p in &addon {
        b.load_addon(p).map_err(|e| e.to_string())?;
    }
    let bytes = b.write_to(&out).map_err(|e| e.to_string())?;
    emit(format!(
        "wrote {}: {} PTP edits, {} MUEs, {} add-on code edits, {bytes} bytes in {:.1} s",
        out.display(),
        b.ptp_rows(),
        b.mue_rows(),
        b.addon_rows(),
        t.elapsed().as_secs_f64()
    ))?;
    Ok(())
}

fn check(a: CheckArgs, emit: &mut Emit<'_>) -> Result<(), Failure> {
    let CheckArgs {
        file,
        fee_schedule,
        payer_schedule,
        currency,
        edits,
        strict,
        cat,
    } = a;
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
        catalog = catalog.with_ncci(e);
    }
    let pricing = (!schedules.is_empty()).then(|| Pricing::new(&schedules));
    let problems = readiness(&doc, &catalog, pricing);
    if cat.json {
        emit(problems_json(&problems)?)?;
    } else if problems
        .iter()
        .all(|p| p.code.severity() != procode::billing::Severity::Error)
    {
        for p in &problems {
            emit(format!("warning: {p}"))?;
        }
        emit(format!("{}: ready", file.display()))?;
    } else {
        for p in &problems {
            emit(p.to_string())?;
        }
    }
    let errors = problems
        .iter()
        .filter(|p| p.severity() == Severity::Error)
        .count();
    let warnings = problems.len() - errors;
    if errors > 0 || (strict && warnings > 0) {
        return Err(Failure::Found(format!(
            "{}: {errors} error(s) would get the claim rejected or denied, {warnings} warning(s)",
            file.display(),
        )));
    }
    Ok(())
}

fn tree(a: TreeArgs, emit: &mut Emit<'_>) -> Result<(), Failure> {
    let TreeArgs { code, cat } = a;
    let catalog = open_catalog(&cat)?;
    if !catalog.has_structure() {
        return Err("this catalog holds no ICD-10-CM structure".into());
    }
    let tree = catalog
        .tree(&code)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("ICD-10-CM code {code:?} is not in the tabular list"))?;
    if cat.json {
        emit(tree.to_json().to_string())?;
    } else {
        for l in &tree.ancestors {
            emit(format!("{:<8} {:<8} {}", l.kind.as_str(), l.id, l.title))?;
        }
        let title = catalog
            .lookup_code(&tree.code, CodeSystem::Icd10Cm, None)
            .map_err(|e| e.to_string())?
            .map(|e| e.description)
            .unwrap_or_default();
        emit(format!(
            "{:<8} {:<8} {title}{}",
            "code",
            tree.code.display_for(CodeSystem::Icd10Cm),
            if tree.manifestation {
                "  [manifestation: never first-listed]"
            } else {
                ""
            }
        ))?;
        for c in &tree.children {
            emit(format!(
                "  {:<8} {}{}",
                c.code.display_for(CodeSystem::Icd10Cm),
                c.title,
                if c.billable { "" } else { "  [not billable]" }
            ))?;
        }
        if !tree.seventh_characters.is_empty() {
            emit("7th characters:".into())?;
            for s in &tree.seventh_characters {
                emit(format!("  {}  {}", s.character, s.meaning))?;
            }
        }
        for n in &tree.notes {
            emit(format!("{} ({}): {}", n.kind.element(), n.owner, n.text))?;
        }
    }
    Ok(())
}

fn claim(a: ClaimArgs, emit: &mut Emit<'_>) -> Result<(), Failure> {
    let ClaimArgs {
        file,
        context,
        format,
        cat,
    } = a;
    let text = std::fs::read_to_string(&file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let doc = read_document(&file, &text)?;
    let ctx_text = std::fs::read_to_string(&context)
        .map_err(|e| format!("cannot read {}: {e}", context.display()))?;
    let ctx =
        ClaimContext::from_json(&ctx_text).map_err(|e| format!("{}: {e}", context.display()))?;
    let catalog = open_catalog(&cat)?;
    match claim::export(&doc, &ctx, &catalog, format) {
        Ok(out) => emit(out)?,
        Err(ClaimError::NotReady { document, problems }) => {
            if cat.json {
                emit(problems_json(&problems)?)?;
            } else {
                for p in &problems {
                    emit(p.to_string())?;
                }
            }
            return Err(Failure::Found(format!(
                "cannot export a claim for {document}: {} problem(s)",
                problems.len()
            )));
        }
        Err(e) => return Err(e.to_string().into()),
    }
    Ok(())
}

/// On stderr: `CODE_SET_NOT_CURRENT` when no release of the code's system
/// (the one asked, else every system the code can belong to) covers the date.
fn release_warning(
    catalog: &Catalog,
    code: &str,
    system: Option<CodeSystem>,
    as_of: Option<NaiveDate>,
) {
    let Some(d) = as_of else { return };
    let Ok(c) = procode::Code::parse(code) else {
        return;
    };
    let systems: Vec<CodeSystem> = match system {
        Some(s) => vec![s],
        None => CodeSystem::ALL.into_iter().filter(|s| c.fits(*s)).collect(),
    };
    for s in systems {
        if catalog.versions(&c, s).map_or(true, |v| v.is_empty()) && system.is_none() {
            continue;
        }
        if let Some(r) = procode::billing::release_gap(catalog.releases(), s, d) {
            eprintln!(
                "procode: warning: CODE_SET_NOT_CURRENT: no {s} release held covers {d}; answered from the newest, {}",
                r.name
            );
        }
    }
}

/// The codes of a `--codes` file: one per line, blank lines and `#`
/// comments skipped; a bad code names its line.
fn read_codes(path: &std::path::Path) -> Result<Vec<procode::Code>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        out.push(
            procode::Code::parse(t).map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))?,
        );
    }
    Ok(out)
}

/// `procode diff` as a table or JSON.
fn diff_report(d: &procode::catalog::CatalogDiff, json: bool) -> String {
    if json {
        let changed: Vec<_> = d
            .changed
            .iter()
            .map(|c| {
                serde_json::json!({
                    "code": c.after.code.as_str(),
                    "system": c.after.system.as_str(),
                    "before": entry_json(&c.before),
                    "after": entry_json(&c.after),
                    "title_changed": c.title_changed(),
                    "billable_changed": c.billable_changed(),
                })
            })
            .collect();
        return serde_json::json!({
            "from": d.from.map(|x| x.to_string()),
            "to": d.to.map(|x| x.to_string()),
            "counts": {"added": d.added.len(), "deleted": d.deleted.len(), "changed": d.changed.len()},
            "added": d.added.iter().map(entry_json).collect::<Vec<_>>(),
            "deleted": d.deleted.iter().map(entry_json).collect::<Vec<_>>(),
            "changed": changed,
        })
        .to_string();
    }
    let mut out = Vec::new();
    for e in &d.added {
        out.push(format!("added    {}", entry_line(e)));
    }
    for e in &d.deleted {
        out.push(format!("deleted  {}", entry_line(e)));
    }
    for c in &d.changed {
        if c.billable_changed() {
            let flag = |b: bool| if b { "billable" } else { "header" };
            out.push(format!(
                "billable {:<8} {:<8} {} -> {}",
                c.after.display_code(),
                c.after.system.as_str(),
                flag(c.before.billable),
                flag(c.after.billable)
            ));
        }
        if c.title_changed() {
            out.push(format!(
                "revised  {:<8} {:<8} {} -> {}",
                c.after.display_code(),
                c.after.system.as_str(),
                c.before.description,
                c.after.description
            ));
        }
    }
    out.push(format!(
        "{} added, {} deleted, {} changed",
        d.added.len(),
        d.deleted.len(),
        d.changed.len()
    ));
    out.join("\n")
}

/// `procode info`: the releases, codes and size of a catalog, and (with a
/// date) the systems no release covers on it.
fn info(catalog: &Catalog, as_of: Option<NaiveDate>, json: bool) -> String {
    let releases = catalog.releases();
    let mut systems: Vec<CodeSystem> = releases.iter().map(|r| r.system).collect();
    systems.dedup();
    let gaps: Vec<(CodeSystem, &procode::Release)> = match as_of {
        Some(d) => systems
            .iter()
            .filter_map(|&s| procode::billing::release_gap(releases, s, d).map(|r| (s, r)))
            .collect(),
        None => Vec::new(),
    };
    if json {
        let not_current: Vec<_> = gaps
            .iter()
            .map(|(s, r)| serde_json::json!({"system": s.as_str(), "newest": r.name}))
            .collect();
        let mut v = serde_json::json!({
            "codes": catalog.len(),
            "index_bytes": catalog.index_size(),
            // The core's own shape of a release.
            "releases": releases,
        });
        if let Some(d) = as_of {
            v["as_of"] = serde_json::json!(d.to_string());
            v["not_current"] = serde_json::Value::Array(not_current);
        }
        return v.to_string();
    }
    let mut out = format!(
        "{} codes, index {} bytes\n",
        catalog.len(),
        catalog.index_size()
    );
    if releases.is_empty() {
        out.push_str("no releases recorded in this index\n");
    }
    for r in releases {
        let through = r
            .valid_through
            .map_or_else(|| "(no end date)".to_owned(), |d| d.to_string());
        out.push_str(&format!(
            "{:<9} {:<30} {} .. {:<12}  {}\n",
            r.system.as_str(),
            r.name,
            r.valid_from,
            through,
            r.source
        ));
    }
    if let Some(d) = as_of {
        if gaps.is_empty() {
            out.push_str(&format!("every system is covered on {d}\n"));
        }
        for (s, r) in &gaps {
            out.push_str(&format!(
                "CODE_SET_NOT_CURRENT: no {s} release covers {d} (newest: {})\n",
                r.name
            ));
        }
    }
    out.trim_end().to_owned()
}

/// A billing document from its JSON file, checked by the core (unknown
/// fields and inconsistent documents are errors naming what is wrong).
fn read_document(file: &std::path::Path, text: &str) -> Result<Document, String> {
    Document::from_json(text).map_err(|e| {
        // Malformed JSON is named as such; an inconsistent document's
        // message says what contradicts what.
        let what = if e.kind() == ErrorKind::InvalidJson {
            "not a procode document: "
        } else {
            ""
        };
        format!("{}: {what}{e}", file.display())
    })
}

/// Problems as JSON: the core's own shape (`severity` added, `detail`
/// only where the problem has one).
fn problems_json(problems: &[Problem]) -> Result<String, String> {
    serde_json::to_string(problems).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Found(e)) => {
            eprintln!("procode: {e}");
            ExitCode::from(1)
        }
        Err(Failure::Input(e)) => {
            eprintln!("procode: {e}");
            ExitCode::from(2)
        }
    }
}
