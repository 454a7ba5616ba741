// scratch (not committed): loop queries on the embedded catalog. loopq N sys q...
use procode::{Catalog, CodeSystem, SearchOptions};
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: usize = args[0].parse().unwrap();
    let sys: Option<CodeSystem> = Some(&args[1])
        .filter(|s| *s != "any")
        .map(|s| s.parse().unwrap());
    let cat = Catalog::embedded().unwrap();
    let o = SearchOptions::default().system(sys);
    for q in &args[2..] {
        cat.search(q, &o).unwrap();
        let t = std::time::Instant::now();
        for _ in 0..n {
            std::hint::black_box(cat.search(q, &o).unwrap());
        }
        println!("{:>12?} {:?}", t.elapsed() / n as u32, q);
    }
}
