//! Mapped CSV/TSV import: the first two bytes choose the mapping (delimiter,
//! header, columns by name or index, optional columns), the rest is the file.
#![no_main]
use libfuzzer_sys::fuzz_target;
use procode::import::{read_mapped, Column, ColumnMapping};
use procode::CodeSystem;

fn col(named: bool, name: &str, index: usize) -> Column {
    if named {
        Column::Name(name.to_owned())
    } else {
        Column::Index(index)
    }
}

fuzz_target!(|data: &[u8]| {
    let [a, b, body @ ..] = data else {
        return;
    };
    let named = a & 1 == 0;
    let system = CodeSystem::ALL[(a >> 1) as usize % CodeSystem::ALL.len()];
    let mut m = ColumnMapping::new(system, col(named, "code", 0), col(named, "description", 1))
        .with_header(named || a & 0x40 != 0);
    m = match b & 3 {
        0 => m,
        1 => m.with_delimiter(b'\t'),
        2 => m.with_delimiter(b','),
        _ => m.with_delimiter(b';'),
    };
    if b & 4 != 0 {
        m = m.with_short_description(col(named, "short", 2));
    }
    if b & 8 != 0 {
        m = m.with_effective(col(named, "effective", 3));
    }
    if b & 16 != 0 {
        m = m.with_terminated(col(named, "terminated", 4));
    }
    if b & 32 != 0 {
        m = m.with_billable(col(named, "billable", 5));
    }
    if b & 64 != 0 {
        m = m.with_system_column(col(named, "system", 6));
    }
    if let Ok(entries) = read_mapped(&m, "fuzz.csv", body) {
        let _ = procode::Catalog::build(entries);
    }
});
