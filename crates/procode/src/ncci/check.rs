//! The claim checks: PTP conflicts between lines of one date of service, and
//! units over the MUE.

use chrono::{Datelike, NaiveDate};

use super::reader::{NcciEdits, RawRecord};
use super::{ModifierIndicator, MueAdjudication};
use crate::billing::{BillingDocument, CodeLine, Problem, ProblemCode, ProblemDetail};
use crate::code::{Code, CodeSystem};
use crate::error::EditsError;

/// The NCCI-associated modifiers that may clear a PTP edit with modifier
/// indicator 1 (CMS NCCI Policy Manual, chapter I): 59 and its X{EPSU}
/// subsets, the anatomic modifiers, the global surgery modifiers, 27 and 91.
pub const NCCI_MODIFIERS: [&str; 44] = [
    "59", "XE", "XS", "XP", "XU", // distinct procedural service
    "E1", "E2", "E3", "E4", // eyelids
    "FA", "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9", // fingers
    "TA", "T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9", // toes
    "LT", "RT", "LC", "LD", "LM", "RC", "RI", // sides and coronary arteries
    "24", "25", "57", "58", "78", "79", // global surgery
    "27", "91", // multiple outpatient E/M encounters, repeat laboratory test
];

/// Whether a modifier is NCCI-associated (see [`NCCI_MODIFIERS`]).
///
/// # Example
/// ```
/// use procode::ncci::is_ncci_modifier;
/// use procode::Code;
/// assert!(is_ncci_modifier(&Code::parse("59").unwrap()));
/// assert!(is_ncci_modifier(&Code::parse("xu").unwrap()));
/// assert!(!is_ncci_modifier(&Code::parse("GT").unwrap()));
/// ```
pub fn is_ncci_modifier(m: &Code) -> bool {
    let b = m.as_bytes();
    b.len() == 2 && NCCI_MODIFIERS.iter().any(|x| x.as_bytes() == b)
}

/// A line taking part in the checks.
struct Item<'a> {
    line: &'a CodeLine,
    dos: Option<NaiveDate>,
    id: u32,
    /// The code's pair rows as column 1.
    pairs: &'a [u8],
}

fn when(dos: Option<NaiveDate>) -> String {
    match dos {
        Some(d) => format!("on {d}"),
        None => "on the same day".to_owned(),
    }
}

impl NcciEdits {
    /// Runs the PTP and MUE checks on a document's lines (a line without a
    /// date of service takes the document's date). The same problems
    /// [`readiness`](crate::billing::readiness) reports once these edits are
    /// attached to its catalog.
    ///
    /// # Example
    /// ```
    /// use procode::ncci::{EditsBuilder, NcciEdits};
    /// use procode::billing::{CodeLine, EditBatch, Editor, Money, Service};
    /// use procode::CodeSystem;
    /// use chrono::{TimeZone, Utc};
    /// let ptp = "column1\tcolumn2\tdeletion_date\tmodifier_indicator\trationale\n\
    ///            45380\t45378\t9999-12-31\t0\tCPT Separate procedure definition\n";
    /// let mut b = EditsBuilder::new();
    /// b.read_ptp("ptp.tsv", ptp.as_bytes()).unwrap();
    /// let edits = NcciEdits::from_bytes(b.build().unwrap()).unwrap();
    /// let mut svc = Service::new("SVC-1", "Colonoscopy", Money::parse("900", "USD").unwrap());
    /// let batch = EditBatch::new()
    ///     .add(CodeLine::manual(CodeSystem::Cpt, "45378", "Diagnostic").unwrap())
    ///     .add(CodeLine::manual(CodeSystem::Cpt, "45380", "With biopsy").unwrap());
    /// svc.edit(&batch, &Editor::new("me", Utc.timestamp_opt(0, 0).unwrap())).unwrap();
    /// let problems = edits.check(&svc).unwrap();
    /// assert_eq!(problems.len(), 1);
    /// assert_eq!(problems[0].code.as_str(), "NCCI_PTP_CONFLICT");
    /// assert_eq!(problems[0].line_id.as_deref(), Some("L1")); // 45378, column 2
    /// ```
    pub fn check<D: BillingDocument + ?Sized>(&self, doc: &D) -> Result<Vec<Problem>, EditsError> {
        self.check_lines(doc.lines(), doc.date())
    }

    /// Runs the PTP and MUE checks on lines; `date` is the date of service of
    /// lines that have none of their own.
    pub fn check_lines(
        &self,
        lines: &[CodeLine],
        date: Option<NaiveDate>,
    ) -> Result<Vec<Problem>, EditsError> {
        let mut items: Vec<Item<'_>> = Vec::with_capacity(lines.len());
        for line in lines {
            if !matches!(line.system, CodeSystem::Hcpcs | CodeSystem::Cpt) {
                continue;
            }
            if let Some(id) = self.code_id(&line.code)? {
                items.push(Item {
                    line,
                    dos: line.date_of_service.or(date),
                    id,
                    pairs: self.pairs_of(id)?,
                });
            }
        }
        let mut out = Vec::new();
        // Lines of one date of service, in line order within the day.
        items.sort_by_key(|it| it.dos);
        let mut start = 0;
        while start < items.len() {
            let mut end = start + 1;
            while end < items.len() && items[end].dos == items[start].dos {
                end += 1;
            }
            let day = &items[start..end];
            self.ptp_day(day, &mut out)?;
            self.mue_day(day, &mut out)?;
            start = end;
        }
        // Report in line order, whatever the dates.
        let pos = |p: &Problem| {
            p.line_id
                .as_deref()
                .and_then(|id| lines.iter().position(|l| l.id == id))
        };
        out.sort_by_key(|p| (p.code != ProblemCode::NcciPtpConflict, pos(p)));
        Ok(out)
    }

    fn ptp_day(&self, day: &[Item<'_>], out: &mut Vec<Problem>) -> Result<(), EditsError> {
        let dos = day[0].dos;
        let dos_days = dos.map(|d| d.num_days_from_ce());
        let never = super::build::never_days();
        for (i, a) in day.iter().enumerate() {
            for (j, b) in day.iter().enumerate() {
                // The same code twice: one order is enough.
                if i == j || (a.id == b.id && j < i) || a.pairs.is_empty() {
                    continue;
                }
                let Some(reference) = NcciEdits::find_pair(a.pairs, b.id) else {
                    continue;
                };
                let mut strict: Option<RawRecord> = None;
                let mut loose: Option<RawRecord> = None;
                self.for_each_record(reference, |r| {
                    let active = match dos_days {
                        Some(d) => d <= r.deleted,
                        None => r.deleted == never,
                    };
                    if !active {
                        return;
                    }
                    match r.indicator {
                        ModifierIndicator::NotAllowed => {
                            strict.get_or_insert(r);
                        }
                        ModifierIndicator::Allowed => {
                            loose.get_or_insert(r);
                        }
                        ModifierIndicator::NotApplicable => {}
                    }
                })?;
                let Some(r) = strict.or(loose) else {
                    continue;
                };
                let can_clear = r.indicator == ModifierIndicator::Allowed;
                if can_clear && b.line.modifiers.iter().any(is_ncci_modifier) {
                    continue;
                }
                let edit = self.edit_of(a.line.code, b.line.code, r)?;
                let (c1, c2) = (a.line.code, b.line.code);
                let how = if can_clear {
                    format!(
                        "modifier indicator 1: an NCCI-associated modifier (59, XE, XS, XP, XU, …) on line {} allows the pair when the services are distinct",
                        b.line.id
                    )
                } else {
                    "modifier indicator 0: no modifier allows the pair".to_owned()
                };
                out.push(Problem {
                    code: ProblemCode::NcciPtpConflict,
                    line_id: Some(b.line.id.clone()),
                    message: format!(
                        "{c2} (line {}) is not billable with {c1} (line {}) {}: NCCI PTP edit, column 1 {c1} / column 2 {c2} ({}); {how}",
                        b.line.id,
                        a.line.id,
                        when(dos),
                        edit.rationale
                    ),
                    detail: Some(ProblemDetail::PtpConflict {
                        column1_line: a.line.id.clone(),
                        column2_line: b.line.id.clone(),
                        date_of_service: dos,
                        modifier_can_clear: can_clear,
                        edit,
                    }),
                });
            }
        }
        Ok(())
    }

    fn mue_day(&self, day: &[Item<'_>], out: &mut Vec<Problem>) -> Result<(), EditsError> {
        let dos = day[0].dos;
        let mut done: Vec<u32> = Vec::new();
        for (i, a) in day.iter().enumerate() {
            if done.contains(&a.id) {
                continue;
            }
            let Some(m) = self.raw_mue(a.id)? else {
                continue;
            };
            if let (Some(d), Some(e)) = (dos, m.effective) {
                if d < e {
                    continue;
                }
            }
            let report = |units: u64, lines: Vec<String>, out: &mut Vec<Problem>| {
                let code: Code = a.line.code;
                let rationale = self.rationale(m.rationale)?.to_owned();
                let scope = if m.mai.per_line() {
                    format!("MAI 1: per line, line {}", lines.join(", "))
                } else {
                    format!(
                        "MAI {}: per date of service, line{} {}",
                        m.mai,
                        if lines.len() == 1 { "" } else { "s" },
                        lines.join(", ")
                    )
                };
                out.push(Problem {
                    code: ProblemCode::MueExceeded,
                    line_id: Some(lines[0].clone()),
                    message: format!(
                        "{units} units of {code} {} exceed its MUE of {} ({scope}; {rationale})",
                        when(dos),
                        m.units
                    ),
                    detail: Some(ProblemDetail::MueExceeded {
                        code,
                        date_of_service: dos,
                        mue: m.units,
                        mai: m.mai,
                        units,
                        lines,
                        rationale,
                    }),
                });
                Ok::<(), EditsError>(())
            };
            if m.mai == MueAdjudication::Line {
                if u64::from(a.line.units) > u64::from(m.units) {
                    report(u64::from(a.line.units), vec![a.line.id.clone()], out)?;
                }
                continue;
            }
            done.push(a.id);
            let same = day[i..].iter().filter(|b| b.id == a.id);
            let units: u64 = same.clone().map(|b| u64::from(b.line.units)).sum();
            if units > u64::from(m.units) {
                report(units, same.map(|b| b.line.id.clone()).collect(), out)?;
            }
        }
        Ok(())
    }
}
