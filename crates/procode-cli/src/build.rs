//! `procode build`: write an index file from any mix of sources.

use std::path::{Path, PathBuf};
use std::time::Instant;

use procode::import::{
    load_data_dir, read_hcpcs_xlsx, read_mapped_file, read_order_file_path, read_std_tsv, Addenda,
    ColumnMapping, IcdSet, StdFile,
};
use procode::{CodeSystem, Entry, IndexBuilder};

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

fn std_file(name: &str) -> Result<StdFile, String> {
    StdFile::from_name(name)
        .ok_or_else(|| format!("unknown standard file {name:?}: use {}", StdFile::NAMES))
}

fn icd_set(name: &str) -> Result<IcdSet, String> {
    match name.trim().to_ascii_lowercase().as_str() {
        "cm" | "icd10cm" => Ok(IcdSet::Cm),
        "pcs" | "icd10pcs" => Ok(IcdSet::Pcs),
        other => Err(format!("unknown ICD-10 set {other:?}: use cm or pcs")),
    }
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

fn mapped(spec: &str) -> Result<Vec<Entry>, String> {
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
    read_mapped_file(&m, Path::new(parts[0])).map_err(|e| e.to_string())
}

/// Runs the build and returns a one-line report.
pub fn run(a: &BuildArgs) -> Result<String, String> {
    let start = Instant::now();
    let err = |e: procode::ImportError| e.to_string();
    let mut entries: Vec<Entry> = Vec::new();
    if let Some(dir) = &a.data_dir {
        let files: Vec<StdFile> = if a.include.is_empty() {
            StdFile::ALL.to_vec()
        } else {
            a.include
                .iter()
                .map(|s| std_file(s))
                .collect::<Result<_, _>>()?
        };
        entries.extend(load_data_dir(dir, &files).map_err(err)?);
    }
    for t in &a.tsv {
        let (kind, path) = split_kv(t)?;
        let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let name = path.display().to_string();
        entries.extend(
            read_std_tsv(std_file(kind)?, &name, std::io::BufReader::new(file)).map_err(err)?,
        );
    }
    let mut releases: Vec<(IcdSet, Vec<Entry>)> = Vec::new();
    for o in &a.order {
        let (set, path) = split_kv(o)?;
        let set = icd_set(set)?;
        releases.push((set, read_order_file_path(set, path).map_err(err)?));
    }
    for ad in &a.addenda {
        let (set, path) = split_kv(ad)?;
        let set = icd_set(set)?;
        let addenda = Addenda::from_path(set, path).map_err(err)?;
        let Some(pos) = releases.iter().position(|(s, _)| *s == set) else {
            return Err(format!(
                "--addenda {ad}: give the release it applies to with --order {}=PATH",
                if set == IcdSet::Cm { "cm" } else { "pcs" }
            ));
        };
        let prev = std::mem::take(&mut releases[pos].1);
        let (mut next, _report) = addenda.apply(prev).map_err(err)?;
        addenda.mark_new_codes(&mut next);
        releases[pos].1 = next;
    }
    entries.extend(releases.into_iter().flat_map(|(_, e)| e));
    for x in &a.hcpcs_xlsx {
        entries.extend(read_hcpcs_xlsx(x).map_err(err)?);
    }
    for m in &a.mapped {
        entries.extend(mapped(m)?);
    }
    if entries.is_empty() {
        return Err(
            "nothing to index: give --data-dir, --tsv, --order, --hcpcs-xlsx or --mapped".into(),
        );
    }
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
