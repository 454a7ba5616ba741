//! The claim checks: PTP conflicts between lines of one date of service, and
//! units over the MUE.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use chrono::{Datelike, NaiveDate};

use super::format;
use super::reader::{u32_at, NcciEdits, RawRecord};
use super::{ModifierIndicator, MueAdjudication};
use crate::billing::Fx;
use crate::code::{Code, CodeSystem};
use crate::error::NcciError;
use crate::problem::{push_date, push_u64, spare_copy, spare_list, spare_string_for};
use crate::problem::{LineFacts, Problem, ProblemCode, ProblemDetail};

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

/// A line taking part in the checks: its index among the lines checked,
/// its date of service and its code's id in the edits file.
#[derive(Clone, Copy)]
struct Item {
    line: usize,
    dos: Option<NaiveDate>,
    id: u32,
}

/// What one check reuses: the vectors of a claim's codes, lines and
/// findings, kept per thread so that a scrub's worker (or a host checking
/// claim after claim) allocates none of them per claim once warm. Every
/// vector is emptied before use; none holds anything between calls.
#[derive(Default)]
struct Scratch {
    codes: Vec<Code>,
    /// The edits file's ids of `codes`.
    ids: Vec<Option<u32>>,
    items: Vec<Item>,
    /// Indexes into a day's items, by code id then line order.
    order: Vec<usize>,
    /// A day's codes: runs of `order`, sorted by code id.
    groups: Vec<Group>,
    /// (index of a group, pair record reference), see [`partners`].
    partners: Vec<(usize, u32)>,
    /// PTP conflicts of a day: (column-1 item, column-2 item, problem).
    ptp: Vec<(usize, usize, Problem)>,
    /// MUEs exceeded on a day: (item reported, what).
    mue: Vec<(usize, MueFound)>,
    /// The lines (indexes into the lines checked) the MUEs found report.
    mue_lines: Vec<usize>,
    /// What the claim's days found, in the order reported.
    found: Vec<Found>,
}

/// A finding of the check, in the order of its problems: a PTP conflict's
/// problem, or an MUE exceeded (its problem made only when reported).
enum Found {
    Ptp(Problem),
    Mue(MueFound),
}

/// An MUE exceeded: the edit, the code and units, and the lines reported
/// (`Scratch::mue_lines[lines]`).
struct MueFound {
    mue: super::reader::RawMue,
    code: Code,
    dos: Option<NaiveDate>,
    units: u64,
    lines: std::ops::Range<usize>,
}

/// The id of the line finding `f` is reported on (`mue_lines` and `lines`
/// as [`MueFound::lines`] indexes them).
fn found_line_id<'f>(
    f: &'f Found,
    mue_lines: &[usize],
    lines: &'f [LineFacts<'f>],
) -> Option<&'f str> {
    match f {
        Found::Ptp(p) => p.line_id.as_deref(),
        Found::Mue(m) => {
            let k = mue_lines.get(m.lines.start).copied()?;
            lines.get(k).map(|l| l.id)
        }
    }
}

/// Where the PTP and MUE checks report, in order: the problems in a
/// vector, each `MUE_EXCEEDED` problem as its facts ([`MueExceeded`]),
/// which a vector of problems turns into the problem
/// ([`MueExceeded::problem`]) and a batch scrub writes straight into its
/// output (one message writer, [`MueExceeded::push_message`]).
pub(crate) trait NcciOut {
    /// The vector the problems go to.
    fn problems(&mut self) -> &mut Vec<Problem>;
    /// An `MUE_EXCEEDED` problem on `lines`, after every problem pushed
    /// so far.
    fn mue(&mut self, m: &MueExceeded<'_>, lines: MueLines<'_>);
}

impl NcciOut for Vec<Problem> {
    fn problems(&mut self) -> &mut Vec<Problem> {
        self
    }

    fn mue(&mut self, m: &MueExceeded<'_>, lines: MueLines<'_>) {
        self.push(m.problem(lines.ids()));
    }
}

/// An `MUE_EXCEEDED` problem's facts but its lines: `units` of `code`
/// over the MUE.
pub(crate) struct MueExceeded<'a> {
    /// The code.
    pub(crate) code: Code,
    /// The date of service (`None`: undated lines).
    pub(crate) date_of_service: Option<NaiveDate>,
    /// The MUE (units).
    pub(crate) mue: u32,
    /// Its adjudication indicator.
    pub(crate) mai: MueAdjudication,
    /// The units billed.
    pub(crate) units: u64,
    /// The MUE's rationale.
    pub(crate) rationale: &'a str,
}

/// The lines an `MUE_EXCEEDED` problem reports: of the lines checked,
/// those at the indexes `at`, in line order.
#[derive(Clone, Copy)]
pub(crate) struct MueLines<'a> {
    lines: &'a [LineFacts<'a>],
    at: &'a [usize],
}

impl<'a> MueLines<'a> {
    /// Their ids.
    pub(crate) fn ids(self) -> impl ExactSizeIterator<Item = &'a str> + Clone {
        let lines = self.lines;
        self.at
            .iter()
            .map(move |&k| lines.get(k).map_or("", |l| l.id))
    }
}

impl MueExceeded<'_> {
    /// Appends the problem's message on the lines `ids`: "{units} units of
    /// {code} on {date} exceed its MUE of {mue} ({scope}, line(s) {ids};
    /// {rationale})", without the formatting machinery.
    pub(crate) fn push_message<'l>(
        &self,
        message: &mut String,
        ids: impl ExactSizeIterator<Item = &'l str>,
    ) {
        push_u64(message, self.units);
        message.push_str(" units of ");
        message.push_str(self.code.as_str());
        message.push(' ');
        push_when(message, self.date_of_service);
        message.push_str(" exceed its MUE of ");
        push_u64(message, u64::from(self.mue));
        message.push_str(" (");
        if self.mai.per_line() {
            message.push_str("MAI 1: per line, line ");
        } else {
            message.push_str("MAI ");
            push_u64(message, u64::from(self.mai.as_u8()));
            message.push_str(": per date of service, line");
            message.push_str(if ids.len() == 1 { " " } else { "s " });
        }
        for (k, id) in ids.enumerate() {
            if k > 0 {
                message.push_str(", ");
            }
            message.push_str(id);
        }
        message.push_str("; ");
        message.push_str(self.rationale);
        message.push(')');
    }

    /// The `MUE_EXCEEDED` problem on the lines `ids`.
    pub(crate) fn problem<'l>(
        &self,
        ids: impl ExactSizeIterator<Item = &'l str> + Clone,
    ) -> Problem {
        // Strings from the thread's spares: a host may report MUEs by the
        // ten thousand and recycle each once written.
        let rationale = spare_copy(self.rationale);
        let mut lines = spare_list();
        lines.extend(ids.clone().map(spare_copy));
        let mut message = spare_string_for(160 + rationale.len());
        self.push_message(&mut message, ids);
        Problem {
            code: ProblemCode::MueExceeded,
            line_id: lines.first().map(|l| spare_copy(l)),
            message,
            detail: Some(ProblemDetail::MueExceeded {
                code: self.code,
                date_of_service: self.date_of_service,
                mue: self.mue,
                mai: self.mai,
                units: self.units,
                lines,
                rationale,
            }),
        }
    }
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::default();
}

/// Claims with at most this many lines put their NCCI problems in line
/// order by scanning the lines (no table of line positions).
const SCANNED_UP_TO: usize = 16;

/// Appends "on {date}", or "on the same day" for undated lines.
fn push_when(m: &mut String, dos: Option<NaiveDate>) {
    match dos {
        Some(d) => {
            m.push_str("on ");
            push_date(m, d);
        }
        None => m.push_str("on the same day"),
    }
}

impl NcciEdits {
    /// Runs the PTP and MUE checks on lines (see [`LineFacts`]). The same
    /// problems [`readiness`](crate::billing::readiness) reports with these
    /// edits as its reference data.
    ///
    /// O(n log n) in the number of lines `n` (plus the problems reported):
    /// lines are sorted by date of service, each day's lines grouped by
    /// code, and each code's edits looked up once per day against the codes
    /// present (a binary search on the smaller side), not line against
    /// line.
    ///
    /// # Errors
    /// Those of a damaged edits file.
    pub fn check_facts(&self, lines: &[LineFacts<'_>]) -> Result<Vec<Problem>, NcciError> {
        let mut out = Vec::new();
        self.check_facts_into(lines, &mut out)?;
        Ok(out)
    }

    /// [`NcciEdits::check_facts`] reporting to `out`; on an error nothing
    /// is reported.
    pub(crate) fn check_facts_into(
        &self,
        lines: &[LineFacts<'_>],
        out: &mut impl NcciOut,
    ) -> Result<(), NcciError> {
        let start = out.problems().len();
        let done = SCRATCH
            .try_with(|s| match s.try_borrow_mut() {
                Ok(mut s) => Some(self.check_with(lines, &mut s, out)),
                Err(_) => None,
            })
            .ok()
            .flatten();
        let done = match done {
            Some(r) => r,
            // The thread's room is in use or gone: fresh room.
            None => self.check_with(lines, &mut Scratch::default(), out),
        };
        if done.is_err() {
            out.problems().truncate(start);
        }
        done
    }

    fn check_with(
        &self,
        lines: &[LineFacts<'_>],
        s: &mut Scratch,
        out: &mut impl NcciOut,
    ) -> Result<(), NcciError> {
        let billed = |l: &&LineFacts<'_>| matches!(l.system, CodeSystem::Hcpcs | CodeSystem::Cpt);
        s.codes.clear();
        s.codes.extend(lines.iter().filter(billed).map(|l| l.code));
        self.code_ids_into(&s.codes, &mut s.ids)?;
        s.items.clear();
        let billed_lines = lines.iter().enumerate().filter(|(_, l)| billed(l));
        for ((k, line), &id) in billed_lines.zip(&s.ids) {
            if let Some(id) = id {
                // Every code's pair rows are checked readable first.
                self.pairs_of(id)?;
                s.items.push(Item {
                    line: k,
                    dos: line.date_of_service,
                    id,
                });
            }
        }
        s.found.clear();
        s.mue_lines.clear();
        // Lines of one date of service, in line order within the day.
        s.items.sort_by_key(|it| it.dos);
        let mut from = 0;
        while from < s.items.len() {
            let dos = s.items[from].dos;
            let to = from
                + s.items[from..]
                    .iter()
                    .take_while(|it| it.dos == dos)
                    .count();
            let day = Day {
                lines,
                items: &s.items[from..to],
                dos,
            };
            group_codes(day.items, &mut s.order, &mut s.groups);
            let codes = Codes {
                groups: &s.groups,
                order: &s.order,
            };
            self.ptp_day(&day, &codes, &mut s.partners, &mut s.ptp, &mut s.found)?;
            self.mue_day(&day, &codes, &mut s.mue, &mut s.mue_lines, &mut s.found)?;
            from = to;
        }
        let Scratch {
            found, mue_lines, ..
        } = s;
        if found.len() >= 2 {
            // Report in line order, whatever the dates (PTP conflicts
            // first): the position of the first line of each id.
            let not_ptp =
                |f: &Found| !matches!(f, Found::Ptp(p) if p.code == ProblemCode::NcciPtpConflict);
            if lines.len() <= SCANNED_UP_TO {
                let pos = |f: &Found| {
                    found_line_id(f, mue_lines, lines)
                        .and_then(|id| lines.iter().position(|l| l.id == id))
                };
                found.sort_by_key(|f| (not_ptp(f), pos(f)));
            } else {
                let mut first: HashMap<&str, usize, BuildHasherDefault<Fx>> =
                    HashMap::with_capacity_and_hasher(lines.len(), Default::default());
                for (i, l) in lines.iter().enumerate() {
                    first.entry(l.id).or_insert(i);
                }
                let pos = |f: &Found| {
                    found_line_id(f, mue_lines, lines).and_then(|id| first.get(id).copied())
                };
                found.sort_by_cached_key(|f| (not_ptp(f), pos(f)));
            }
        }
        // Every rationale reported is read before anything is reported (a
        // damaged file reports nothing); the same bytes read the same
        // again below.
        let mut last: Option<(u32, &str)> = None;
        for f in found.iter() {
            if let Found::Mue(m) = f {
                self.rationale_of(m.mue.rationale, &mut last)?;
            }
        }
        for f in found.drain(..) {
            match f {
                Found::Ptp(p) => out.problems().push(p),
                Found::Mue(m) => {
                    let rationale = self.rationale_of(m.mue.rationale, &mut last)?;
                    let facts = MueExceeded {
                        code: m.code,
                        date_of_service: m.dos,
                        mue: m.mue.units,
                        mai: m.mue.mai,
                        units: m.units,
                        rationale,
                    };
                    let at = mue_lines.get(m.lines).unwrap_or(&[]);
                    out.mue(&facts, MueLines { lines, at });
                }
            }
        }
        Ok(())
    }

    /// Rationale `id`, read again only when it is not the `last` read.
    fn rationale_of<'e>(
        &'e self,
        id: u32,
        last: &mut Option<(u32, &'e str)>,
    ) -> Result<&'e str, NcciError> {
        match *last {
            Some((at, text)) if at == id => Ok(text),
            _ => {
                let text = self.rationale(id)?;
                *last = Some((id, text));
                Ok(text)
            }
        }
    }

    fn ptp_day(
        &self,
        day: &Day<'_, '_>,
        codes: &Codes<'_>,
        partners_found: &mut Vec<(usize, u32)>,
        found: &mut Vec<(usize, usize, Problem)>,
        out: &mut Vec<Found>,
    ) -> Result<(), NcciError> {
        let dos = day.dos;
        let dos_days = dos.map(|d| d.num_days_from_ce());
        // (column-1 line, column-2 line, problem), put in line order below.
        found.clear();
        for a_group in codes.groups {
            let Some(&first) = codes.lines(a_group).first() else {
                continue;
            };
            let pairs = self.pairs_of(day.items[first].id)?;
            if pairs.is_empty() {
                continue;
            }
            partners(pairs, codes.groups, partners_found);
            for &(b, reference) in partners_found.iter() {
                let b_group = &codes.groups[b];
                let Some(r) = self.strictest(reference, dos_days)? else {
                    continue;
                };
                let can_clear = r.indicator == ModifierIndicator::Allowed;
                let (a_lines, b_lines) = (codes.lines(a_group), codes.lines(b_group));
                let (Some(&a0), Some(&b0)) = (a_lines.first(), b_lines.first()) else {
                    continue;
                };
                let edit = self.edit_of(day.line(a0).code, day.line(b0).code, r)?;
                for &i in a_lines {
                    for &j in b_lines {
                        // The same code twice: one order is enough.
                        if i == j || (a_group.id == b_group.id && j < i) {
                            continue;
                        }
                        let (a, b) = (day.line(i), day.line(j));
                        if can_clear && b.modifiers.iter().any(is_ncci_modifier) {
                            continue;
                        }
                        found.push((i, j, ptp_problem(a, b, dos, can_clear, edit.clone())));
                    }
                }
            }
        }
        // As line against line would find them: column-1 line, then column 2.
        found.sort_by_key(|(i, j, _)| (*i, *j));
        out.extend(found.drain(..).map(|(_, _, p)| Found::Ptp(p)));
        Ok(())
    }

    /// The record of a pair that decides on a date of service (days from
    /// CE; `None` for undated lines: only edits not deleted count): the
    /// first active one with indicator 0, else with indicator 1.
    fn strictest(
        &self,
        reference: u32,
        dos_days: Option<i32>,
    ) -> Result<Option<RawRecord>, NcciError> {
        let never = super::build::never_days();
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
        Ok(strict.or(loose))
    }

    fn mue_day(
        &self,
        day: &Day<'_, '_>,
        codes: &Codes<'_>,
        found: &mut Vec<(usize, MueFound)>,
        mue_lines: &mut Vec<usize>,
        out: &mut Vec<Found>,
    ) -> Result<(), NcciError> {
        let dos = day.dos;
        // (the day index of the line reported, what), in line order below.
        found.clear();
        for g in codes.groups {
            let g_lines = codes.lines(g);
            let Some(&first) = g_lines.first() else {
                continue;
            };
            let Some(m) = self.raw_mue(g.id)? else {
                continue;
            };
            if let (Some(d), Some(e)) = (dos, m.effective) {
                if d < e {
                    continue;
                }
            }
            let code: Code = day.line(first).code;
            let mut report = |at: usize, units: u64, lines: &[usize]| {
                let from = mue_lines.len();
                mue_lines.extend(lines.iter().map(|&i| day.items[i].line));
                found.push((
                    at,
                    MueFound {
                        mue: m,
                        code,
                        dos,
                        units,
                        lines: from..mue_lines.len(),
                    },
                ));
            };
            if m.mai == MueAdjudication::Line {
                for &i in g_lines {
                    let units = u64::from(day.line(i).units);
                    if units > u64::from(m.units) {
                        report(i, units, &[i]);
                    }
                }
                continue;
            }
            let units: u64 = g_lines.iter().map(|&i| u64::from(day.line(i).units)).sum();
            if units > u64::from(m.units) {
                report(first, units, g_lines);
            }
        }
        found.sort_by_key(|(at, _)| *at);
        out.extend(found.drain(..).map(|(_, m)| Found::Mue(m)));
        Ok(())
    }
}

/// The code groups of the day (`groups`, sorted by code id) that a code
/// with edit rows `pairs` has edits with, as (group index, the pair's
/// record reference), into `out` (emptied first): one merge of the two
/// id-sorted lists, each step a galloping search forward in the edit rows,
/// so a code with thousands of rows costs a few probes per code of the day
/// and a code with few rows little more than a scan.
fn partners(pairs: &[u8], groups: &[Group], out: &mut Vec<(usize, u32)>) {
    out.clear();
    let rows = pairs.len() / format::PAIR_LEN;
    let id_at = |row: usize| u32_at(pairs, row * format::PAIR_LEN).unwrap_or(u32::MAX);
    let mut at = 0usize;
    for (k, g) in groups.iter().enumerate() {
        // Gallop: the first row at or after `at` whose id is not below g.id.
        let mut step = 1usize;
        let mut hi = at;
        while hi < rows && id_at(hi) < g.id {
            at = hi + 1;
            hi = hi.saturating_add(step);
            step = step.saturating_mul(2);
        }
        let mut hi = hi.min(rows);
        while at < hi {
            let mid = at + (hi - at) / 2;
            if id_at(mid) < g.id {
                at = mid + 1;
            } else {
                hi = mid;
            }
        }
        if at >= rows {
            break;
        }
        if id_at(at) == g.id {
            if let Some(reference) = u32_at(pairs, at * format::PAIR_LEN + 4) {
                out.push((k, reference));
            }
        }
    }
}

/// The problem of a PTP conflict between lines `a` (column 1) and `b`
/// (column 2).
fn ptp_problem(
    a: &LineFacts<'_>,
    b: &LineFacts<'_>,
    dos: Option<NaiveDate>,
    can_clear: bool,
    edit: super::PtpEdit,
) -> Problem {
    use std::fmt::Write as _;
    let (c1, c2) = (a.code, b.code);
    // One string, written once (`format!` of the parts allocated three).
    let mut message = String::with_capacity(320);
    let _ = write!(
        message,
        "{c2} (line {}) is not billable with {c1} (line {}) ",
        b.id, a.id
    );
    push_when(&mut message, dos);
    let _ = write!(
        message,
        ": NCCI PTP edit, column 1 {c1} / column 2 {c2} ({}); ",
        edit.rationale
    );
    if can_clear {
        let _ = write!(
            message,
            "modifier indicator 1: an NCCI-associated modifier (59, XE, XS, XP, XU, …) on line {} allows the pair when the services are distinct",
            b.id
        );
    } else {
        message.push_str("modifier indicator 0: no modifier allows the pair");
    }
    Problem {
        code: ProblemCode::NcciPtpConflict,
        line_id: Some(b.id.to_owned()),
        message,
        detail: Some(ProblemDetail::PtpConflict {
            column1_line: a.id.to_owned(),
            column2_line: b.id.to_owned(),
            date_of_service: dos,
            modifier_can_clear: can_clear,
            edit,
        }),
    }
}

/// The lines of one code on one day: `order[start..end]` of its [`Codes`].
struct Group {
    id: u32,
    start: usize,
    end: usize,
}

/// The lines of one date of service, as the PTP and MUE checks read them.
struct Day<'d, 'a> {
    /// Every line checked.
    lines: &'d [LineFacts<'a>],
    /// The day's lines, in line order.
    items: &'d [Item],
    /// Their date of service (`None`: undated lines).
    dos: Option<NaiveDate>,
}

impl<'d, 'a> Day<'d, 'a> {
    /// The line of item `i` of the day.
    fn line(&self, i: usize) -> &'d LineFacts<'a> {
        &self.lines[self.items[i].line]
    }
}

/// A day's lines grouped by code, the groups sorted by code id.
struct Codes<'s> {
    groups: &'s [Group],
    /// Indexes into the day, by code id then line order.
    order: &'s [usize],
}

/// Groups the items of a day by code into `order` and `groups` (both
/// emptied first).
fn group_codes(day: &[Item], order: &mut Vec<usize>, groups: &mut Vec<Group>) {
    order.clear();
    order.extend(0..day.len());
    order.sort_by_key(|&i| (day[i].id, i));
    groups.clear();
    for (k, &i) in order.iter().enumerate() {
        match groups.last_mut() {
            Some(g) if g.id == day[i].id => g.end = k + 1,
            _ => groups.push(Group {
                id: day[i].id,
                start: k,
                end: k + 1,
            }),
        }
    }
}

impl Codes<'_> {
    /// The day indexes of a group's lines, in line order.
    fn lines(&self, g: &Group) -> &[usize] {
        self.order.get(g.start..g.end).unwrap_or(&[])
    }
}
