use procode::{Catalog, CodeSystem, SearchOptions};
use std::time::Instant;
#[inline(never)]
fn timed(cat: &Catalog, q: &str, o: &SearchOptions, n: usize) {
    for _ in 0..n {
        std::hint::black_box(cat.search(q, o).unwrap());
    }
}
fn main() {
    let cat = Catalog::embedded().unwrap();
    let qs: Vec<String> = std::env::args().skip(1).collect();
    let o = SearchOptions::default()
        .system(CodeSystem::Icd10Cm)
        .limit(10);
    for q in &qs {
        cat.search(q, &o).unwrap();
    }
    let n: usize = std::env::var("N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    for q in &qs {
        let t = Instant::now();
        timed(&cat, q, &o, n);
        println!("{q}: {:.1} µs", t.elapsed().as_secs_f64() * 1e6 / n as f64);
    }
}
