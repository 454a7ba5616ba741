use procode::{Catalog, CodeSystem, SearchOptions};
use std::time::Instant;
fn main() {
    let cat = Catalog::embedded().unwrap();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let sys = args.get(1).map(|s| s.parse::<CodeSystem>().unwrap());
    let o = SearchOptions::default().system(sys);
    let r = cat.search(&args[0], &o).unwrap();
    let t = Instant::now();
    for _ in 0..(std::env::var("N")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(50))
    {
        let _ = cat.search(&args[0], &o).unwrap();
    }
    println!(
        "{:?} per query; mode {:?} total {}",
        t.elapsed()
            / std::env::var("N")
                .ok()
                .and_then(|n| n.parse().ok())
                .unwrap_or(50u32),
        r.mode,
        r.total
    );
    for (e, s) in r.entries.iter().zip(&r.spans) {
        println!(
            "{} {} | {:?}",
            e.code,
            e.description.chars().take(80).collect::<String>(),
            s.iter()
                .map(|x| (x.start, x.end, &x.term, &x.via, x.typo))
                .collect::<Vec<_>>()
        );
    }
}
