//! `procode build`: write an index file from any mix of sources.

use std::path::PathBuf;
use std::time::Instant;

use procode::import::tsv::{load_data_dir, StdFile};
use procode::IndexBuilder;

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
    #[arg(long, value_delimiter = ',')]
    include: Vec<String>,
}

fn std_file(name: &str) -> Result<StdFile, String> {
    Ok(match name.trim().to_ascii_lowercase().as_str() {
        "hcpcs" => StdFile::Hcpcs,
        "modifiers" | "modifier" => StdFile::Modifiers,
        "pos" => StdFile::PlaceOfService,
        "icd10cm" => StdFile::Icd10Cm,
        "icd10pcs" => StdFile::Icd10Pcs,
        other => {
            return Err(format!(
                "unknown standard file {other:?}: use hcpcs, modifiers, pos, icd10cm or icd10pcs"
            ))
        }
    })
}

/// Runs the build and returns a one-line report.
pub fn run(a: &BuildArgs) -> Result<String, String> {
    let start = Instant::now();
    let mut b = IndexBuilder::new();
    if let Some(dir) = &a.data_dir {
        let files: Vec<StdFile> = if a.include.is_empty() {
            vec![
                StdFile::Hcpcs,
                StdFile::Modifiers,
                StdFile::PlaceOfService,
                StdFile::Icd10Cm,
                StdFile::Icd10Pcs,
            ]
        } else {
            a.include
                .iter()
                .map(|s| std_file(s))
                .collect::<Result<_, _>>()?
        };
        b.extend(load_data_dir(dir, &files).map_err(|e| e.to_string())?);
    }
    if b.is_empty() {
        return Err("nothing to index: give --data-dir (and optionally --include)".into());
    }
    let n = b.len();
    let bytes = b.write_to(&a.out).map_err(|e| e.to_string())?;
    Ok(format!(
        "wrote {} ({n} codes, {bytes} bytes) in {:.0} ms",
        a.out.display(),
        start.elapsed().as_secs_f64() * 1000.0
    ))
}
