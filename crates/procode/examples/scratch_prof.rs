use procode::import::{load_data_dir, StdFile};
use procode::*;
fn main() {
    let mode = std::env::args().nth(1).unwrap();
    let dir = std::path::Path::new("../shared/data");
    if mode == "build" {
        for _ in 0..3 {
            let e =
                load_data_dir(dir, &[StdFile::Hcpcs, StdFile::Icd10Cm, StdFile::Icd10Pcs]).unwrap();
            let mut b = IndexBuilder::new();
            b.extend(e);
            std::hint::black_box(b.build().unwrap());
        }
        return;
    }
    let cat = Catalog::open("/tmp/full.idx").unwrap();
    let mut codes: Vec<String> = Vec::new();
    for f in ["hcpcs_level2.tsv", "icd10cm.tsv", "icd10pcs.tsv"] {
        let t = std::fs::read_to_string(dir.join(f)).unwrap();
        codes.extend(
            t.lines()
                .skip(1)
                .step_by(97)
                .map(|l| l.split('\t').next().unwrap().to_string()),
        );
    }
    let o = SearchOptions::default();
    let t = std::time::Instant::now();
    let n: usize = std::env::args()
        .nth(2)
        .map(|s| s.parse().unwrap())
        .unwrap_or(200_000);
    for i in 0..n {
        match mode.as_str() {
            "lookup" => {
                std::hint::black_box(cat.lookup(&codes[i % codes.len()], None, None).unwrap());
            }
            "prefix" => {
                std::hint::black_box(cat.search("G04", &o).unwrap());
            }
            "words" => {
                std::hint::black_box(cat.search("diab mell", &o).unwrap());
            }
            "typo" => {
                if i % 20 == 0 {
                    std::hint::black_box(cat.search("pyschotherapy", &o).unwrap());
                }
            }
            _ => panic!(),
        }
    }
    eprintln!("{mode}: {:?}/iter", t.elapsed() / n as u32);
}
