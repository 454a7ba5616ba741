//! Scaling curves of the report (issue 18 item 4): catalogs of 10k, 50k and
//! all 187k real codes (evenly spread samples of the large catalog), and a
//! synthetic 1M-code catalog built from the real entries with suffixed
//! codes; and the fitted growth of a cost against the catalog size.

use procode::{Catalog, Code, CodeSystem, Entry};

/// The sizes of the curve below the full catalog.
pub const SAMPLE_SIZES: [usize; 2] = [10_000, 50_000];

/// The synthetic catalog's size.
pub const SYNTHETIC_SIZE: usize = 1_000_000;

/// Every `len / n`th entry: `n` entries spread over the catalog.
pub fn sample(entries: &[Entry], n: usize) -> Vec<Entry> {
    let step = (entries.len() / n.max(1)).max(1);
    entries.iter().step_by(step).take(n).cloned().collect()
}

/// The real entries, then copies of them as custom codes with a suffix
/// and the system's tag (`E119` of ICD-10-CM → `E119S31`, `E119S32`, ...) until `n` entries: each copy keeps
/// its descriptions, so word searches find `n / len` times as many codes.
pub fn synthetic(entries: &[Entry], n: usize) -> Vec<Entry> {
    let mut out: Vec<Entry> = entries.to_vec();
    let mut k = 1;
    while out.len() < n {
        for e in entries {
            if out.len() >= n {
                break;
            }
            // The system's tag keeps copies of a code two systems share apart.
            let code = format!("{}S{}{k}", e.code.as_str(), e.system.to_u8());
            let Ok(code) = Code::parse(&code) else {
                continue;
            };
            let mut copy = e.clone();
            copy.code = code;
            copy.system = CodeSystem::Custom;
            out.push(copy);
        }
        k += 1;
    }
    out
}

/// A catalog of `entries` in memory.
pub fn catalog(entries: Vec<Entry>) -> Catalog {
    Catalog::build(entries).expect("the index builds")
}

/// `(code, system)` of up to 1,000 entries spread over a catalog's entries.
pub fn lookups(entries: &[Entry]) -> Vec<(Code, CodeSystem)> {
    let step = (entries.len() / 1000).max(1);
    entries
        .iter()
        .step_by(step)
        .take(1000)
        .map(|e| (e.code, e.system))
        .collect()
}

/// A growth model: its name and shape.
type Model = (&'static str, fn(f64) -> f64);

/// The growth models a curve is fitted to.
const MODELS: [Model; 4] = [
    ("constant", |_| 1.0),
    ("log", f64::ln),
    ("linear", |n| n),
    ("n log n", |n| n * n.ln()),
];

/// The model that best fits `(size, time)` points (least squares on the
/// relative error, one free factor per model): its name.
pub fn fitted_growth(points: &[(f64, f64)]) -> &'static str {
    let mut best = ("constant", f64::INFINITY);
    for (name, f) in MODELS {
        // r = f(n) / t; the factor minimising Σ(1 − a·r)² is Σr / Σr².
        let r: Vec<f64> = points.iter().map(|&(n, t)| f(n) / t).collect();
        let a = r.iter().sum::<f64>() / r.iter().map(|x| x * x).sum::<f64>();
        let err: f64 = r.iter().map(|x| (1.0 - a * x).powi(2)).sum();
        if err < best.1 {
            best = (name, err);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::fitted_growth;

    #[test]
    fn growth_models_are_told_apart() {
        let sizes = [1e4, 5e4, 1.87e5, 1e6];
        let curve = |f: fn(f64) -> f64| -> Vec<(f64, f64)> {
            sizes.iter().map(|&n| (n, 3.0 * f(n))).collect()
        };
        assert_eq!(fitted_growth(&curve(|_| 1.0)), "constant");
        assert_eq!(fitted_growth(&curve(f64::ln)), "log");
        assert_eq!(fitted_growth(&curve(|n| n)), "linear");
        assert_eq!(fitted_growth(&curve(|n| n * n.ln())), "n log n");
    }
}
