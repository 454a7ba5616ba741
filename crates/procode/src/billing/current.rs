//! `CODE_SET_NOT_CURRENT`: a date of service outside every release window
//! the catalog holds for a code system (an advisory warning).

use chrono::NaiveDate;

use super::documents::BillingDocument;
use super::{CodeLine, CodeSource, Problem, ProblemCode, ProblemDetail};
use crate::code::CodeSystem;
use crate::problem::push_date;
use crate::release::Release;

/// Whether `releases` (of every system) cover `date` for `system`: `None`
/// when they do, or when they record no release of `system` (nothing is
/// known); otherwise the newest release of `system` (by first day).
///
/// A date before the first release held is outside too.
///
/// # Example
/// ```
/// use chrono::NaiveDate;
/// use procode::billing::release_gap;
/// use procode::{CodeSystem, Release};
/// let fy27 = Release::fiscal_year(CodeSystem::Icd10Cm, 2027, "addenda").unwrap();
/// let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
/// let rs = [fy27];
/// assert!(release_gap(&rs, CodeSystem::Icd10Cm, day(2026, 12, 1)).is_none());
/// assert_eq!(release_gap(&rs, CodeSystem::Icd10Cm, day(1990, 1, 1)).unwrap().name, "ICD-10-CM FY2027");
/// assert!(release_gap(&rs, CodeSystem::Hcpcs, day(1990, 1, 1)).is_none());
/// ```
pub fn release_gap(releases: &[Release], system: CodeSystem, date: NaiveDate) -> Option<&Release> {
    let mut newest: Option<&Release> = None;
    for r in releases.iter().filter(|r| r.system == system) {
        if r.covers(date) {
            return None;
        }
        if newest.is_none_or(|n| n.valid_from < r.valid_from) {
            newest = Some(r);
        }
    }
    newest
}

/// One `CODE_SET_NOT_CURRENT` warning per code system and date of service
/// of `doc` outside every release window of the system that `source`
/// records, on the first line concerned.
pub(super) fn check<D, S>(doc: &D, source: &S, out: &mut Vec<Problem>)
where
    D: BillingDocument + ?Sized,
    S: CodeSource + ?Sized,
{
    gaps(doc, source, |line, system, date, newest| {
        out.push(gap_problem(&line.id, system, date, newest));
    });
}

/// The rule of [`check`]: `each` is called, in order, with the first line
/// of each code system and date of service of `doc` outside every release
/// window of the system that `source` records, the system, the date and
/// the newest release of the system. A batch scrub writes these problems
/// itself (their message and detail depend on the system and date only).
pub(crate) fn gaps<'d, D, S>(
    doc: &'d D,
    source: &'d S,
    mut each: impl FnMut(&'d CodeLine, CodeSystem, NaiveDate, &'d Release),
) where
    D: BillingDocument + ?Sized,
    S: CodeSource + ?Sized,
{
    let releases = source.releases();
    if releases.is_empty() {
        return;
    }
    // Each line names up to four systems (its code's, modifiers, diagnoses,
    // place of service), mostly on the claim's one date: each date met is
    // kept with the systems met on it as bits (a system's `u8` value is
    // below 8), the first few dates on the stack, any more in a vector.
    let mut few = [(NaiveDate::MIN, 0u8); 4];
    let mut held = 0;
    let mut more: Vec<(NaiveDate, u8)> = Vec::new();
    for line in doc.lines() {
        let Some(date) = doc.date_of_service(line) else {
            continue;
        };
        let met = match few[..held].iter_mut().find(|(d, _)| *d == date) {
            Some((_, met)) => met,
            None => match few.get_mut(held) {
                Some(slot) => {
                    *slot = (date, 0);
                    held += 1;
                    &mut slot.1
                }
                None => match more.iter().position(|(d, _)| *d == date) {
                    Some(k) => &mut more[k].1,
                    None => {
                        more.push((date, 0));
                        let k = more.len() - 1;
                        &mut more[k].1
                    }
                },
            },
        };
        for system in line_systems(line).into_iter().flatten() {
            let bit = 1u8 << (system as u8 & 7);
            if *met & bit != 0 {
                continue;
            }
            *met |= bit;
            if let Some(newest) = release_gap(releases, system, date) {
                each(line, system, date, newest);
            }
        }
    }
}

/// The code systems a line names, in its order: its code's, then the
/// modifiers', the diagnoses' and the place of service's when it has them.
fn line_systems(line: &CodeLine) -> [Option<CodeSystem>; 4] {
    [
        Some(line.system),
        (!line.modifiers.is_empty()).then_some(CodeSystem::Modifier),
        (!line.diagnoses.is_empty()).then_some(CodeSystem::Icd10Cm),
        line.place_of_service.map(|_| CodeSystem::Pos),
    ]
}

/// The `CODE_SET_NOT_CURRENT` problem of line `line_id`: no release of
/// `system` covers `date`, `newest` is the newest held.
pub(crate) fn gap_problem(
    line_id: &str,
    system: CodeSystem,
    date: NaiveDate,
    newest: &Release,
) -> Problem {
    Problem {
        code: ProblemCode::CodeSetNotCurrent,
        line_id: Some(line_id.to_owned()),
        message: gap_message(system, date, newest),
        detail: Some(ProblemDetail::CodeSetNotCurrent {
            system,
            date_of_service: date,
            newest: newest.name.clone(),
            newest_valid_from: newest.valid_from,
            newest_valid_through: newest.valid_through,
        }),
    }
}

/// "no {system} release held covers {date}: codes are checked against the
/// newest, {name} ({window})", written into one allocation (a batch scrub
/// of old claims reports it on most of them).
fn gap_message(system: CodeSystem, date: NaiveDate, newest: &Release) -> String {
    let mut m = String::with_capacity(112 + newest.name.len());
    m.push_str("no ");
    m.push_str(system.as_str());
    m.push_str(" release held covers ");
    push_date(&mut m, date);
    m.push_str(": codes are checked against the newest, ");
    m.push_str(&newest.name);
    m.push_str(" (");
    match newest.valid_through {
        Some(t) => {
            push_date(&mut m, newest.valid_from);
            m.push_str(" .. ");
            push_date(&mut m, t);
        }
        None => {
            m.push_str("from ");
            push_date(&mut m, newest.valid_from);
        }
    }
    m.push(')');
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::{Currency, Invoice, Money};
    use crate::code::Code;
    use crate::entry::Entry;

    /// A source that knows no code, only releases.
    struct Releases(Vec<Release>);

    impl CodeSource for Releases {
        fn entry(&self, _: &Code, _: CodeSystem) -> Option<Entry> {
            None
        }

        fn releases(&self) -> &[Release] {
            &self.0
        }
    }

    #[test]
    fn each_system_and_date_is_reported_once_on_its_first_line_whatever_the_dates() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("a date");
        let source = Releases(
            [CodeSystem::Icd10Cm, CodeSystem::Hcpcs, CodeSystem::Pos]
                .into_iter()
                .filter_map(|s| Release::fiscal_year(s, 2025, "test"))
                .collect(),
        );
        // Seven dates (more than are kept on the stack), covered or not,
        // repeated out of order, on lines naming one to four systems.
        let dates = [
            day(2023, 1, 5),
            day(2024, 12, 1),
            day(2023, 1, 6),
            day(2022, 7, 1),
            day(2026, 2, 2),
            day(2021, 3, 3),
            day(2020, 4, 4),
        ];
        let mut inv = Invoice::new("C", "C", day(2019, 1, 1), Money::zero(Currency::Usd), None);
        for k in 0..40usize {
            let mut line =
                CodeLine::manual(CodeSystem::Hcpcs, "G0444", String::new()).expect("a line");
            line.id = format!("L{k}");
            line.date_of_service = (k % 9 != 8).then(|| dates[(k * 5 + k / 7) % dates.len()]);
            if k % 3 == 0 {
                line.modifiers.push(Code::parse("25").expect("a code"));
            }
            if k % 4 != 1 {
                line.diagnoses.push(Code::parse("F411").expect("a code"));
            }
            if k % 5 != 2 {
                line.place_of_service = Some(Code::parse("11").expect("a code"));
            }
            inv.lines.push(line);
        }
        let mut got = Vec::new();
        gaps(&inv, &source, |line, system, date, newest| {
            got.push((line.id.clone(), system, date, newest.name.clone()));
        });
        // As the rule reads: the first line of each (system, date) in line
        // order, systems in a line's order, when no release covers it.
        let mut want = Vec::new();
        let mut seen = Vec::new();
        for line in &inv.lines {
            let date = line.date_of_service.unwrap_or(inv.date);
            for system in line_systems(line).into_iter().flatten() {
                if seen.contains(&(system, date)) {
                    continue;
                }
                seen.push((system, date));
                if let Some(r) = release_gap(&source.0, system, date) {
                    want.push((line.id.clone(), system, date, r.name.clone()));
                }
            }
        }
        assert!(want.len() > 12, "{want:?}");
        assert_eq!(got, want);
    }

    #[test]
    fn the_gap_message_reads_as_formatted() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("a date");
        for (release, date) in [
            (
                Release::fiscal_year(CodeSystem::Icd10Cm, 2027, "addenda"),
                day(2019, 3, 9),
            ),
            (
                Release::fiscal_year(CodeSystem::Icd10Cm, 2026, "order"),
                day(12, 12, 31),
            ),
            (
                Release::fiscal_year(CodeSystem::Icd10Cm, 2025, "order"),
                day(-40, 1, 1),
            ),
            (
                Release::fiscal_year(CodeSystem::Icd10Cm, 2025, "order"),
                day(10_000, 1, 1),
            ),
        ] {
            let mut r = release.expect("a release");
            for through in [r.valid_through, None] {
                r.valid_through = through;
                let window = match r.valid_through {
                    Some(t) => format!("{} .. {t}", r.valid_from),
                    None => format!("from {}", r.valid_from),
                };
                let system = CodeSystem::Icd10Cm;
                assert_eq!(
                    gap_message(system, date, &r),
                    format!(
                        "no {system} release held covers {date}: codes are checked against the newest, {} ({window})",
                        r.name
                    )
                );
            }
        }
    }
}
