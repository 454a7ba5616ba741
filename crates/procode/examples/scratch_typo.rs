use procode::*;
fn main() {
    let cat = Catalog::open("/tmp/full.idx").unwrap();
    let o = SearchOptions::default();
    for _ in 0..3000 {
        std::hint::black_box(cat.search("pyschotherapy", &o).unwrap());
    }
}
