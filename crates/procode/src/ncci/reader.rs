//! Opening an edits file: validation on open and bounds-checked lookups.

use std::fmt;
use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use chrono::NaiveDate;

use super::format;
use super::{ModifierIndicator, Mue, MueAdjudication, PtpEdit};
use crate::code::Code;
use crate::error::NcciError;
use crate::index::container::checksum;
use crate::index::container::Problem;
use crate::index::reader::{Section, Storage};
use crate::index::Verify;

type Result<T> = std::result::Result<T, NcciError>;

fn corrupt(what: impl Into<String>) -> NcciError {
    NcciError::Corrupt { what: what.into() }
}

pub(crate) fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn i32_at(b: &[u8], at: usize) -> Option<i32> {
    Some(i32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// One stored edit record, undecoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RawRecord {
    /// Deletion date as days from 0001-01-01 (9999-12-31: not deleted).
    pub(crate) deleted: i32,
    pub(crate) indicator: ModifierIndicator,
    pub(crate) rationale: u32,
}

struct Inner {
    store: Arc<Storage>,
    codes: fst::Map<Section>,
    code_pairs: Range<usize>,
    pairs: Range<usize>,
    multi: Range<usize>,
    records: Range<usize>,
    mue: Range<usize>,
    rationale_offsets: Range<usize>,
    rationales: Range<usize>,
    addons: Range<usize>,
    ptp_rows: u64,
    mue_rows: u64,
    size: u64,
    codes_sum: u64,
    codes_ok: OnceLock<bool>,
    /// The code ids the checks have looked up (see [`NcciEdits::code_ids_into`]).
    /// Code → id in the file (`None`: no edit names the code).
    ids: crate::memo::CodeMemo<Option<u32>>,
}

/// The id memo forgets everything past this many codes (bounded memory
/// whatever codes callers send).
const ID_MEMO_CODES: usize = 65_536;

/// An opened NCCI edits file: PTP pairs and MUEs, ready for lookups.
/// Immutable, cheap to clone and `Send + Sync`.
///
/// Open it with [`NcciEdits::open`] (memory map, every checksum verified) or
/// [`NcciEdits::open_with`]`(path, `[`Verify::Lazy`]`)` (constant-time open;
/// the code index is verified on first use and every other read is
/// bounds-checked, so damage surfaces as an error on the lookup that meets
/// it, never as a panic). Build one with
/// [`NcciBuilder`](super::NcciBuilder) or `procode build-edits`.
///
/// # Example
/// ```
/// use procode::ncci::{NcciBuilder, ModifierIndicator, NcciEdits};
/// use procode::Code;
/// let ptp = "column1\tcolumn2\tdeletion_date\tmodifier_indicator\trationale\n\
///            93000\t93005\t9999-12-31\t1\tHCPCS/CPT procedure code definition\n";
/// let mut b = NcciBuilder::new();
/// b.read_ptp("ptp.tsv", ptp.as_bytes()).unwrap();
/// let edits = NcciEdits::from_bytes(b.build().unwrap()).unwrap();
/// let c = |s| Code::parse(s).unwrap();
/// let e = &edits.ptp(&c("93000"), &c("93005")).unwrap()[0];
/// assert_eq!(e.modifier_indicator, ModifierIndicator::Allowed);
/// assert!(e.deleted.is_none());
/// assert!(edits.ptp(&c("93005"), &c("93000")).unwrap().is_empty());
/// assert!(NcciEdits::from_bytes(b"not an edits file".to_vec()).is_err());
/// ```
#[derive(Clone)]
pub struct NcciEdits {
    inner: Arc<Inner>,
}

impl fmt::Debug for NcciEdits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NcciEdits")
            .field("ptp_rows", &self.inner.ptp_rows)
            .field("mue_rows", &self.inner.mue_rows)
            .field("bytes", &self.inner.size)
            .finish()
    }
}

impl NcciEdits {
    /// Opens an edits file read-only by memory map, verifying every checksum.
    pub fn open(path: impl AsRef<Path>) -> Result<NcciEdits> {
        NcciEdits::open_with(path, Verify::Full)
    }

    /// Opens an edits file read-only by memory map with the given verification.
    pub fn open_with(path: impl AsRef<Path>, verify: Verify) -> Result<NcciEdits> {
        let path = path.as_ref();
        let store = Storage::map_file(path).map_err(|source| NcciError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        NcciEdits::open_storage(store, verify)
    }

    /// Opens an edits file held in memory, verifying every checksum.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<NcciEdits> {
        NcciEdits::open_storage(Storage::Owned(bytes), Verify::Full)
    }

    /// Opens an edits file held in memory with the given verification.
    pub fn from_bytes_with(bytes: Vec<u8>, verify: Verify) -> Result<NcciEdits> {
        NcciEdits::open_storage(Storage::Owned(bytes), verify)
    }

    fn open_storage(store: Storage, verify: Verify) -> Result<NcciEdits> {
        let store = Arc::new(store);
        let b: &[u8] = store.as_ref().as_ref();
        let parsed = format::LAYOUT.parse(b, verify).map_err(|p| match p {
            Problem::Foreign => NcciError::NotAnEditsFile,
            Problem::Version(found) => NcciError::UnsupportedVersion {
                found,
                supported: format::VERSION,
            },
            Problem::Truncated(expected, found) => NcciError::Truncated { expected, found },
            Problem::Checksum(section) => NcciError::ChecksumMismatch { section },
            Problem::Corrupt(what) => corrupt(what),
        })?;
        let [ptp_rows, mue_rows] = parsed.counts;
        let file_len = b.len() as u64;
        let sums = parsed.sums;
        let [codes_r, code_pairs, pairs, multi, records, mue, rationale_offsets, rationales, addons] =
            parsed.ranges;
        let codes = fst::Map::new(Section {
            store: store.clone(),
            range: codes_r,
        })
        .map_err(|e| corrupt(format!("code index: {e}")))?;
        let ncodes = codes.len();
        // The fst's length comes from its own (possibly damaged) footer.
        if ncodes.checked_add(1).and_then(|n| n.checked_mul(4)) != Some(code_pairs.len()) {
            return Err(corrupt("code pair offsets do not match the code index"));
        }
        if ncodes.checked_mul(format::MUE_LEN) != Some(mue.len()) {
            return Err(corrupt("the MUE table does not match the code index"));
        }
        if pairs.len() % format::PAIR_LEN != 0
            || records.len() % format::RECORD_LEN != 0
            || multi.len() % 4 != 0
            || addons.len() % format::ADDON_LEN != 0
        {
            return Err(corrupt("a fixed-size table has a bad size"));
        }
        if rationale_offsets.len() % 4 != 0 || rationale_offsets.is_empty() {
            return Err(corrupt("rationale offsets have a bad size"));
        }
        let codes_ok = OnceLock::new();
        if verify != Verify::Lazy {
            let _ = codes_ok.set(true);
        }
        Ok(NcciEdits {
            inner: Arc::new(Inner {
                store,
                codes,
                code_pairs,
                pairs,
                multi,
                records,
                mue,
                rationale_offsets,
                rationales,
                addons,
                ptp_rows,
                mue_rows,
                size: file_len,
                codes_sum: sums[0],
                codes_ok,
                ids: crate::memo::CodeMemo::new(ID_MEMO_CODES),
            }),
        })
    }

    /// PTP rows the file was built from.
    pub fn ptp_rows(&self) -> u64 {
        self.inner.ptp_rows
    }

    /// MUE rows the file was built from.
    pub fn mue_rows(&self) -> u64 {
        self.inner.mue_rows
    }

    /// Distinct (column 1, column 2) pairs.
    pub fn pair_count(&self) -> u64 {
        (self.inner.pairs.len() / format::PAIR_LEN) as u64
    }

    /// Size of the file in bytes.
    pub fn size(&self) -> u64 {
        self.inner.size
    }

    fn sec(&self, r: &Range<usize>) -> &[u8] {
        self.inner
            .store
            .as_ref()
            .as_ref()
            .get(r.clone())
            .unwrap_or(&[])
    }

    fn codes(&self) -> Result<&fst::Map<Section>> {
        let i = &self.inner;
        let ok = *i
            .codes_ok
            .get_or_init(|| checksum(&[i.codes.as_fst().as_bytes()]) == i.codes_sum);
        if ok {
            Ok(&i.codes)
        } else {
            Err(NcciError::ChecksumMismatch {
                section: format::LAYOUT.kinds[0].1,
            })
        }
    }

    /// The id of a code in the file, if any edit or MUE names it.
    pub(crate) fn code_id(&self, code: &Code) -> Result<Option<u32>> {
        self.codes()?
            .get(code.as_bytes())
            .map(|v| u32::try_from(v).map_err(|_| corrupt(format!("code id {v} is out of range"))))
            .transpose()
    }

    /// The ids of `codes` (as [`NcciEdits::code_id`] gives them, in order):
    /// claims repeat the same few thousand codes, so the ids looked up are
    /// kept (shared by the clones and threads of this file) and a repeated
    /// code costs a hash probe instead of an fst walk.
    /// They are written into `out` (emptied first, its room reused).
    pub(crate) fn code_ids_into(&self, codes: &[Code], out: &mut Vec<Option<u32>>) -> Result<()> {
        self.inner
            .ids
            .answers_into(codes, |code| self.code_id(code), out)
    }

    /// The record reference of the pair (column-1 id, column-2 id).
    pub(crate) fn pair_ref(&self, c1: u32, c2: u32) -> Result<Option<u32>> {
        Ok(NcciEdits::find_pair(self.pairs_of(c1)?, c2))
    }

    /// The pair table rows of a column-1 code id.
    pub(crate) fn pairs_of(&self, c1: u32) -> Result<&[u8]> {
        let offs = self.sec(&self.inner.code_pairs);
        let bad = || corrupt("a code's pair offsets are out of range");
        let a = u32_at(offs, c1 as usize * 4).ok_or_else(bad)? as usize;
        let z = u32_at(offs, c1 as usize * 4 + 4).ok_or_else(bad)? as usize;
        self.sec(&self.inner.pairs)
            .get(a * format::PAIR_LEN..z * format::PAIR_LEN)
            .ok_or_else(bad)
    }

    /// Binary search of a column-2 id among a code's pair rows.
    pub(crate) fn find_pair(pairs: &[u8], c2: u32) -> Option<u32> {
        let n = pairs.len() / format::PAIR_LEN;
        let (mut lo, mut hi) = (0usize, n);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let at = mid * format::PAIR_LEN;
            let id = u32_at(pairs, at)?;
            match id.cmp(&c2) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return u32_at(pairs, at + 4),
            }
        }
        None
    }

    /// Calls `f` for every record of a pair reference, in stored order.
    pub(crate) fn for_each_record(
        &self,
        reference: u32,
        mut f: impl FnMut(RawRecord),
    ) -> Result<()> {
        if reference & format::MULTI == 0 {
            f(self.record(reference)?);
            return Ok(());
        }
        let multi = self.sec(&self.inner.multi);
        let at = (reference & !format::MULTI) as usize * 4;
        let bad = || corrupt("a multi-record list is out of range");
        let n = u32_at(multi, at).ok_or_else(bad)? as usize;
        for k in 0..n {
            let id = u32_at(multi, at + 4 + k * 4).ok_or_else(bad)?;
            f(self.record(id)?);
        }
        Ok(())
    }

    fn record(&self, id: u32) -> Result<RawRecord> {
        let at = id as usize * format::RECORD_LEN;
        let r = self
            .sec(&self.inner.records)
            .get(at..at + format::RECORD_LEN)
            .ok_or_else(|| corrupt(format!("edit record {id} is out of range")))?;
        let indicator = ModifierIndicator::from_u8(r[8])
            .ok_or_else(|| corrupt(format!("edit record {id} has indicator {}", r[8])))?;
        Ok(RawRecord {
            deleted: i32_at(r, 0).unwrap_or(0),
            rationale: u32_at(r, 4).unwrap_or(0),
            indicator,
        })
    }

    /// The text of a rationale id.
    pub(crate) fn rationale(&self, id: u32) -> Result<&str> {
        let offs = self.sec(&self.inner.rationale_offsets);
        let bad = || corrupt(format!("rationale {id} is malformed"));
        let a = u32_at(offs, id as usize * 4).ok_or_else(bad)? as usize;
        let z = u32_at(offs, id as usize * 4 + 4).ok_or_else(bad)? as usize;
        let b = self.sec(&self.inner.rationales).get(a..z).ok_or_else(bad)?;
        std::str::from_utf8(b).map_err(|_| bad())
    }

    pub(crate) fn date(days: i32) -> Result<Option<NaiveDate>> {
        if days == super::build::never_days() {
            return Ok(None);
        }
        NaiveDate::from_num_days_from_ce_opt(days)
            .map(Some)
            .ok_or_else(|| corrupt(format!("invalid date (day {days})")))
    }

    pub(crate) fn edit_of(&self, column1: Code, column2: Code, r: RawRecord) -> Result<PtpEdit> {
        Ok(PtpEdit {
            column1,
            column2,
            deleted: NcciEdits::date(r.deleted)?,
            modifier_indicator: r.indicator,
            rationale: self.rationale(r.rationale)?.to_owned(),
        })
    }

    /// Every PTP edit record of the pair (column 1, column 2), active or not,
    /// ordered by deletion date. Empty when the pair has no edit (the order
    /// matters: the column-1 code comes first).
    pub fn ptp(&self, column1: &Code, column2: &Code) -> Result<Vec<PtpEdit>> {
        let (Some(a), Some(b)) = (self.code_id(column1)?, self.code_id(column2)?) else {
            return Ok(Vec::new());
        };
        let Some(reference) = self.pair_ref(a, b)? else {
            return Ok(Vec::new());
        };
        let mut raw = Vec::new();
        self.for_each_record(reference, |r| raw.push(r))?;
        raw.into_iter()
            .map(|r| self.edit_of(*column1, *column2, r))
            .collect()
    }

    /// Add-on code edit records the file holds (after dropping verbatim
    /// repeats).
    pub fn addon_count(&self) -> u64 {
        (self.inner.addons.len() / format::ADDON_LEN) as u64
    }

    /// Every add-on code edit record of `add_on` (in force or not), ordered
    /// by primary code then effective date. Empty when it is no add-on code.
    pub fn add_on_edits(&self, add_on: &Code) -> Result<Vec<super::AddOnEdit>> {
        self.add_on_records(add_on, true)
    }

    /// [`NcciEdits::add_on_edits`], with the notes left empty unless
    /// `notes` (the check does not read them: no text decoded per record).
    pub(crate) fn add_on_records(
        &self,
        add_on: &Code,
        notes: bool,
    ) -> Result<Vec<super::AddOnEdit>> {
        let t = self.sec(&self.inner.addons);
        let n = t.len() / format::ADDON_LEN;
        let mut key = [0u8; 8];
        let b = add_on.as_bytes();
        key[..b.len().min(8)].copy_from_slice(&b[..b.len().min(8)]);
        let rec = |i: usize| &t[i * format::ADDON_LEN..(i + 1) * format::ADDON_LEN];
        // The add-on code field as one number that sorts as its bytes do.
        let field = |r: &[u8]| r.first_chunk::<8>().map_or(0, |f| u64::from_be_bytes(*f));
        let wanted = u64::from_be_bytes(key);
        // The first record not below the key.
        let (mut lo, mut hi) = (0usize, n);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if field(rec(mid)) < wanted {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let mut out = Vec::new();
        let date = |d: i32| -> Result<Option<NaiveDate>> {
            if d == format::NO_DATE {
                return Ok(None);
            }
            NaiveDate::from_num_days_from_ce_opt(d)
                .map(Some)
                .ok_or_else(|| corrupt(format!("an add-on edit has an invalid date (day {d})")))
        };
        let code = |f: &[u8]| -> Result<Option<Code>> {
            let len = f.iter().position(|&x| x == 0).unwrap_or(f.len());
            if len == 0 {
                return Ok(None);
            }
            Code::from_normalised(&f[..len])
                .map(Some)
                .ok_or_else(|| corrupt("an add-on edit with a malformed code"))
        };
        for i in lo..n {
            let r = rec(i);
            if field(r) != wanted {
                break;
            }
            let edit_type = super::AddOnType::from_u8(r[16])
                .ok_or_else(|| corrupt(format!("add-on edit type {}", r[16])))?;
            let primary = code(&r[8..16])?;
            let t1 = edit_type == super::AddOnType::PrimaryRequired;
            let t2 = edit_type == super::AddOnType::ContractorDefined;
            if (t1 && primary.is_none()) || (t2 && primary.is_some()) {
                return Err(corrupt(
                    "an add-on edit whose primary code does not fit its type",
                ));
            }
            let note = u32_at(r, 36).unwrap_or(format::NO_NOTE);
            out.push(super::AddOnEdit {
                add_on: *add_on,
                add_on_deleted: date(i32_at(r, 20).unwrap_or(format::NO_DATE))?,
                primary,
                primary_deleted: date(i32_at(r, 24).unwrap_or(format::NO_DATE))?,
                edit_type,
                effective: date(i32_at(r, 28).unwrap_or(format::NO_DATE))?,
                deleted: date(i32_at(r, 32).unwrap_or(format::NO_DATE))?,
                note: if note == format::NO_NOTE || !notes {
                    String::new()
                } else {
                    self.rationale(note)?.to_owned()
                },
            });
        }
        Ok(out)
    }

    /// The MUE of a code, if the tables publish one.
    pub fn mue(&self, code: &Code) -> Result<Option<Mue>> {
        let Some(id) = self.code_id(code)? else {
            return Ok(None);
        };
        let Some(m) = self.raw_mue(id)? else {
            return Ok(None);
        };
        Ok(Some(Mue {
            code: *code,
            units: m.units,
            mai: m.mai,
            rationale: self.rationale(m.rationale)?.to_owned(),
            effective: m.effective,
        }))
    }

    pub(crate) fn raw_mue(&self, id: u32) -> Result<Option<RawMue>> {
        let at = id as usize * format::MUE_LEN;
        let r = self
            .sec(&self.inner.mue)
            .get(at..at + format::MUE_LEN)
            .ok_or_else(|| corrupt(format!("MUE record {id} is out of range")))?;
        let units = u32_at(r, 0).unwrap_or(format::NO_MUE);
        if units == format::NO_MUE {
            return Ok(None);
        }
        let eff = i32_at(r, 4).unwrap_or(format::NO_DATE);
        let effective = if eff == format::NO_DATE {
            None
        } else {
            Some(
                NaiveDate::from_num_days_from_ce_opt(eff)
                    .ok_or_else(|| corrupt(format!("MUE record {id} has an invalid date")))?,
            )
        };
        let mai = MueAdjudication::from_u8(r[12])
            .ok_or_else(|| corrupt(format!("MUE record {id} has MAI {}", r[12])))?;
        Ok(Some(RawMue {
            units,
            mai,
            effective,
            rationale: u32_at(r, 8).unwrap_or(0),
        }))
    }
}

/// One stored MUE, rationale undecoded.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RawMue {
    pub(crate) units: u32,
    pub(crate) mai: MueAdjudication,
    pub(crate) effective: Option<NaiveDate>,
    pub(crate) rationale: u32,
}
