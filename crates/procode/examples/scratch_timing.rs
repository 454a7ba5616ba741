use procode::import::tsv::{load_data_dir, StdFile};
use procode::*;
use std::time::Instant;
fn main() {
    let dir = std::path::Path::new("../shared/data");
    let t = Instant::now();
    let e = load_data_dir(dir, &[StdFile::Hcpcs, StdFile::Icd10Cm, StdFile::Icd10Pcs]).unwrap();
    println!("parse {:?}", t.elapsed());
    let t = Instant::now();
    let mut b = IndexBuilder::new();
    b.extend(e);
    let bytes = b.build().unwrap();
    println!("build {:?} {}", t.elapsed(), bytes.len());
    let cat = Catalog::from_bytes(bytes).unwrap();
    for q in [
        "G04",
        "diab mell",
        "wheelchair cushion",
        "wheelchiar",
        "pyschotherapy",
        "E116",
    ] {
        let o = SearchOptions::default();
        let n = 2000;
        let t = Instant::now();
        for _ in 0..n {
            std::hint::black_box(cat.search(q, &o).unwrap());
        }
        println!("{q}: {:?}", t.elapsed() / n);
    }
    let codes: Vec<String> = cat
        .entries()
        .step_by(97)
        .map(|e| e.unwrap().code.to_string())
        .collect();
    let t = Instant::now();
    for c in &codes {
        std::hint::black_box(cat.lookup(c, None, None).unwrap());
    }
    println!("lookup any-system: {:?}", t.elapsed() / codes.len() as u32);
    let t = Instant::now();
    for c in &codes {
        std::hint::black_box(cat.lookup(c, Some(CodeSystem::Icd10Cm), None).unwrap());
    }
    println!("lookup with system: {:?}", t.elapsed() / codes.len() as u32);
}
#[allow(dead_code)]
fn count() {}
