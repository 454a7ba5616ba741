//! Memory probes of the report (issue 18 item 5), each run in a fresh child
//! process of the report binary so that the figures are not the fixture's:
//!
//! * `--searches-probe`: `Catalog::embedded()` then 1,000 searches (code
//!   prefixes, words, typos, lookups), printing the peak RSS before and after;
//! * `--mmap-probe PATH`: opens an index file (memory-mapped, every checksum
//!   verified, so every page of the file is read), searches, prints `ready`
//!   and waits for its standard input to close. The parent runs eight at
//!   once and reads each one's `/proc/<pid>/smaps_rollup` and the index
//!   mapping's lines of `/proc/<pid>/smaps`: the mapped file's pages are
//!   resident once, shared by every process.

use std::hint::black_box;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use procode::{Catalog, SearchOptions, Verify};

use crate::{PREFIX_QUERIES, TYPO_QUERIES, WORD_QUERIES};

/// Runs a probe when the arguments name one; false otherwise.
pub fn probe_main(args: &[String]) -> bool {
    match args {
        [flag] if flag == "--searches-probe" => {
            searches_probe();
            true
        }
        [flag, path] if flag == "--mmap-probe" => {
            mmap_probe(Path::new(path));
            true
        }
        _ => false,
    }
}

/// Kibibytes of a `Field:` line of a `/proc` file's text.
fn kib(text: &str, field: &str) -> Option<u64> {
    text.lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn status(field: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    kib(&s, field).unwrap_or(0)
}

/// 1,000 searches and lookups of every kind, over the queries of the
/// benchmarks and codes taken from the catalog itself.
fn thousand_searches(cat: &Catalog) {
    let codes: Vec<String> = cat
        .entries()
        .step_by(97)
        .filter_map(Result::ok)
        .map(|e| e.code.as_str().to_owned())
        .collect();
    let opts = SearchOptions::default().limit(10);
    let fixed: Vec<&str> = PREFIX_QUERIES
        .iter()
        .map(|(q, _)| *q)
        .chain(WORD_QUERIES.iter().copied())
        .chain(TYPO_QUERIES.iter().copied())
        .collect();
    for i in 0..1000 {
        if i % 2 == 0 {
            black_box(cat.search(fixed[i / 2 % fixed.len()], &opts).ok());
        } else {
            let code = &codes[i % codes.len().max(1)];
            black_box(cat.lookup_ref(code, None, None).ok());
            black_box(cat.search(&code[..code.len().min(3)], &opts).ok());
        }
    }
}

/// The searches probe: prints `hwm_before rss_before hwm_after rss_after`
/// in KiB.
fn searches_probe() {
    let before = (status("VmHWM:"), status("VmRSS:"));
    let cat = Catalog::embedded().expect("this build carries the embedded catalog");
    thousand_searches(&cat);
    println!(
        "{} {} {} {}",
        before.0,
        before.1,
        status("VmHWM:"),
        status("VmRSS:")
    );
}

/// The mmap probe (see the module documentation).
fn mmap_probe(path: &Path) {
    let cat = Catalog::open_with(path, Verify::Full).expect("the index opens");
    thousand_searches(&cat);
    println!("ready");
    let _ = std::io::stdout().flush();
    let mut rest = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut rest);
}

/// Runs the searches probe; `[hwm_before, rss_before, hwm_after,
/// rss_after]` in KiB.
pub fn searches_memory(exe: &Path) -> Result<[u64; 4], String> {
    let out = Command::new(exe)
        .arg("--searches-probe")
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let v: Vec<u64> = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    v.try_into()
        .map_err(|v| format!("unexpected probe output {v:?}"))
}

/// What one process of the eight holds, in KiB.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessMemory {
    /// The whole process: resident.
    pub rss: u64,
    /// The whole process: its proportional share (shared pages divided
    /// among the processes mapping them).
    pub pss: u64,
    /// The index file's mapping: resident.
    pub index_rss: u64,
    /// The index file's mapping: proportional share.
    pub index_pss: u64,
    /// The index file's mapping: resident pages other processes map too.
    pub index_shared: u64,
}

/// The index mapping's figures from a `/proc/<pid>/smaps` text: the
/// fields of every mapping of `path`.
fn mapping(smaps: &str, path: &str) -> (u64, u64, u64) {
    let (mut rss, mut pss, mut shared, mut inside) = (0, 0, 0, false);
    for line in smaps.lines() {
        let header = line
            .split_whitespace()
            .next()
            .is_some_and(|w| w.contains('-') && !w.ends_with(':'));
        if header {
            inside = line.ends_with(path);
        } else if inside {
            let v = || kib(line, "").unwrap_or(0);
            if line.starts_with("Rss:") {
                rss += v();
            } else if line.starts_with("Pss:") {
                pss += v();
            } else if line.starts_with("Shared_Clean:") || line.starts_with("Shared_Dirty:") {
                shared += v();
            }
        }
    }
    (rss, pss, shared)
}

fn read_process(pid: u32, path: &str) -> Result<ProcessMemory, String> {
    let proc = |f: &str| {
        std::fs::read_to_string(format!("/proc/{pid}/{f}")).map_err(|e| format!("{f}: {e}"))
    };
    let roll = proc("smaps_rollup")?;
    let (index_rss, index_pss, index_shared) = mapping(&proc("smaps")?, path);
    Ok(ProcessMemory {
        rss: kib(&roll, "Rss:").unwrap_or(0),
        pss: kib(&roll, "Pss:").unwrap_or(0),
        index_rss,
        index_pss,
        index_shared,
    })
}

/// Starts `n` mmap probes on `index`, waits until all are ready, reads
/// each one's memory, then lets them exit.
pub fn shared_mapping(exe: &Path, index: &Path, n: usize) -> Result<Vec<ProcessMemory>, String> {
    let spawn = || {
        Command::new(exe)
            .arg("--mmap-probe")
            .arg(index)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())
    };
    let mut children: Vec<Child> = Vec::with_capacity(n);
    for _ in 0..n {
        children.push(spawn()?);
    }
    let path = std::fs::canonicalize(index).map_err(|e| e.to_string())?;
    let path = path.to_string_lossy().into_owned();
    let mut out = Vec::with_capacity(n);
    for c in &mut children {
        let mut line = String::new();
        if let Some(so) = c.stdout.as_mut() {
            BufReader::new(so)
                .read_line(&mut line)
                .map_err(|e| e.to_string())?;
        }
        if line.trim() != "ready" {
            return Err(format!("a probe did not get ready: {line:?}"));
        }
    }
    for c in &children {
        out.push(read_process(c.id(), &path));
    }
    for mut c in children {
        drop(c.stdin.take());
        let _ = c.wait();
    }
    out.into_iter().collect()
}
