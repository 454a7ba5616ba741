//! The one place where claim-line rows become a billing document and meet
//! the core's readiness check. The batch layer holds no rules: each claim is
//! an [`Invoice`] of [`CodeLine`]s built with the core's own types and shape
//! checks, and its problems are exactly what [`readiness`] reports for it.

use std::collections::HashSet;

use arrow_array::{Array, RecordBatch};
use chrono::NaiveDate;

use super::input::{Amounts, Dates, IdRef, Ids, Ints, Lists, ParsedCodes, Text, TEXT_TYPES};
use super::memo::MemoMaps;
use super::output::{Details, Gaps, ProblemsBuilder};
use super::{
    BatchError, CLAIM_ID, CODE, COLUMNS, DATE_OF_SERVICE, DIAGNOSES, KNOWN_COLUMNS, LINE_ID,
    MODIFIERS, PAYER_ID, PLACE_OF_SERVICE, RATE, REQUIRED, SYSTEM, UNITS,
};
use crate::billing::{
    gaps, readiness_into, Batched, CodeLine, CodeSource, Currency, Invoice, LineError, Money,
    Problem, Rate,
};
use crate::code::{Code, CodeSystem};
use crate::ncci::{MueExceeded, MueLines, NcciOut};

/// The columns of one record batch, typed and checked against the format.
pub(crate) struct Columns<'a> {
    pub(crate) claim_id: Ids<'a>,
    line_id: Ids<'a>,
    date_of_service: Dates<'a>,
    code: Text<'a>,
    system: Text<'a>,
    units: Ints<'a>,
    modifiers: Option<Lists<'a>>,
    diagnoses: Option<Lists<'a>>,
    place_of_service: Option<Text<'a>>,
    rate: Option<Amounts<'a>>,
    payer_id: Option<Text<'a>>,
    pub(crate) len: usize,
}

impl<'a> Columns<'a> {
    /// Checks the schema (every required column present, no unknown or
    /// duplicate column, each of a type it may have) and types the columns.
    pub(crate) fn new(batch: &'a RecordBatch) -> Result<Columns<'a>, BatchError> {
        let schema = batch.schema_ref();
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        for (k, name) in names.iter().enumerate() {
            if !COLUMNS.contains(name) {
                return Err(BatchError::UnknownColumn {
                    column: (*name).to_owned(),
                    known: KNOWN_COLUMNS,
                });
            }
            if names[..k].contains(name) {
                return Err(BatchError::DuplicateColumn {
                    column: (*name).to_owned(),
                });
            }
        }
        let find = |name: &'static str| -> Option<&'a dyn Array> {
            names
                .iter()
                .position(|n| *n == name)
                .map(|k| batch.column(k).as_ref())
        };
        for name in REQUIRED {
            if find(name).is_none() {
                return Err(BatchError::MissingColumn {
                    column: name,
                    found: names.join(", "),
                });
            }
        }
        let req = |name: &'static str| -> &'a dyn Array {
            // Checked just above; an empty column never reaches a read.
            find(name).unwrap_or_else(|| batch.column(0).as_ref())
        };
        Ok(Columns {
            claim_id: Ids::new(req(CLAIM_ID), CLAIM_ID)?,
            line_id: Ids::new(req(LINE_ID), LINE_ID)?,
            date_of_service: Dates::new(req(DATE_OF_SERVICE), DATE_OF_SERVICE)?,
            code: Text::new(req(CODE), CODE, TEXT_TYPES)?,
            system: Text::new(req(SYSTEM), SYSTEM, TEXT_TYPES)?,
            units: Ints::required(req(UNITS), UNITS)?,
            modifiers: find(MODIFIERS)
                .map(|a| Lists::new(a, MODIFIERS))
                .transpose()?,
            diagnoses: find(DIAGNOSES)
                .map(|a| Lists::new(a, DIAGNOSES))
                .transpose()?,
            place_of_service: find(PLACE_OF_SERVICE)
                .map(|a| Text::new(a, PLACE_OF_SERVICE, TEXT_TYPES))
                .transpose()?,
            rate: find(RATE).map(|a| Amounts::new(a, RATE)).transpose()?,
            payer_id: find(PAYER_ID)
                .map(|a| Text::new(a, PAYER_ID, TEXT_TYPES))
                .transpose()?,
            len: batch.num_rows(),
        })
    }

    /// The claim id of row `i` (`row` is its number in the stream).
    pub(crate) fn claim_id(&self, i: usize, row: u64) -> Result<IdRef<'a>, BatchError> {
        let id = self.claim_id.get(i).ok_or(BatchError::Null {
            column: CLAIM_ID,
            row,
        })?;
        if id.is_empty() {
            return Err(BatchError::BadValue {
                column: CLAIM_ID,
                row,
                problem: "an empty claim id".to_owned(),
            });
        }
        Ok(id)
    }

    fn payer(&self, i: usize) -> Option<&'a str> {
        self.payer_id.as_ref().and_then(|p| p.get(i))
    }
}

/// The lines of one claim read so far, before the document is built.
#[derive(Debug)]
pub(crate) struct ClaimLines {
    pub(crate) claim_id: String,
    payer_id: Option<String>,
    lines: Vec<CodeLine>,
    /// The line ids, once a claim is long enough for a scan to be slow.
    ids: Option<HashSet<String>>,
}

/// Claims with this many lines look their line ids up in a set.
const INDEXED_FROM: usize = 32;

impl ClaimLines {
    /// The claim `id` starting at row `i` of `cols` (nothing read yet), its
    /// id, payer and lines written into the room of `scratch`'s strings
    /// and vector of a checked claim.
    pub(crate) fn start(
        cols: &Columns<'_>,
        i: usize,
        id: IdRef<'_>,
        scratch: &mut Scratch,
    ) -> ClaimLines {
        let mut lines = std::mem::take(&mut scratch.room);
        lines.clear();
        let mut claim_id = std::mem::take(&mut scratch.claim_id);
        id.write_into(&mut claim_id);
        let payer_id = cols.payer(i).map(|p| {
            let mut payer = std::mem::take(&mut scratch.payer_id);
            payer.clear();
            payer.push_str(p);
            payer
        });
        ClaimLines {
            claim_id,
            payer_id,
            lines,
            ids: None,
        }
    }

    /// Reads rows `range` of `cols` (all of this claim; `first_row` is the
    /// stream row of `range.start`) into lines, reusing what `reading`
    /// holds: the room of the lines of claims already checked, the codes
    /// parsed so far.
    pub(crate) fn read<'a>(
        &mut self,
        cols: &Columns<'a>,
        range: std::ops::Range<usize>,
        first_row: u64,
        reading: &mut Reading,
    ) -> Result<(), BatchError> {
        let Reading { spare, parsed } = reading;
        self.lines.reserve(range.len());
        // The lines of a claim nearly always name one system and date.
        let mut recent = Recent::default();
        for i in range.clone() {
            let row = first_row + (i - range.start) as u64;
            if cols.payer(i) != self.payer_id.as_deref() {
                return Err(BatchError::BadValue {
                    column: PAYER_ID,
                    row,
                    problem: format!(
                        "claim {:?}: every line of a claim must name the same payer",
                        self.claim_id
                    ),
                });
            }
            read_line(cols, i, row, (spare, parsed), &mut recent, &mut self.lines)?;
            let Some((line, before)) = self.lines.split_last() else {
                continue;
            };
            let duplicate = match &self.ids {
                Some(ids) => ids.contains(&line.id),
                None => before.iter().any(|l| l.id == line.id),
            };
            if duplicate {
                let line_id = self.lines.pop().map(|l| l.id).unwrap_or_default();
                return Err(BatchError::DuplicateLine {
                    claim_id: self.claim_id.clone(),
                    line_id,
                    row,
                });
            }
            if let Some(ids) = &mut self.ids {
                ids.insert(line.id.clone());
            } else if self.lines.len() > INDEXED_FROM {
                self.ids = Some(self.lines.iter().map(|l| l.id.clone()).collect());
            }
        }
        Ok(())
    }

    /// The claim as a document: a draft invoice in US dollars whose id is the
    /// claim id, dated the earliest date of service, with the payer and the
    /// lines as read. Its service price is zero (rates come from the `rate`
    /// column; no fee schedule is consulted).
    ///
    /// `reuse` holds the document of a claim checked before (made here,
    /// and only read since), or none: its id, session, date, payer and
    /// lines are replaced in place, and every other field is what
    /// [`Invoice::new`] made and would make again. Returns the document.
    pub(crate) fn into_document(self, reuse: &mut Option<Invoice>) -> &mut Invoice {
        let date = self
            .lines
            .iter()
            .filter_map(|l| l.date_of_service)
            .min()
            .unwrap_or(NaiveDate::MIN);
        let next_line = u32::try_from(self.lines.len())
            .unwrap_or(u32::MAX)
            .saturating_add(1);
        let inv = match reuse {
            Some(inv) => {
                inv.session_id.clear();
                inv.session_id.push_str(&self.claim_id);
                inv.id = self.claim_id;
                inv.date = date;
                inv.payer_id = self.payer_id;
                inv
            }
            None => reuse.insert(Invoice::new(
                self.claim_id.clone(),
                self.claim_id,
                date,
                Money::zero(Currency::Usd),
                self.payer_id,
            )),
        };
        inv.next_line = next_line;
        inv.lines = self.lines;
        inv
    }
}

/// What a scrub's worker keeps from claim to claim and from batch to
/// batch: its lookup memo, the JSON of the details it has written, the
/// lines of the claims it has checked (their id strings and code vectors
/// serve the next claim's lines) and its problems vector. All bounded: the
/// memo and the details forget past their caps, the spare lines are those
/// of the longest claim at most.
#[derive(Default)]
pub(crate) struct Worker {
    /// The code lookups of the worker's claims.
    pub(crate) memo: MemoMaps,
    /// What the checks reuse.
    pub(crate) scratch: Scratch,
}

/// The reused room of a [`Worker`] (all but its memo).
#[derive(Default)]
pub(crate) struct Scratch {
    details: Details,
    /// What [`ClaimLines::read`] reuses.
    pub(crate) reading: Reading,
    problems: Vec<Problem>,
    /// The emptied line vector of the last claim checked, for the next.
    room: Vec<CodeLine>,
    /// The `CODE_SET_NOT_CURRENT` problems written so far.
    gaps: Gaps,
    /// The document of the last claim checked, for the next
    /// ([`ClaimLines::into_document`]).
    doc: Option<Invoice>,
    /// The emptied id and payer strings of a checked claim, for the next.
    claim_id: String,
    payer_id: String,
}

/// What reading lines reuses: the lines of checked claims, to refill, and
/// the codes parsed so far.
#[derive(Default)]
pub(crate) struct Reading {
    spare: Vec<CodeLine>,
    parsed: ParsedCodes,
}

/// Every problem of one claim, the core's readiness of its document,
/// appended to `out`; the claim's lines go back to `scratch`.
pub(crate) fn check_claim<S: CodeSource + ?Sized>(
    claim: ClaimLines,
    source: &S,
    scratch: &mut Scratch,
    out: &mut ProblemsBuilder,
) {
    let Scratch {
        details,
        reading,
        problems,
        room,
        gaps: written,
        doc,
        claim_id,
        payer_id,
    } = scratch;
    // The document is made in place (an `Invoice` is large to move).
    let doc = claim.into_document(doc);
    let batched = Batched {
        // The per-thread memo remembers every status.
        source_remembers: true,
        // Written below from the worker's copy of each (system, date)'s.
        caller_reports_gaps: true,
    };
    let mut rows = Rows {
        claim_id: &doc.id,
        problems,
        details,
        out,
    };
    readiness_into(&*doc, source, source.references(), None, batched, &mut rows);
    out.append(&doc.id, problems, details);
    // Readiness's last check, in its order.
    gaps(&*doc, source, |line, system, date, newest| {
        out.append_gap(&doc.id, &line.id, system, date, newest, written);
    });
    reading.spare.append(&mut doc.lines);
    *room = std::mem::take(&mut doc.lines);
    *claim_id = std::mem::take(&mut doc.id);
    if let Some(p) = doc.payer_id.take() {
        *payer_id = p;
    }
}

/// Where a claim's readiness reports: its problems into a vector, appended
/// to the output in order; its `MUE_EXCEEDED` problems (thousands a batch)
/// written straight into the output, after the problems before them.
struct Rows<'r> {
    claim_id: &'r str,
    problems: &'r mut Vec<Problem>,
    details: &'r mut Details,
    out: &'r mut ProblemsBuilder,
}

impl NcciOut for Rows<'_> {
    fn problems(&mut self) -> &mut Vec<Problem> {
        self.problems
    }

    fn mue(&mut self, m: &MueExceeded<'_>, lines: MueLines<'_>) {
        self.out.append(self.claim_id, self.problems, self.details);
        self.out.append_mue(self.claim_id, m, lines);
    }
}

/// The system text and the date of service last read (see [`read_line`]).
#[derive(Default)]
struct Recent<'a> {
    /// The text and the system it names.
    system: Option<(&'a str, CodeSystem)>,
    /// Days from 1970 and the date.
    day: Option<(i64, NaiveDate)>,
}

fn required<T>(v: Option<T>, column: &'static str, row: u64) -> Result<T, BatchError> {
    v.ok_or(BatchError::Null { column, row })
}

fn line_error(column: &'static str, row: u64, e: LineError) -> BatchError {
    BatchError::BadValue {
        column,
        row,
        problem: e.to_string(),
    }
}

fn code_for(
    system: CodeSystem,
    text: &str,
    column: &'static str,
    row: u64,
    parsed: &mut ParsedCodes,
) -> Result<Code, BatchError> {
    parsed
        .parse(system, text, Code::parse_for)
        .map_err(|e| BatchError::BadValue {
            column,
            row,
            problem: e.to_string(),
        })
}

/// Row `i` as a code line pushed onto `lines`, with the checks a line gets
/// when it enters a document: every code has the shape of its system, the
/// rate is a valid amount. Zero units and more than four modifiers are left
/// to readiness (`INVALID_UNITS`, `TOO_MANY_MODIFIERS`), as for a document
/// read from JSON. The line is a `spare` line remade in place when there is
/// one (its strings' and vectors' room, not their contents); its codes are
/// read through `parsed`. On an error nothing is pushed.
///
/// `recent` holds the system text and the date last read: a row that
/// repeats them is not parsed again.
fn read_line<'a>(
    cols: &Columns<'a>,
    i: usize,
    row: u64,
    (spare, parsed): (&mut Vec<CodeLine>, &mut ParsedCodes),
    recent: &mut Recent<'a>,
    lines: &mut Vec<CodeLine>,
) -> Result<(), BatchError> {
    let line_id = required(cols.line_id.get(i), LINE_ID, row)?;
    if line_id.is_empty() {
        return Err(BatchError::BadValue {
            column: LINE_ID,
            row,
            problem: "an empty line id".to_owned(),
        });
    }
    let system_text = required(cols.system.get(i), SYSTEM, row)?;
    let system = match recent.system {
        Some((text, system)) if text == system_text => system,
        _ => {
            // `FromStr` tries the `as_str` names first, without allocating.
            let system: CodeSystem =
                system_text
                    .parse()
                    .map_err(|e: crate::CodeError| BatchError::BadValue {
                        column: SYSTEM,
                        row,
                        problem: e.to_string(),
                    })?;
            recent.system = Some((system_text, system));
            system
        }
    };
    let code = required(cols.code.get(i), CODE, row)?;
    // A manual line without a description (as `CodeLine::manual` makes it),
    // remade where it lies once pushed (a line is large to move).
    let made = match spare.pop() {
        Some(old) => {
            lines.push(old);
            let made = match lines.last_mut() {
                Some(line) => {
                    line.remake_manual(system, code, |s, t| parsed.parse(s, t, Code::parse_for))
                }
                None => Ok(()),
            };
            if made.is_err() {
                // Back to the spares: nothing pushed.
                spare.extend(lines.pop());
            }
            made
        }
        None => CodeLine::manual(system, code, String::new()).map(|line| lines.push(line)),
    };
    made.map_err(|e| line_error(CODE, row, e))?;
    let read = fill_line(cols, i, row, recent, line_id, lines.last_mut(), parsed);
    if read.is_err() {
        // The line goes back to the spares: nothing pushed.
        spare.extend(lines.pop());
    }
    read
}

/// The fields of row `i` past its code, written into `line` (the line
/// [`read_line`] just pushed).
fn fill_line<'a>(
    cols: &Columns<'a>,
    i: usize,
    row: u64,
    recent: &mut Recent<'a>,
    line_id: IdRef<'_>,
    line: Option<&mut CodeLine>,
    parsed: &mut ParsedCodes,
) -> Result<(), BatchError> {
    let Some(line) = line else {
        return Ok(());
    };
    line.date_of_service = Some(required(
        cols.date_of_service
            .get_remembered(i, DATE_OF_SERVICE, row, &mut recent.day)?,
        DATE_OF_SERVICE,
        row,
    )?);
    line_id.write_into(&mut line.id);
    let units = required(cols.units.get(i), UNITS, row)?;
    line.units = u32::try_from(units).map_err(|_| BatchError::BadValue {
        column: UNITS,
        row,
        problem: format!("{units} units: give a whole number from 0 to {}", u32::MAX),
    })?;
    if let Some(m) = &cols.modifiers {
        m.codes_into(
            i,
            CodeSystem::Modifier,
            MODIFIERS,
            row,
            &mut line.modifiers,
            parsed,
        )?;
    }
    if let Some(d) = &cols.diagnoses {
        d.codes_into(
            i,
            CodeSystem::Icd10Cm,
            DIAGNOSES,
            row,
            &mut line.diagnoses,
            parsed,
        )?;
    }
    if let Some(pos) = cols.place_of_service.as_ref().and_then(|p| p.get(i)) {
        line.place_of_service = Some(code_for(
            CodeSystem::Pos,
            pos,
            PLACE_OF_SERVICE,
            row,
            parsed,
        )?);
    }
    if let Some(r) = &cols.rate {
        if let Some(per_unit) = r.get(i, RATE, row)? {
            line.rate =
                Some(Rate::overridden(per_unit).map_err(|e| line_error(RATE, row, e.into()))?);
        }
    }
    Ok(())
}
