//! Insurance readiness: every problem that would get a claim rejected.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault};

use super::documents::BillingDocument;
use super::line::{CodeLine, MAX_MODIFIERS};
use super::rates::Pricing;
use crate::catalog::structure::{sort_key, DiagnosisMemo};
use crate::catalog::Catalog;
use crate::code::{Code, CodeSystem};
use crate::entry::Entry;
use crate::import::tabular::TabularView;
use crate::ncci::{NcciEdits, NcciOut};
use crate::problem::{LineFacts, Problem, ProblemCode};
use chrono::NaiveDate;

/// Where readiness looks codes up: a catalog.
///
/// `entry` returns the entry whatever its dates; readiness checks
/// [`Entry::is_valid_on`] itself.
///
/// # Example
/// ```
/// use std::collections::HashMap;
/// use procode::{Code, CodeSystem, Entry};
/// use procode::billing::CodeSource;
/// let code = Code::parse("G0438").unwrap();
/// let mut map = HashMap::new();
/// map.insert((CodeSystem::Hcpcs, code), Entry::new(code, CodeSystem::Hcpcs, "Annual wellness visit"));
/// assert!(map.entry(&code, CodeSystem::Hcpcs).is_some());
/// assert!(map.entry(&code, CodeSystem::Cpt).is_none());
/// ```
pub trait CodeSource {
    /// The entry of a code in a system, if the source knows it.
    fn entry(&self, code: &Code, system: CodeSystem) -> Option<Entry>;

    /// The version of a code in force on a date of service (its title and
    /// billable flag on that day), or, when no version is valid then, any
    /// version (readiness then reports the code not valid on that date). By
    /// default the one [`CodeSource::entry`] gives; a
    /// [`Catalog`](crate::Catalog) answers from the code's history.
    fn entry_on(&self, code: &Code, system: CodeSystem, date: NaiveDate) -> Option<Entry> {
        let _ = date;
        self.entry(code, system)
    }

    /// The validity dates and billable flag of the version of a code in
    /// force on the date `on` (as [`CodeSource::entry_on`] picks it;
    /// without a date, [`CodeSource::entry`]'s). All that readiness needs of most
    /// codes; by default read from the entry, and a
    /// [`Catalog`](crate::Catalog) answers without decoding descriptions.
    fn status(&self, code: &Code, system: CodeSystem, on: Option<NaiveDate>) -> Option<CodeStatus> {
        let e = match on {
            Some(d) => self.entry_on(code, system, d),
            None => self.entry(code, system),
        };
        e.as_ref().map(CodeStatus::of)
    }

    /// The reference data [`readiness`] checks against when none is passed
    /// explicitly ([`readiness_with`]): none by default. A
    /// [`Catalog`](crate::Catalog) returns the NCCI edits attached with
    /// [`Catalog::with_ncci`](crate::Catalog::with_ncci), a convenience
    /// for hosts that keep the two together.
    fn references(&self) -> References<'_> {
        References::none()
    }

    /// The ICD-10-CM structure readiness checks diagnoses against
    /// (`EXCLUDES1_CONFLICT`, `MANIFESTATION_FIRST`, `CODE_FIRST_NOTE`, and the
    /// billable codes a `DIAGNOSIS_NOT_BILLABLE` message lists); none by
    /// default. A [`Catalog`](crate::Catalog) returns its index's tabular
    /// section.
    ///
    /// # Errors
    /// A damaged structure section (readiness then reports the claim not
    /// ready rather than skipping the checks).
    fn structure(&self) -> Result<Option<TabularView<'_>>, crate::error::CatalogError> {
        Ok(None)
    }

    /// Where readiness keeps what [`CodeSource::structure`] says of each
    /// diagnosis once decoded, so that later calls only look it up; none by
    /// default (decoded on every call: the same problems, more slowly). A
    /// [`Catalog`](crate::Catalog) returns its own memo. The memo must
    /// belong to this source's structure.
    fn diagnosis_memo(&self) -> Option<&DiagnosisMemo> {
        None
    }

    /// The releases the source holds, for `CODE_SET_NOT_CURRENT`; none by
    /// default (nothing is then said about release windows). A
    /// [`Catalog`](crate::Catalog) returns
    /// [`Catalog::releases`](crate::Catalog::releases).
    fn releases(&self) -> &[crate::Release] {
        &[]
    }
}

impl<S: BuildHasher> CodeSource for HashMap<(CodeSystem, Code), Entry, S> {
    fn entry(&self, code: &Code, system: CodeSystem) -> Option<Entry> {
        self.get(&(system, *code)).cloned()
    }
}

impl<T: CodeSource + ?Sized> CodeSource for &T {
    fn entry(&self, code: &Code, system: CodeSystem) -> Option<Entry> {
        (**self).entry(code, system)
    }

    fn entry_on(&self, code: &Code, system: CodeSystem, date: NaiveDate) -> Option<Entry> {
        (**self).entry_on(code, system, date)
    }

    fn status(&self, code: &Code, system: CodeSystem, on: Option<NaiveDate>) -> Option<CodeStatus> {
        (**self).status(code, system, on)
    }

    fn references(&self) -> References<'_> {
        (**self).references()
    }

    fn structure(&self) -> Result<Option<TabularView<'_>>, crate::error::CatalogError> {
        (**self).structure()
    }

    fn diagnosis_memo(&self) -> Option<&DiagnosisMemo> {
        (**self).diagnosis_memo()
    }

    fn releases(&self) -> &[crate::Release] {
        (**self).releases()
    }
}

impl CodeSource for Catalog {
    fn entry(&self, code: &Code, system: CodeSystem) -> Option<Entry> {
        self.entry_in_force(code, system, None)
    }

    fn entry_on(&self, code: &Code, system: CodeSystem, date: NaiveDate) -> Option<Entry> {
        self.entry_in_force(code, system, Some(date))
    }

    fn status(&self, code: &Code, system: CodeSystem, on: Option<NaiveDate>) -> Option<CodeStatus> {
        self.validity_in_force(code, system, on)
            .map(|(effective, terminated, billable)| CodeStatus {
                effective,
                terminated,
                billable,
            })
    }

    fn references(&self) -> References<'_> {
        References { edits: self.ncci() }
    }

    fn structure(&self) -> Result<Option<TabularView<'_>>, crate::error::CatalogError> {
        self.tabular_view()
    }

    fn diagnosis_memo(&self) -> Option<&DiagnosisMemo> {
        Some(self.dx_memo())
    }

    fn releases(&self) -> &[crate::Release] {
        Catalog::releases(self)
    }
}

/// What readiness needs to know of most codes on a date of service: the
/// validity dates and billable flag of the version in force (see
/// [`CodeSource::status`]).
///
/// # Example
/// ```
/// use procode::billing::CodeStatus;
/// use procode::{Code, CodeSystem, Entry};
/// let e = Entry::new(Code::parse("G0438").unwrap(), CodeSystem::Hcpcs, "Wellness");
/// let s = CodeStatus::of(&e);
/// assert!(s.billable && s.effective.is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CodeStatus {
    /// First day the version is valid, when known.
    pub effective: Option<NaiveDate>,
    /// Last day the version is valid, when it has one.
    pub terminated: Option<NaiveDate>,
    /// Whether the code may be billed.
    pub billable: bool,
}

impl CodeStatus {
    /// The status of an entry.
    pub fn of(e: &Entry) -> CodeStatus {
        CodeStatus {
            effective: e.effective,
            terminated: e.terminated,
            billable: e.billable,
        }
    }

    /// Whether the version is valid on a date (as [`Entry::is_valid_on`]).
    pub fn is_valid_on(&self, date: NaiveDate) -> bool {
        self.effective.is_none_or(|e| e <= date) && self.terminated.is_none_or(|t| date <= t)
    }

    /// `" (valid 2020-01-01 to 2024-12-31)"` and the like, for messages.
    fn validity(&self) -> String {
        match (self.effective, self.terminated) {
            (Some(a), Some(b)) => format!(" (valid {a} to {b})"),
            (Some(a), None) => format!(" (valid from {a})"),
            (None, Some(b)) => format!(" (terminated after {b})"),
            (None, None) => String::new(),
        }
    }
}

/// The reference data readiness checks claims against besides the code
/// source: the NCCI edits file (PTP pairs, MUEs and add-on code edits).
/// Passed explicitly with [`readiness_with`]; [`readiness`] takes the
/// source's own ([`CodeSource::references`]).
///
/// # Example
/// ```
/// use procode::billing::References;
/// use procode::ncci::{NcciBuilder, NcciEdits};
/// let edits = NcciEdits::from_bytes(NcciBuilder::new().build().unwrap()).unwrap();
/// assert!(References::none().edits.is_none());
/// assert!(References::with_ncci(&edits).edits.is_some());
/// ```
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
pub struct References<'a> {
    /// The NCCI edits: `NCCI_PTP_CONFLICT`, `MUE_EXCEEDED`,
    /// `ADD_ON_WITHOUT_PRIMARY`, `ADD_ON_PRIMARY_NOT_LISTED` (and
    /// `NCCI_EDITS_UNREADABLE` when the file fails to read).
    pub edits: Option<&'a NcciEdits>,
}

impl<'a> References<'a> {
    /// No reference data: the catalog checks only.
    pub fn none() -> References<'a> {
        References { edits: None }
    }

    /// The NCCI edits of `edits`.
    pub fn with_ncci(edits: &'a NcciEdits) -> References<'a> {
        References { edits: Some(edits) }
    }
}

/// Lists every problem that would get a claim for `doc` rejected; an empty
/// list means ready. `pricing`, when given, is tried for lines without a
/// rate before reporting `NO_RATE`. The reference data are the source's
/// ([`CodeSource::references`]: a catalog's attached NCCI edits); see
/// [`readiness_with`] to pass them explicitly.
///
/// Services have no date of service, so their codes are not checked for
/// effective dates.
///
/// # Example
/// ```
/// use std::collections::HashMap;
/// use procode::billing::{readiness, CodeLine, EditBatch, Editor, Money, ProblemCode, Service};
/// use procode::CodeSystem;
/// use chrono::{TimeZone, Utc};
/// let mut svc = Service::new("SVC-1", "Visit", Money::parse("80", "USD").unwrap());
/// let line = CodeLine::manual(CodeSystem::Hcpcs, "G0438", "Wellness visit").unwrap();
/// svc.edit(&EditBatch::new().add(line), &Editor::new("me", Utc.timestamp_opt(0, 0).unwrap())).unwrap();
/// let empty: HashMap<_, _> = HashMap::new();
/// let codes: Vec<_> = readiness(&svc, &empty, None).iter().map(|p| p.code.as_str()).collect();
/// assert_eq!(codes, ["UNKNOWN_CODE", "MISSING_DIAGNOSIS", "INVALID_PLACE_OF_SERVICE"]);
/// ```
pub fn readiness<D, S>(doc: &D, source: &S, pricing: Option<Pricing<'_>>) -> Vec<Problem>
where
    D: BillingDocument + ?Sized,
    S: CodeSource + ?Sized,
{
    readiness_with(doc, source, source.references(), pricing)
}

/// [`readiness`] with the reference data passed explicitly: `refs` replace
/// the source's own.
///
/// # Example
/// ```
/// use procode::billing::{readiness_with, CodeLine, EditBatch, Editor, Money, References, Service};
/// use procode::ncci::{NcciBuilder, NcciEdits};
/// use procode::{Catalog, CodeSystem};
/// use chrono::{TimeZone, Utc};
/// let ptp = "column1\tcolumn2\tdeletion_date\tmodifier_indicator\trationale\n\
///            45380\t45378\t9999-12-31\t0\tCPT Separate procedure definition\n";
/// let mut b = NcciBuilder::new();
/// b.read_ptp("ptp.tsv", ptp.as_bytes()).unwrap();
/// let edits = NcciEdits::from_bytes(b.build().unwrap()).unwrap();
/// let mut svc = Service::new("SVC-1", "Colonoscopy", Money::parse("900", "USD").unwrap());
/// let batch = EditBatch::new()
///     .add(CodeLine::manual(CodeSystem::Cpt, "45378", "Diagnostic").unwrap())
///     .add(CodeLine::manual(CodeSystem::Cpt, "45380", "With biopsy").unwrap());
/// svc.edit(&batch, &Editor::new("me", Utc.timestamp_opt(0, 0).unwrap())).unwrap();
/// let cat = Catalog::embedded().unwrap();
/// let p = readiness_with(&svc, &cat, References::with_ncci(&edits), None);
/// assert!(p.iter().any(|p| p.code.as_str() == "NCCI_PTP_CONFLICT"));
/// ```
pub fn readiness_with<D, S>(
    doc: &D,
    source: &S,
    refs: References<'_>,
    pricing: Option<Pricing<'_>>,
) -> Vec<Problem>
where
    D: BillingDocument + ?Sized,
    S: CodeSource + ?Sized,
{
    let mut out = Vec::new();
    readiness_into(doc, source, refs, pricing, Batched::default(), &mut out);
    out
}

/// How a batch scrub runs [`readiness_into`] (the default: as
/// [`readiness_with`] does).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Batched {
    /// The source keeps its own answers (a batch's per-thread memo): the
    /// call asks it directly instead of keeping a list of the statuses it
    /// asked for (the same answers either way).
    pub(crate) source_remembers: bool,
    /// The caller reports the `CODE_SET_NOT_CURRENT` problems itself, after
    /// the others, from [`super::current::gaps`] (the last check).
    pub(crate) caller_reports_gaps: bool,
}

/// [`readiness_with`] reporting to `out`: a vector of problems (a batch
/// reuses one for every claim instead of growing a new one per claim), or
/// a batch's output, which takes the `MUE_EXCEEDED` problems as their facts
/// ([`NcciOut`]); run as `batched` says.
pub(crate) fn readiness_into<D, S>(
    doc: &D,
    source: &S,
    refs: References<'_>,
    pricing: Option<Pricing<'_>>,
    batched: Batched,
    to: &mut impl NcciOut,
) where
    D: BillingDocument + ?Sized,
    S: CodeSource + ?Sized,
{
    let out = to.problems();
    let lines = doc.lines();
    if lines.is_empty() {
        out.push(Problem {
            code: ProblemCode::MissingCode,
            line_id: None,
            message: format!("{} has no codes to bill", doc.document()),
            detail: None,
        });
    }
    let listed = if batched.source_remembers {
        0
    } else {
        lines.len()
    };
    let mut known = Known::new(source, listed);
    for line in lines {
        let dos = line.date_of_service.or(doc.date());
        check_line(line, dos, &mut known, out);
        let resolvable = pricing.is_some_and(|p| p.rate_for(doc, line).is_some());
        if line.rate.is_none() && !resolvable {
            let shown = line.code.display_for(line.system);
            out.push(line_problem(
                line,
                ProblemCode::NoRate,
                format!("no rate for {shown}"),
            ));
        }
    }
    let facts = line_facts(lines, doc.date());
    super::coding::check_coding(&facts, source, refs, out);
    if let Some(edits) = refs.edits {
        // Nothing is reported on an error.
        match edits.check_facts_into(&facts, to) {
            Ok(()) => {}
            // Only a file opened with `Verify::Lazy` can fail here. Fail
            // closed: a claim is never called ready when its edits could
            // not be read.
            Err(e) => to.problems().push(Problem {
                code: ProblemCode::NcciEditsUnreadable,
                line_id: None,
                message: format!("the NCCI edits could not be checked: {e}"),
                detail: None,
            }),
        }
    }
    if !batched.caller_reports_gaps {
        super::current::check(doc, source, to.problems());
    }
}

/// What the checks read of a document's lines (a line without a date of
/// service takes the document's `date`).
pub(crate) fn line_facts(lines: &[CodeLine], date: Option<NaiveDate>) -> Vec<LineFacts<'_>> {
    lines
        .iter()
        .map(|l| LineFacts {
            id: &l.id,
            system: l.system,
            code: l.code,
            date_of_service: l.date_of_service.or(date),
            modifiers: &l.modifiers,
            units: l.units,
            diagnoses: &l.diagnoses,
        })
        .collect()
}

fn line_problem(line: &CodeLine, code: ProblemCode, message: String) -> Problem {
    Problem {
        code,
        line_id: Some(line.id.clone()),
        message,
        detail: None,
    }
}

/// The catalog checks of one line: its code, modifiers, diagnoses, units
/// and place of service. Messages are formatted only for the problems
/// found.
fn check_line<S: CodeSource + ?Sized>(
    line: &CodeLine,
    dos: Option<NaiveDate>,
    known: &mut Known<'_, S>,
    out: &mut Vec<Problem>,
) {
    let mut push = |code: ProblemCode, message: String| out.push(line_problem(line, code, message));
    let shown = || line.code.display_for(line.system);
    match known.status(&line.code, line.system, dos) {
        None => push(
            ProblemCode::UnknownCode,
            joined(&[
                line.system.as_str(),
                " code ",
                &shown(),
                " is not in the catalog",
            ]),
        ),
        Some(s) => {
            if let Some(d) = dos.filter(|d| !s.is_valid_on(*d)) {
                push(
                    ProblemCode::CodeNotEffective,
                    format!(
                        "{} code {} is not valid on {d}{}",
                        line.system,
                        shown(),
                        s.validity()
                    ),
                );
            }
        }
    }
    if line.modifiers.len() > MAX_MODIFIERS {
        push(
            ProblemCode::TooManyModifiers,
            format!(
                "{} modifiers: a claim line takes at most {MAX_MODIFIERS}",
                line.modifiers.len()
            ),
        );
    }
    for m in &line.modifiers {
        check_modifier(m, dos, known, &mut push);
    }
    if line.diagnoses.is_empty() {
        push(
            ProblemCode::MissingDiagnosis,
            format!(
                "{} has no diagnosis: point it at an ICD-10-CM code",
                shown()
            ),
        );
    }
    for dx in &line.diagnoses {
        check_diagnosis(dx, dos, known, &mut push);
    }
    if line.units == 0 {
        push(
            ProblemCode::InvalidUnits,
            "units must be greater than zero".to_owned(),
        );
    }
    match line.place_of_service {
        None => push(
            ProblemCode::InvalidPlaceOfService,
            "no place of service".to_owned(),
        ),
        Some(p) if known.status(&p, CodeSystem::Pos, None).is_none() => push(
            ProblemCode::InvalidPlaceOfService,
            format!("place of service {p} is not in the catalog"),
        ),
        Some(_) => {}
    }
}

/// `parts` joined into one string allocated once: the messages of the
/// most frequent problems, built for every problem of every claim, without
/// `format!`'s machinery.
fn joined(parts: &[&str]) -> String {
    let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        s.push_str(p);
    }
    s
}

/// The catalog checks of one modifier.
fn check_modifier<S: CodeSource + ?Sized>(
    m: &Code,
    dos: Option<NaiveDate>,
    known: &mut Known<'_, S>,
    push: &mut impl FnMut(ProblemCode, String),
) {
    match known.status(m, CodeSystem::Modifier, dos) {
        None => push(
            ProblemCode::UnknownModifier,
            format!("modifier {m} is not in the catalog"),
        ),
        Some(s) => {
            if let Some(d) = dos.filter(|d| !s.is_valid_on(*d)) {
                push(
                    ProblemCode::CodeNotEffective,
                    format!("modifier {m} is not valid on {d}{}", s.validity()),
                );
            }
        }
    }
}

/// The catalog checks of one diagnosis pointer.
fn check_diagnosis<S: CodeSource + ?Sized>(
    dx: &Code,
    dos: Option<NaiveDate>,
    known: &mut Known<'_, S>,
    push: &mut impl FnMut(ProblemCode, String),
) {
    let dotted = || dx.display_for(CodeSystem::Icd10Cm);
    match known.status(dx, CodeSystem::Icd10Cm, dos) {
        None => push(
            ProblemCode::UnknownDiagnosis,
            format!(
                "diagnosis {} is not an ICD-10-CM code in the catalog",
                dotted()
            ),
        ),
        Some(s) if !s.billable => {
            let source = known.source;
            let title = match dos {
                Some(d) => source.entry_on(dx, CodeSystem::Icd10Cm, d),
                None => source.entry(dx, CodeSystem::Icd10Cm),
            }
            .map(|e| e.short_description)
            .unwrap_or_default();
            push(
                ProblemCode::DiagnosisNotBillable,
                format!(
                    "diagnosis {} ({title}) is a category header, not billable: pick a more specific code{}",
                    dotted(),
                    super::coding::not_billable_hint(source, dx, dos)
                ),
            )
        }
        Some(s) => {
            if let Some(d) = dos.filter(|d| !s.is_valid_on(*d)) {
                push(
                    ProblemCode::CodeNotEffective,
                    format!("diagnosis {} is not valid on {d}{}", dotted(), s.validity()),
                );
            }
        }
    }
}

/// The code statuses one readiness call has asked for: a claim points at
/// the same few diagnoses and place of service from many lines. A short
/// list scanned in order while it is short (most claims: no table to
/// allocate, hash or free), a hash table past [`KNOWN_LISTED`] codes. Made
/// for no lines, it keeps nothing and asks the source each time (a source
/// that remembers its answers itself).
struct Known<'a, S: ?Sized> {
    source: &'a S,
    direct: bool,
    listed: Vec<(Key, Option<CodeStatus>)>,
    seen: HashMap<Key, Option<CodeStatus>, BuildHasherDefault<Fx>>,
}

/// A code (its bytes as one number, [`sort_key`]), its date of service (days
/// from CE, `i32::MIN` for none) and its system (the memo key: cheap to
/// hash).
type Key = (u128, i32, CodeSystem);

/// How many statuses [`Known`] keeps in its list before it moves them to a
/// table.
const KNOWN_LISTED: usize = 24;

impl<'a, S: CodeSource + ?Sized> Known<'a, S> {
    /// A memo sized for a document of `lines` lines (each asks for its
    /// code, a modifier or two, its diagnoses and its place of service);
    /// none for no lines.
    fn new(source: &'a S, lines: usize) -> Self {
        Known {
            source,
            direct: lines == 0,
            listed: Vec::with_capacity(lines.saturating_mul(4).min(KNOWN_LISTED)),
            seen: HashMap::default(),
        }
    }

    #[inline]
    fn status(
        &mut self,
        code: &Code,
        system: CodeSystem,
        date: Option<NaiveDate>,
    ) -> Option<CodeStatus> {
        if self.direct {
            return self.source.status(code, system, date);
        }
        self.listed_status(code, system, date)
    }

    /// [`Known::status`] from the list or table.
    #[inline(never)]
    fn listed_status(
        &mut self,
        code: &Code,
        system: CodeSystem,
        date: Option<NaiveDate>,
    ) -> Option<CodeStatus> {
        let day = date.map_or(i32::MIN, |d| chrono::Datelike::num_days_from_ce(&d));
        let key = (sort_key(code), day, system);
        if self.seen.is_empty() {
            if let Some((_, s)) = self.listed.iter().find(|(k, _)| *k == key) {
                return *s;
            }
            let s = self.source.status(code, system, date);
            if self.listed.len() < KNOWN_LISTED {
                self.listed.push((key, s));
            } else {
                self.seen.extend(self.listed.drain(..));
                self.seen.insert(key, s);
            }
            return s;
        }
        *self
            .seen
            .entry(key)
            .or_insert_with(|| self.source.status(code, system, date))
    }
}

/// The hasher of the lookup memos: the index crate's [`Fx`] (the keys are
/// short codes and dates from the caller's own data; they only pick a
/// bucket).
pub(crate) use procode_index::index::Fx;

impl NcciEdits {
    /// Runs the PTP and MUE checks on a document's lines (a line without a
    /// date of service takes the document's date). The same problems
    /// [`readiness`] reports with these edits as its reference data.
    ///
    /// # Example
    /// ```
    /// use procode::ncci::{NcciBuilder, NcciEdits};
    /// use procode::billing::{CodeLine, EditBatch, Editor, Money, Service};
    /// use procode::CodeSystem;
    /// use chrono::{TimeZone, Utc};
    /// let ptp = "column1\tcolumn2\tdeletion_date\tmodifier_indicator\trationale\n\
    ///            45380\t45378\t9999-12-31\t0\tCPT Separate procedure definition\n";
    /// let mut b = NcciBuilder::new();
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
    ///
    /// # Errors
    /// Those of a damaged edits file.
    pub fn check<D: BillingDocument + ?Sized>(
        &self,
        doc: &D,
    ) -> Result<Vec<Problem>, crate::error::NcciError> {
        self.check_lines(doc.lines(), doc.date())
    }

    /// Runs the PTP and MUE checks on code lines; `date` is the date of
    /// service of lines that have none of their own (see
    /// [`NcciEdits::check_facts`]).
    ///
    /// # Errors
    /// Those of a damaged edits file.
    pub fn check_lines(
        &self,
        lines: &[CodeLine],
        date: Option<NaiveDate>,
    ) -> Result<Vec<Problem>, crate::error::NcciError> {
        self.check_facts(&line_facts(lines, date))
    }
}
