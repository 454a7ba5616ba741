//! Claim scrubbing beyond NCCI: the coding rules a claim's diagnoses and
//! add-on codes must follow, from public reference data passed in through
//! the [`CodeSource`] (the catalog's ICD-10-CM structure and the add-on
//! code edits of the NCCI edits file). Readiness calls [`check_coding`] once.
//!
//! - `EXCLUDES1_CONFLICT` (error): two diagnoses of one claim where one sits
//!   under an Excludes1 note ("NOT CODED HERE") of the other — a note on the
//!   code itself or on any of its ancestors (category, section, chapter). The
//!   note's targets were resolved to code ranges when the tabular list was
//!   imported, so the check is a range lookup; notes whose targets could not
//!   be resolved are never used. Excludes2 ("not included here") is
//!   informational and never a problem. A pair is reported once, on the first
//!   line that points at both codes (or for the claim when no line does).
//! - `MANIFESTATION_FIRST` (error): the first diagnosis pointer of a line is
//!   a manifestation code (its title or an ancestor's says "in diseases
//!   classified elsewhere"; guideline I.A.13: never first-listed). The first
//!   pointer of the first line is the claim's first diagnosis.
//! - `CODE_FIRST_NOTE` (warning): the first pointer of a line carries (itself
//!   or through an ancestor) an unconditional "code first" note, and no
//!   diagnosis of the claim falls in the note's targets. Conditional notes
//!   ("if applicable", "if known", "any associated …", "… complicating
//!   pregnancy", alternative circumstances) are never flagged. A block some of
//!   whose targets could not be resolved fires only when the claim has no
//!   other diagnosis at all.
//! - `ADD_ON_WITHOUT_PRIMARY` (error) / `ADD_ON_PRIMARY_NOT_LISTED`
//!   (warning): see [`crate::ncci::AddOnEdit`].
//!
//! A code the tabular list does not hold (an FY2027 code) is checked with the
//! notes of its longest prefix the list holds.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;

use super::readiness::{CodeSource, References};
use crate::catalog::structure::{dx_facts, place_name, sort_key, DxFacts};
use crate::code::{Code, CodeSystem};
use crate::error::CatalogError;
use crate::import::tabular::{Place, TabularView};
use crate::ncci::{AddOnEdit, AddOnType};
use crate::problem::{
    spare_copy, spare_string_for, LineFacts, Problem, ProblemCode, ProblemDetail,
};

fn dotted(c: &Code) -> String {
    c.display_for(CodeSystem::Icd10Cm)
}

/// Every coding-rule problem of `lines` (see the module documentation),
/// appended to `out`: the diagnosis rules with the source's ICD-10-CM
/// structure, the add-on rules with the add-on code edits of `refs`.
pub(crate) fn check_coding<S: CodeSource + ?Sized>(
    lines: &[LineFacts<'_>],
    source: &S,
    refs: References<'_>,
    out: &mut Vec<Problem>,
) {
    match source.structure() {
        Ok(Some(view)) => {
            if let Err(e) = check_diagnoses(lines, &view, source.diagnosis_memo(), out) {
                out.push(unreadable(
                    ProblemCode::Excludes1Conflict,
                    "ICD-10-CM structure",
                    &e,
                ));
            }
        }
        Ok(None) => {}
        Err(e) => out.push(unreadable(
            ProblemCode::Excludes1Conflict,
            "ICD-10-CM structure",
            &e,
        )),
    }
    if let Some(edits) = refs.edits {
        if let Err(e) = check_add_ons(lines, edits, out) {
            out.push(unreadable(
                ProblemCode::NcciEditsUnreadable,
                "add-on code edits",
                &e,
            ));
        }
    }
}

/// Fail closed: a claim is never called ready when its reference data could
/// not be read.
fn unreadable(code: ProblemCode, what: &str, e: &dyn std::fmt::Display) -> Problem {
    Problem {
        code,
        line_id: None,
        message: format!("the {what} could not be checked: {e}"),
        detail: None,
    }
}

/// The vectors [`check_diagnoses`] fills for each claim, kept per thread
/// (a scrub's worker checks claim after claim): emptied before use and
/// after (no facts are held between calls).
#[derive(Default)]
struct DxRoom {
    dxs: Vec<Code>,
    keys: Vec<u128>,
    all: Vec<Arc<DxFacts>>,
}

thread_local! {
    static DX_ROOM: RefCell<DxRoom> = RefCell::default();
}

fn check_diagnoses(
    lines: &[LineFacts<'_>],
    view: &TabularView<'_>,
    memo: Option<&crate::billing::DiagnosisMemo>,
    out: &mut Vec<Problem>,
) -> Result<(), CatalogError> {
    let done = DX_ROOM
        .try_with(|room| match room.try_borrow_mut() {
            Ok(mut room) => {
                let r = diagnoses_in(lines, view, memo, &mut room, out);
                room.all.clear();
                Some(r)
            }
            Err(_) => None,
        })
        .ok()
        .flatten();
    match done {
        Some(r) => r,
        // The thread's room is in use or gone: fresh room.
        None => diagnoses_in(lines, view, memo, &mut DxRoom::default(), out),
    }
}

fn diagnoses_in(
    lines: &[LineFacts<'_>],
    view: &TabularView<'_>,
    memo: Option<&crate::billing::DiagnosisMemo>,
    room: &mut DxRoom,
    out: &mut Vec<Problem>,
) -> Result<(), CatalogError> {
    // The claim's distinct diagnoses in order of first appearance, and
    // their sort keys (one number each: cheap to compare).
    let DxRoom { dxs, keys, all } = room;
    dxs.clear();
    keys.clear();
    for l in lines {
        for d in l.diagnoses {
            let k = sort_key(d);
            if !keys.contains(&k) {
                keys.push(k);
                dxs.push(*d);
            }
        }
    }
    if dxs.is_empty() {
        return Ok(());
    }
    match memo {
        Some(m) => m.facts_into(view, dxs, all)?,
        None => {
            all.clear();
            for d in dxs.iter() {
                all.push(Arc::new(dx_facts(view, d)?));
            }
        }
    }
    let claim = Claim {
        lines,
        view,
        dxs,
        keys,
        all,
    };
    claim.excludes1(out)?;
    claim.sequencing(out)
}

/// A claim's lines and its distinct diagnoses `dxs` (in order of first
/// appearance) with what the structure says of each (`all`).
#[derive(Clone, Copy)]
struct Claim<'c, 'a> {
    lines: &'c [LineFacts<'c>],
    view: &'c TabularView<'a>,
    dxs: &'c [Code],
    /// The [`sort_key`]s of `dxs`.
    keys: &'c [u128],
    all: &'c [Arc<DxFacts>],
}

impl Claim<'_, '_> {
    /// `EXCLUDES1_CONFLICT`: each unordered pair of the claim's diagnoses
    /// once, the first code's note first.
    fn excludes1(&self, out: &mut Vec<Problem>) -> Result<(), CatalogError> {
        let (dxs, keys, all) = (self.dxs, self.keys, self.all);
        let n = dxs.len();
        if n > 64 {
            // Past a word of pair bits: every pair in turn.
            for i in 0..n {
                for j in i + 1..n {
                    self.excludes1_pair(i, j, out)?;
                }
            }
            return Ok(());
        }
        // Which pairs some note holds, as bits: `pairs[i]` has bit j (j > i)
        // when one of the two diagnoses excludes the other. Nearly every
        // pair excludes nothing, and only those that do are looked at again.
        let mut pairs = [0u64; 64];
        for (i, f) in all.iter().enumerate() {
            let held = f.excluded_among(keys);
            let mut m = held;
            while m != 0 {
                let j = m.trailing_zeros() as usize;
                m &= m - 1;
                match j.cmp(&i) {
                    std::cmp::Ordering::Greater => pairs[i] |= 1 << j,
                    std::cmp::Ordering::Less => pairs[j] |= 1 << i,
                    std::cmp::Ordering::Equal => {}
                }
            }
        }
        for (i, &row) in pairs.iter().enumerate().take(n) {
            let mut m = row;
            while m != 0 {
                let j = m.trailing_zeros() as usize;
                m &= m - 1;
                self.excludes1_pair(i, j, out)?;
            }
        }
        Ok(())
    }

    /// The `EXCLUDES1_CONFLICT` of the claim's diagnoses `i` and `j`
    /// (`i < j`), if any: `i`'s note first.
    fn excludes1_pair(
        &self,
        i: usize,
        j: usize,
        out: &mut Vec<Problem>,
    ) -> Result<(), CatalogError> {
        let (dxs, keys, all) = (self.dxs, self.keys, self.all);
        let (a, b) = (&dxs[i], &dxs[j]);
        let hit = all[i]
            .exclusion_of(keys[j])
            .map(|x| (a, b, x))
            .or_else(|| all[j].exclusion_of(keys[i]).map(|x| (b, a, x)));
        let Some((code, excluded, x)) = hit else {
            return Ok(());
        };
        let owner = place_name(self.view, x.owner)?;
        let line = self
            .lines
            .iter()
            .find(|l| l.diagnoses.contains(a) && l.diagnoses.contains(b));
        // "diagnoses {code} and {excluded} are never coded together:
        // Excludes1 note at {owner}: \"{text}\"", written into one
        // allocation without the formatting machinery (a batch scrub
        // reports thousands).
        let mut message = spare_string_for(80 + owner.len() + x.text.len());
        message.push_str("diagnoses ");
        code.push_display_for(CodeSystem::Icd10Cm, &mut message);
        message.push_str(" and ");
        excluded.push_display_for(CodeSystem::Icd10Cm, &mut message);
        message.push_str(" are never coded together: Excludes1 note at ");
        message.push_str(&owner);
        message.push_str(": \"");
        message.push_str(&x.text);
        message.push('"');
        out.push(Problem {
            code: ProblemCode::Excludes1Conflict,
            line_id: line.map(|l| spare_copy(l.id)),
            message,
            detail: Some(ProblemDetail::Excludes1Conflict {
                code: *code,
                excluded: *excluded,
                note: spare_copy(&x.text),
                note_at: owner,
            }),
        });
        Ok(())
    }

    /// `MANIFESTATION_FIRST` and `CODE_FIRST_NOTE`: the first pointer of every
    /// line.
    fn sequencing(&self, out: &mut Vec<Problem>) -> Result<(), CatalogError> {
        let Claim {
            lines,
            view,
            dxs,
            keys,
            all,
        } = *self;
        for l in lines {
            let Some(first) = l.diagnoses.first() else {
                continue;
            };
            let first_key = sort_key(first);
            let Some(k) = keys.iter().position(|d| *d == first_key) else {
                continue;
            };
            let f = &all[k];
            if f.manifestation {
                out.push(Problem {
                code: ProblemCode::ManifestationFirst,
                line_id: Some(l.id.to_owned()),
                message: format!(
                    "diagnosis {} is a manifestation code (\"in diseases classified elsewhere\"): it is never listed first; list the underlying condition first",
                    dotted(first)
                ),
                detail: Some(ProblemDetail::ManifestationFirst { code: *first }),
            });
                continue;
            }
            for cf in &f.code_first {
                let mut others = keys.iter().filter(|k| **k != first_key);
                let satisfied = if cf.unresolved {
                    dxs.len() > 1
                } else {
                    others.any(|k| cf.ranges.iter().any(|r| r.contains(*k)))
                };
                if satisfied {
                    continue;
                }
                let owner = place_name(view, cf.owner)?;
                out.push(Problem {
                code: ProblemCode::CodeFirstNote,
                line_id: Some(l.id.to_owned()),
                message: format!(
                    "diagnosis {} is listed first but its \"code first\" note at {owner} asks for {} to be coded first, and the claim has none",
                    dotted(first),
                    cf.text
                ),
                detail: Some(ProblemDetail::CodeFirstNote {
                    code: *first,
                    note: cf.text.clone(),
                    note_at: owner,
                }),
            });
                break;
            }
        }
        Ok(())
    }
}

fn check_add_ons(
    lines: &[LineFacts<'_>],
    edits: &crate::ncci::NcciEdits,
    out: &mut Vec<Problem>,
) -> Result<(), crate::error::NcciError> {
    if edits.addon_count() == 0 {
        return Ok(());
    }
    let billed = |l: &LineFacts<'_>| matches!(l.system, CodeSystem::Hcpcs | CodeSystem::Cpt);
    // The codes billed per date of service (undated lines form one day),
    // gathered when the first add-on code is met.
    let mut by_day: Option<HashMap<Option<NaiveDate>, Vec<Code>>> = None;
    for l in lines.iter().filter(|l| billed(l)) {
        let dos = l.date_of_service;
        let found = edits.add_on_records(&l.code, false)?;
        if found.is_empty() {
            continue;
        }
        let active: Vec<&AddOnEdit> = found
            .iter()
            .filter(|e| match dos {
                Some(d) => e.is_active_on(d),
                None => e.deleted.is_none() && e.add_on_deleted.is_none(),
            })
            .collect();
        let has = |t: AddOnType| {
            active
                .iter()
                .any(|e| e.edit_type == t && e.primary.is_some())
        };
        let kind = if has(AddOnType::PrimaryRequired) {
            AddOnType::PrimaryRequired
        } else if has(AddOnType::PrimaryListed) {
            AddOnType::PrimaryListed
        } else {
            continue;
        };
        let primaries: Vec<Code> = active
            .iter()
            .filter(|e| e.edit_type != AddOnType::ContractorDefined)
            .filter(|e| match dos {
                Some(d) => e.primary_active_on(d),
                None => e.primary.is_some() && e.primary_deleted.is_none(),
            })
            .filter_map(|e| e.primary)
            .collect();
        let by_day = by_day.get_or_insert_with(|| {
            let mut days: HashMap<Option<NaiveDate>, Vec<Code>> = HashMap::new();
            for l in lines.iter().filter(|l| billed(l)) {
                days.entry(l.date_of_service).or_default().push(l.code);
            }
            days
        });
        let day = by_day.get(&dos).map(Vec::as_slice).unwrap_or(&[]);
        if day.iter().any(|c| primaries.contains(c)) {
            continue;
        }
        out.push(add_on_problem(l, kind, primaries));
    }
    Ok(())
}

/// The add-on problem of line `l` whose strictest edit in force is of type
/// `kind`, with the primary codes in force on its date.
fn add_on_problem(l: &LineFacts<'_>, kind: AddOnType, primaries: Vec<Code>) -> Problem {
    let dos = l.date_of_service;
    let (code, severity_word) = match kind {
        AddOnType::PrimaryRequired => (ProblemCode::AddOnWithoutPrimary, "is paid only with"),
        _ => (
            ProblemCode::AddOnPrimaryNotListed,
            "is normally billed with",
        ),
    };
    let shown = l.code.display_for(l.system);
    let list: Vec<&str> = primaries.iter().take(8).map(|c| c.as_str()).collect();
    let more = primaries.len().saturating_sub(8);
    let on = dos.map(|d| format!(" on {d}")).unwrap_or_default();
    Problem {
        code,
        line_id: Some(l.id.to_owned()),
        message: format!(
            "add-on code {shown} {severity_word} one of its primary codes ({}{}), and none is billed{on}",
            list.join(", "),
            if more > 0 { format!(" and {more} more") } else { String::new() }
        ),
        detail: Some(ProblemDetail::AddOnWithoutPrimary {
            add_on: l.code,
            edit_type: kind,
            date_of_service: dos,
            primaries,
        }),
    }
}

/// What to say about a diagnosis that is not billable: its billable codes
/// below it (at most ten, then how many more), or for a code that takes a
/// 7th character the characters it takes. Empty when the structure says
/// nothing.
pub(crate) fn not_billable_hint<S: CodeSource + ?Sized>(
    source: &S,
    dx: &Code,
    dos: Option<NaiveDate>,
) -> String {
    let Ok(Some(view)) = source.structure() else {
        return String::new();
    };
    let Ok(Some(Place::Node(i))) = view.lookup(dx) else {
        return String::new();
    };
    if let Ok(nd) = view.node(i) {
        if nd.end == i + 1 {
            let chars = view.seventh_chars(i).unwrap_or_default();
            if !chars.is_empty() {
                let list: Vec<String> = chars
                    .iter()
                    .map(|c| format!("{} ({})", char::from(c.ch), c.meaning))
                    .collect();
                return format!(
                    "; it takes a 7th character: {} (placeholder X to six characters)",
                    list.join(", ")
                );
            }
        }
    }
    match crate::catalog::structure::billable_below(source, &view, dx, dos) {
        Ok(codes) if !codes.is_empty() => {
            let list: Vec<String> = codes.iter().take(10).map(dotted).collect();
            let more = codes.len().saturating_sub(10);
            format!(
                "; billable codes below it: {}{}",
                list.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            )
        }
        _ => String::new(),
    }
}
