//! `procode`: search and look up procedure and diagnosis codes, build index
//! files, and check billing documents for insurance readiness.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};
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
}

fn parse_system(s: Option<&str>) -> Result<Option<CodeSystem>, String> {
    s.map(|s| s.parse::<CodeSystem>().map_err(|e| e.to_string()))
        .transpose()
}

fn parse_date(s: Option<&str>) -> Result<Option<NaiveDate>, String> {
    s.map(|s| {
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| format!("invalid date {s:?}: use YYYY-MM-DD, e.g. 2025-11-03"))
    })
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
        "system": e.system.as_str(),
        "description": e.description,
        "short_description": e.short_description,
        "effective": e.effective.map(|d| d.to_string()),
        "terminated": e.terminated.map(|d| d.to_string()),
        "billable": e.billable,
    })
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
            as_of,
            cat,
        } => {
            let opts = SearchOptions::default()
                .system(parse_system(system.as_deref())?)
                .limit(limit)
                .as_of(parse_date(as_of.as_deref())?);
            let catalog = open_catalog(&cat)?;
            let hits = catalog.search(&query, &opts).map_err(|e| e.to_string())?;
            if cat.json {
                let v: Vec<_> = hits.iter().map(entry_json).collect();
                emit(serde_json::Value::Array(v).to_string())?;
            } else if hits.is_empty() {
                emit(format!("no code matches {query:?}"))?;
            } else {
                for e in hits.iter() {
                    emit(entry_line(e))?;
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
    }
    Ok(())
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
