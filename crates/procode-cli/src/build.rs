//! `procode build`: write an index file from any mix of sources.

use std::path::{Path, PathBuf};
use std::time::Instant;

use procode::import::{ColumnMapping, IcdSet, StdFile};
use procode::{CodeSystem, IndexBuilder, Sources};

/// Arguments of `procode build`.
#[derive(clap::Args)]
pub struct BuildArgs {
    /// The index file to write.
    #[arg(long, short, value_name = "FILE")]
    out: PathBuf,
    /// A directory holding the normalised TSVs (hcpcs_level2.tsv, modifiers.tsv,
    /// place_of_service.tsv, icd10cm.tsv, icd10pcs.tsv).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Which standard TSVs of --data-dir to include (comma separated:
    /// hcpcs, modifiers, pos, icd10cm, icd10pcs; default all).
    #[arg(long, value_delimiter = ',', requires = "data_dir")]
    include: Vec<String>,
    /// One normalised TSV given by kind: KIND=PATH (kinds as for --include).
    #[arg(long, value_name = "KIND=PATH")]
    tsv: Vec<String>,
    /// A CMS ICD-10 order file (fixed width): cm=PATH or pcs=PATH.
    #[arg(long, value_name = "SET=PATH")]
    order: Vec<String>,
    /// A CMS order addenda file, applied to the matching --order release
    /// (turning release N-1 into N): cm=PATH or pcs=PATH. The codes it adds
    /// become effective on the release's first day.
    #[arg(long, value_name = "SET=PATH")]
    addenda: Vec<String>,
    /// The CMS HCPCS quarterly Excel file (codes and modifiers).
    #[arg(long, value_name = "FILE")]
    hcpcs_xlsx: Vec<PathBuf>,
    /// Any CSV/TSV with a column mapping (a licensed CPT file, a practice's
    /// custom list): PATH:SYSTEM:CODE_COLUMN:DESCRIPTION_COLUMN[:SHORT_COLUMN].
    /// Columns are header names or 0-based numbers.
    #[arg(long, value_name = "SPEC")]
    mapped: Vec<String>,
}

fn split_kv(s: &str) -> Result<(&str, &Path), String> {
    s.split_once('=')
        .map(|(k, v)| (k, Path::new(v)))
        .ok_or_else(|| format!("{s:?}: expected KIND=PATH"))
}

fn column(s: &str) -> procode::import::Column {
    match s.parse::<usize>() {
        Ok(i) => i.into(),
        Err(_) => s.into(),
    }
}

/// A `--mapped` spec: the file and how to read it.
fn mapped(spec: &str) -> Result<(ColumnMapping, PathBuf), String> {
    let parts: Vec<&str> = spec.split(':').collect();
    if !(4..=5).contains(&parts.len()) {
        return Err(format!(
            "--mapped {spec:?}: expected PATH:SYSTEM:CODE_COLUMN:DESCRIPTION_COLUMN[:SHORT_COLUMN]"
        ));
    }
    let system: CodeSystem = parts[1].parse().map_err(|e| format!("--mapped: {e}"))?;
    let mut m = ColumnMapping::new(system, column(parts[2]), column(parts[3]));
    if let Some(short) = parts.get(4) {
        m = m.with_short_description(column(short));
    }
    Ok((m, PathBuf::from(parts[0])))
}

/// The sources the arguments name.
fn sources(a: &BuildArgs) -> Result<Sources, String> {
    let mut sources = Sources::new();
    if let Some(dir) = &a.data_dir {
        let files: Vec<StdFile> = if a.include.is_empty() {
            StdFile::ALL.to_vec()
        } else {
            a.include
                .iter()
                .map(|s| s.parse().map_err(|e| format!("--include: {e}")))
                .collect::<Result<_, _>>()?
        };
        sources.data_dir(dir, &files);
    }
    for t in &a.tsv {
        let (kind, path) = split_kv(t)?;
        let kind: StdFile = kind.parse().map_err(|e| format!("--tsv: {e}"))?;
        sources.tsv(kind, path);
    }
    for o in &a.order {
        let (set, path) = split_kv(o)?;
        let set: IcdSet = set.parse().map_err(|e| format!("--order: {e}"))?;
        sources.order_file(set, path);
    }
    for ad in &a.addenda {
        let (set, path) = split_kv(ad)?;
        let set: IcdSet = set.parse().map_err(|e| format!("--addenda: {e}"))?;
        sources.addenda(set, path);
    }
    for x in &a.hcpcs_xlsx {
        sources.hcpcs_xlsx(x);
    }
    for m in &a.mapped {
        let (mapping, path) = mapped(m)?;
        sources.mapped(mapping, path);
    }
    Ok(sources)
}

/// Runs the build and returns a one-line report.
pub fn run(a: &BuildArgs) -> Result<String, String> {
    let start = Instant::now();
    let sources = sources(a)?;
    if sources.is_empty() {
        return Err(
            "nothing to index: give --data-dir, --tsv, --order, --hcpcs-xlsx or --mapped".into(),
        );
    }
    let entries = sources.load().map_err(|e| e.to_string())?;
    let n = entries.len();
    let mut b = IndexBuilder::new();
    b.extend(entries);
    let bytes = b.write_to(&a.out).map_err(|e| e.to_string())?;
    Ok(format!(
        "wrote {} ({n} codes, {bytes} bytes) in {:.0} ms",
        a.out.display(),
        start.elapsed().as_secs_f64() * 1000.0
    ))
}
