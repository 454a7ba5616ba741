//! Criterion benchmarks of SPEC §4: every procode figure beside its peer, in the
//! same run, on the same data (HCPCS + ICD-10-CM + ICD-10-PCS) and queries.
//!
//! `cargo bench -p procode-benches` runs them all; `cargo bench -p
//! procode-benches -- lookup` runs one group.

use std::hint::black_box;

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};
use procode::{Catalog, SearchOptions, Verify};
use procode_benches::{
    build_from_tsvs, parse_tsvs, Fixture, Sqlite, LARGE, PREFIX_QUERIES, SMALL, TOP, TYPO_QUERIES,
    WORD_QUERIES,
};

/// Reads both descriptions of a borrowed entry into `buf` (cleared first).
fn read_both(e: &procode::EntryRef<'_>, buf: &mut String) {
    buf.clear();
    e.write_description(buf).unwrap();
    e.write_short_description(buf).unwrap();
}

fn benches(c: &mut Criterion) {
    let fx = Fixture::load();
    let opts = SearchOptions::default().limit(TOP);
    lookup_group(c, &fx);
    prefix_groups(c, &fx, &opts);
    word_groups(c, &fx, &opts);
    build_and_open_groups(c, &fx);
}

/// Exact lookups, owned and borrowed, beside the SQLite primary key.
fn lookup_group(c: &mut Criterion, fx: &Fixture) {
    {
        let mut g = c.benchmark_group("lookup");
        let n = fx.lookups.len();
        let lookups =
            |g: &mut BenchmarkGroup<'_, WallTime>, name: &str, f: &mut dyn FnMut(usize)| {
                g.bench_function(name, |b| {
                    let mut i = 0;
                    b.iter(|| {
                        i = (i + 1) % n;
                        f(i)
                    })
                });
            };
        lookups(&mut g, "procode lookup(&str)", &mut |i| {
            let (code, sys) = &fx.lookups[i];
            black_box(fx.catalog.lookup(code, Some(*sys), None).unwrap());
        });
        lookups(&mut g, "procode lookup_code(&Code)", &mut |i| {
            let (code, sys) = &fx.parsed_lookups[i];
            black_box(fx.catalog.lookup_code(code, *sys, None).unwrap());
        });
        lookups(&mut g, "procode lookup_ref(&str)", &mut |i| {
            let (code, sys) = &fx.lookups[i];
            black_box(fx.catalog.lookup_ref(code, Some(*sys), None).unwrap());
        });
        let mut buf = String::with_capacity(512);
        lookups(&mut g, "procode lookup_ref + both descriptions", &mut |i| {
            let (code, sys) = &fx.lookups[i];
            let e = fx
                .catalog
                .lookup_ref(code, Some(*sys), None)
                .unwrap()
                .unwrap();
            read_both(&e, &mut buf);
            black_box(&buf);
        });
        lookups(&mut g, "sqlite primary key", &mut |i| {
            let (code, sys) = &fx.lookups[i];
            black_box(fx.sqlite.lookup(code, *sys));
        });
        g.finish();
    }
}

/// Code-prefix searches beside an SQLite range and sorted vectors.
fn prefix_groups(c: &mut Criterion, fx: &Fixture, opts: &SearchOptions) {
    for (query, prefix) in PREFIX_QUERIES {
        let mut g = c.benchmark_group(format!("prefix {prefix}"));
        g.bench_function("procode search", |b| {
            b.iter(|| black_box(fx.catalog.search(black_box(query), opts).unwrap()))
        });
        g.bench_function("procode search_refs + both descriptions", |b| {
            let mut buf = String::with_capacity(512);
            b.iter(|| {
                let found = fx.catalog.search_refs(black_box(query), opts).unwrap();
                for e in &found.entries {
                    read_both(e, &mut buf);
                    black_box(&buf);
                }
            })
        });
        g.bench_function("sqlite range", |b| {
            b.iter(|| black_box(fx.sqlite.prefix(black_box(prefix))))
        });
        g.bench_function("sorted Vec<String>", |b| {
            b.iter(|| black_box(fx.sorted.prefix(black_box(prefix))))
        });
        g.bench_function("sorted Vec<Entry>", |b| {
            b.iter(|| black_box(fx.sorted_entries.prefix(black_box(prefix))))
        });
        g.finish();
    }
}

/// Word searches beside SQLite FTS5, and typo searches.
fn word_groups(c: &mut Criterion, fx: &Fixture, opts: &SearchOptions) {
    for query in WORD_QUERIES {
        let mut g = c.benchmark_group(format!("words {query}"));
        g.bench_function("procode search", |b| {
            b.iter(|| black_box(fx.catalog.search(black_box(query), opts).unwrap()))
        });
        let expr = Sqlite::match_expr(query);
        g.bench_function("sqlite fts5", |b| {
            b.iter(|| black_box(fx.sqlite.words(black_box(&expr))))
        });
        g.finish();
    }

    {
        let mut g = c.benchmark_group("typo");
        for query in TYPO_QUERIES {
            g.bench_function(*query, |b| {
                b.iter(|| black_box(fx.catalog.search(black_box(query), opts).unwrap()))
            });
        }
        g.finish();
    }
}

/// Building the index beside SQLite + FTS5; opening it beside parsing the TSVs again.
fn build_and_open_groups(c: &mut Criterion, fx: &Fixture) {
    {
        let mut g = c.benchmark_group("build");
        g.sample_size(10);
        g.bench_function("procode parse + build", |b| {
            b.iter(|| black_box(build_from_tsvs(&fx.dir, LARGE)))
        });
        g.bench_function("sqlite parse + table + fts5", |b| {
            b.iter(|| black_box(Sqlite::build_in_memory(&parse_tsvs(&fx.dir, LARGE))))
        });
        g.finish();
    }

    {
        let mut g = c.benchmark_group("open");
        for (size, path) in [
            ("small", fx.small_index_file.path()),
            ("large", fx.index_file.path()),
        ] {
            g.bench_function(format!("procode {size} lazy"), |b| {
                b.iter(|| black_box(Catalog::open_with(path, Verify::Lazy).unwrap()))
            });
            g.bench_function(format!("procode {size} full"), |b| {
                b.iter(|| black_box(Catalog::open_with(path, Verify::Full).unwrap()))
            });
        }
        g.finish();
    }

    {
        // The peer of opening: parse the TSVs again.
        let mut g = c.benchmark_group("open peer");
        g.sample_size(10);
        for (size, files) in [("small", SMALL), ("large", LARGE)] {
            g.bench_function(format!("reparse TSVs {size}"), |b| {
                b.iter(|| black_box(parse_tsvs(&fx.dir, files)))
            });
        }
        g.finish();
    }
}

criterion_group!(catalog, benches);
criterion_main!(catalog);
