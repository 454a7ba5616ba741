//! Typed views of the input columns: which Arrow types each column takes,
//! and reading one row's value with a typed error.

use std::borrow::Cow;
use std::ops::Range;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Date64Type, Decimal128Type, Decimal32Type, Decimal64Type, Int16Type, Int32Type,
    Int64Type, Int8Type, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, GenericStringArray, OffsetSizeTrait, PrimitiveArray, StringViewArray};
use arrow_buffer::NullBuffer;
use arrow_schema::DataType;
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::BatchError;
use crate::code::{Code, CodeSystem};

/// What a text column may be.
pub(crate) const TEXT_TYPES: &str =
    "a string column (utf8, large_utf8, utf8_view or a dictionary of strings)";
/// What an id column may be.
pub(crate) const ID_TYPES: &str =
    "a string column (utf8, large_utf8, utf8_view or a dictionary of strings) or an integer column";
/// What a date column may be.
pub(crate) const DATE_TYPES: &str = "date32, date64, or ISO dates (YYYY-MM-DD) in a string column";
/// What a list column may be.
pub(crate) const LIST_TYPES: &str = "a list or large_list of strings";
/// What an integer column may be.
pub(crate) const INT_TYPES: &str = "an integer column (int8 to int64, uint8 to uint64)";
/// What a money column may be.
pub(crate) const MONEY_TYPES: &str =
    "decimal32, decimal64, decimal128, or decimal amounts in a string column (never a float)";

fn wrong(column: &'static str, found: &DataType, expected: &'static str) -> BatchError {
    BatchError::WrongType {
        column,
        found: found.to_string(),
        expected,
    }
}

/// A string column of any of the string layouts.
pub(crate) enum Text<'a> {
    Utf8(Strings<'a, i32>),
    Large(Strings<'a, i64>),
    View(&'a StringViewArray),
    Dict {
        dict: &'a dyn Array,
        keys: Vec<usize>,
        values: Box<Text<'a>>,
    },
}

impl<'a> Text<'a> {
    pub(crate) fn new(
        array: &'a dyn Array,
        column: &'static str,
        expected: &'static str,
    ) -> Result<Text<'a>, BatchError> {
        if let Some(a) = array.as_string_opt::<i32>() {
            return Ok(Text::Utf8(Strings::of(a)));
        }
        if let Some(a) = array.as_string_opt::<i64>() {
            return Ok(Text::Large(Strings::of(a)));
        }
        if let Some(a) = array.as_string_view_opt() {
            return Ok(Text::View(a));
        }
        if let Some(d) = array.as_any_dictionary_opt() {
            let values = Text::new(d.values().as_ref(), column, expected)
                .map_err(|_| wrong(column, array.data_type(), expected))?;
            // Without values every key is null (and `normalized_keys`
            // needs at least one value).
            let keys = if d.values().is_empty() {
                Vec::new()
            } else {
                d.normalized_keys()
            };
            return Ok(Text::Dict {
                dict: array,
                keys,
                values: Box::new(values),
            });
        }
        Err(wrong(column, array.data_type(), expected))
    }

    /// The value of row `i`, `None` when null.
    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<&'a str> {
        // Not recursive (the dictionary's values are read out of line), so
        // it can be inlined where lines are read.
        match self {
            Text::Utf8(a) => a.get(i),
            Text::Large(a) => a.get(i),
            _ => self.get_other(i),
        }
    }

    /// [`Text::get`] of the other layouts.
    #[inline(never)]
    fn get_other(&self, i: usize) -> Option<&'a str> {
        match self {
            Text::Utf8(a) => a.get(i),
            Text::Large(a) => a.get(i),
            Text::View(a) => a.is_valid(i).then(|| a.value(i)),
            Text::Dict { dict, keys, values } => {
                if dict.is_null(i) {
                    return None;
                }
                values.get(*keys.get(i)?)
            }
        }
    }
}

/// A utf8 or large_utf8 column read through its offsets: a row's value is
/// two offsets and a slice (every line reads several strings).
pub(crate) struct Strings<'a, O> {
    offsets: &'a [O],
    values: &'a [u8],
    nulls: Option<&'a NullBuffer>,
}

impl<'a, O: OffsetSizeTrait> Strings<'a, O> {
    fn of(a: &'a GenericStringArray<O>) -> Strings<'a, O> {
        Strings {
            offsets: a.value_offsets(),
            values: a.value_data(),
            nulls: a.nulls(),
        }
    }

    /// The value of row `i`, `None` when null (or past the end).
    #[inline]
    fn get(&self, i: usize) -> Option<&'a str> {
        if self.nulls.is_some_and(|n| i >= n.len() || n.is_null(i)) {
            return None;
        }
        let from = self.offsets.get(i)?.as_usize();
        let to = self.offsets.get(i + 1)?.as_usize();
        let bytes = self.values.get(from..to)?;
        // SAFETY: the bytes between two consecutive offsets of a string
        // array are one whole UTF-8 value (the array's invariant, checked
        // when it is built or imported, on which its own `value` relies).
        Some(unsafe { std::str::from_utf8_unchecked(bytes) })
    }
}

/// An integer column of any width, read as `i128`.
pub(crate) enum Ints<'a> {
    I8(&'a PrimitiveArray<Int8Type>),
    I16(&'a PrimitiveArray<Int16Type>),
    I32(&'a PrimitiveArray<Int32Type>),
    I64(&'a PrimitiveArray<Int64Type>),
    U8(&'a PrimitiveArray<UInt8Type>),
    U16(&'a PrimitiveArray<UInt16Type>),
    U32(&'a PrimitiveArray<UInt32Type>),
    U64(&'a PrimitiveArray<UInt64Type>),
}

impl<'a> Ints<'a> {
    fn new(array: &'a dyn Array) -> Option<Ints<'a>> {
        Some(match array.data_type() {
            DataType::Int8 => Ints::I8(array.as_primitive_opt()?),
            DataType::Int16 => Ints::I16(array.as_primitive_opt()?),
            DataType::Int32 => Ints::I32(array.as_primitive_opt()?),
            DataType::Int64 => Ints::I64(array.as_primitive_opt()?),
            DataType::UInt8 => Ints::U8(array.as_primitive_opt()?),
            DataType::UInt16 => Ints::U16(array.as_primitive_opt()?),
            DataType::UInt32 => Ints::U32(array.as_primitive_opt()?),
            DataType::UInt64 => Ints::U64(array.as_primitive_opt()?),
            _ => return None,
        })
    }

    pub(crate) fn get(&self, i: usize) -> Option<i128> {
        fn at<T: arrow_array::ArrowPrimitiveType>(a: &PrimitiveArray<T>, i: usize) -> Option<i128>
        where
            T::Native: Into<i128>,
        {
            a.is_valid(i).then(|| a.value(i).into())
        }
        match self {
            Ints::I8(a) => at(a, i),
            Ints::I16(a) => at(a, i),
            Ints::I32(a) => at(a, i),
            Ints::I64(a) => at(a, i),
            Ints::U8(a) => at(a, i),
            Ints::U16(a) => at(a, i),
            Ints::U32(a) => at(a, i),
            Ints::U64(a) => at(a, i),
        }
    }

    pub(crate) fn required(
        array: &'a dyn Array,
        column: &'static str,
    ) -> Result<Ints<'a>, BatchError> {
        Ints::new(array).ok_or_else(|| wrong(column, array.data_type(), INT_TYPES))
    }
}

/// One value of an id column: a string, or an integer (compared as such).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum IdRef<'a> {
    Str(&'a str),
    Int(i128),
}

impl IdRef<'_> {
    pub(crate) fn to_text(self) -> Cow<'static, str> {
        match self {
            IdRef::Str(s) => Cow::Owned(s.to_owned()),
            IdRef::Int(n) => Cow::Owned(n.to_string()),
        }
    }

    /// Writes the id's text (as [`IdRef::to_text`]) into `to`, emptied
    /// first (its room is reused).
    pub(crate) fn write_into(self, to: &mut String) {
        use std::fmt::Write as _;
        to.clear();
        match self {
            IdRef::Str(s) => to.push_str(s),
            IdRef::Int(n) => {
                let _ = write!(to, "{n}");
            }
        }
    }

    /// Whether the id is empty (an empty string; integers never are).
    pub(crate) fn is_empty(self) -> bool {
        // An id starting with a visible ASCII character is not blank (no
        // trimming to find out).
        matches!(self, IdRef::Str(s)
            if !s.as_bytes().first().is_some_and(u8::is_ascii_graphic) && s.trim().is_empty())
    }

    /// Whether the id equals a string already read.
    pub(crate) fn matches(self, text: &str) -> bool {
        match self {
            IdRef::Str(s) => s == text,
            IdRef::Int(n) => n.to_string() == text,
        }
    }

    /// A 128-bit hash, for remembering which claims were seen.
    pub(crate) fn hash128(self) -> u128 {
        match self {
            IdRef::Str(s) => xxhash_rust::xxh3::xxh3_128(s.as_bytes()),
            IdRef::Int(n) => xxhash_rust::xxh3::xxh3_128(n.to_string().as_bytes()),
        }
    }
}

/// A claim or line id column: strings or integers.
pub(crate) enum Ids<'a> {
    Text(Text<'a>),
    Int(Ints<'a>),
}

impl<'a> Ids<'a> {
    pub(crate) fn new(array: &'a dyn Array, column: &'static str) -> Result<Ids<'a>, BatchError> {
        if let Some(i) = Ints::new(array) {
            return Ok(Ids::Int(i));
        }
        Text::new(array, column, ID_TYPES).map(Ids::Text)
    }

    pub(crate) fn get(&self, i: usize) -> Option<IdRef<'a>> {
        match self {
            Ids::Text(t) => t.get(i).map(IdRef::Str),
            Ids::Int(n) => n.get(i).map(IdRef::Int),
        }
    }
}

/// A date column.
pub(crate) enum Dates<'a> {
    D32(&'a PrimitiveArray<Date32Type>),
    D64(&'a PrimitiveArray<Date64Type>),
    Text(Text<'a>),
}

/// Days from 0001-01-01 (CE day 1) to 1970-01-01.
const UNIX_EPOCH_CE_DAYS: i64 = 719_163;

impl<'a> Dates<'a> {
    pub(crate) fn new(array: &'a dyn Array, column: &'static str) -> Result<Dates<'a>, BatchError> {
        match array.data_type() {
            DataType::Date32 => array.as_primitive_opt().map(Dates::D32),
            DataType::Date64 => array.as_primitive_opt().map(Dates::D64),
            _ => None,
        }
        .map_or_else(|| Text::new(array, column, DATE_TYPES).map(Dates::Text), Ok)
    }

    /// The date of row `i`: `Ok(None)` when null.
    pub(crate) fn get(
        &self,
        i: usize,
        column: &'static str,
        row: u64,
    ) -> Result<Option<NaiveDate>, BatchError> {
        let from_days = |days: i64| {
            i32::try_from(days + UNIX_EPOCH_CE_DAYS)
                .ok()
                .and_then(NaiveDate::from_num_days_from_ce_opt)
                .ok_or_else(|| BatchError::BadValue {
                    column,
                    row,
                    problem: format!("{days} days from 1970-01-01 is not a date"),
                })
        };
        match self {
            Dates::D32(a) => a
                .is_valid(i)
                .then(|| from_days(i64::from(a.value(i))))
                .transpose(),
            Dates::D64(a) => a
                .is_valid(i)
                .then(|| from_days(a.value(i).div_euclid(86_400_000)))
                .transpose(),
            Dates::Text(t) => t
                .get(i)
                .map(|s| {
                    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
                        BatchError::BadValue {
                            column,
                            row,
                            problem: format!("{s:?} is not an ISO date (YYYY-MM-DD)"),
                        }
                    })
                })
                .transpose(),
        }
    }
}

impl Dates<'_> {
    /// [`Dates::get`] remembering the last day read in `last` (days from
    /// 1970 and the date): the lines of a claim nearly always share their
    /// date of service.
    pub(crate) fn get_remembered(
        &self,
        i: usize,
        column: &'static str,
        row: u64,
        last: &mut Option<(i64, NaiveDate)>,
    ) -> Result<Option<NaiveDate>, BatchError> {
        let days = match self {
            Dates::D32(a) if a.is_valid(i) => i64::from(a.value(i)),
            Dates::D64(a) if a.is_valid(i) => a.value(i).div_euclid(86_400_000),
            _ => return self.get(i, column, row),
        };
        if let Some((d, date)) = *last {
            if d == days {
                return Ok(Some(date));
            }
        }
        let date = self.get(i, column, row)?;
        if let Some(date) = date {
            *last = Some((days, date));
        }
        Ok(date)
    }
}

/// A list-of-strings column: the list offsets and nulls read directly
/// (every line reads its modifiers and diagnoses), the items a [`Text`].
pub(crate) struct Lists<'a> {
    offsets: ListOffsets<'a>,
    nulls: Option<&'a NullBuffer>,
    values: Text<'a>,
}

/// The offsets of a `list` or `large_list` column.
enum ListOffsets<'a> {
    Small(&'a [i32]),
    Large(&'a [i64]),
}

/// The items `offsets[i]..offsets[i + 1]` (`None` past the end).
#[inline]
fn items<O: OffsetSizeTrait>(offsets: &[O], i: usize) -> Option<Range<usize>> {
    Some(offsets.get(i)?.as_usize()..offsets.get(i + 1)?.as_usize())
}

impl<'a> Lists<'a> {
    pub(crate) fn new(array: &'a dyn Array, column: &'static str) -> Result<Lists<'a>, BatchError> {
        let bad = || wrong(column, array.data_type(), LIST_TYPES);
        if let Some(l) = array.as_list_opt::<i32>() {
            let t = Text::new(l.values().as_ref(), column, LIST_TYPES).map_err(|_| bad())?;
            return Ok(Lists {
                offsets: ListOffsets::Small(l.value_offsets()),
                nulls: l.nulls(),
                values: t,
            });
        }
        if let Some(l) = array.as_list_opt::<i64>() {
            let t = Text::new(l.values().as_ref(), column, LIST_TYPES).map_err(|_| bad())?;
            return Ok(Lists {
                offsets: ListOffsets::Large(l.value_offsets()),
                nulls: l.nulls(),
                values: t,
            });
        }
        Err(bad())
    }

    /// The items of row `i` as codes of `system` (none for a null list),
    /// written into `to` (emptied first, its room reused), each parsed
    /// through `parsed`; a null item or a code without the shape of
    /// `system` is an error.
    pub(crate) fn codes_into(
        &self,
        i: usize,
        system: CodeSystem,
        column: &'static str,
        row: u64,
        to: &mut Vec<Code>,
        parsed: &mut ParsedCodes,
    ) -> Result<(), BatchError> {
        to.clear();
        if self.nulls.is_some_and(|n| i >= n.len() || n.is_null(i)) {
            return Ok(());
        }
        let range = match self.offsets {
            ListOffsets::Small(o) => items(o, i),
            ListOffsets::Large(o) => items(o, i),
        };
        for k in range.unwrap_or_default() {
            let text = self.values.get(k).ok_or_else(|| BatchError::BadValue {
                column,
                row,
                problem: "a null item in the list: leave it out".to_owned(),
            })?;
            to.push(parsed.parse(system, text, Code::parse_for).map_err(|e| {
                BatchError::BadValue {
                    column,
                    row,
                    problem: e.to_string(),
                }
            })?);
        }
        Ok(())
    }
}

/// The codes a worker has parsed from their text, by the text (up to
/// eight bytes, as one word) and the system: a batch names the same few
/// thousand codes on line after line, and finding one again (a multiply
/// and a compare) costs less than parsing and checking its shape. Direct
/// mapped: a slot holds the last code parsed into it. Only codes that
/// parsed are kept; an error is made again each time.
pub(crate) struct ParsedCodes {
    slots: Vec<Option<Parsed>>,
}

/// One remembered parse: the text as a word, its length, the system it was
/// parsed for and the code.
#[derive(Clone, Copy)]
struct Parsed {
    word: u64,
    len: u8,
    system: CodeSystem,
    code: Code,
}

/// The slots of a [`ParsedCodes`] (a power of two).
const PARSED_SLOTS: usize = 1 << PARSED_BITS;
const PARSED_BITS: u32 = 12;

impl Default for ParsedCodes {
    fn default() -> Self {
        ParsedCodes {
            slots: vec![None; PARSED_SLOTS],
        }
    }
}

impl ParsedCodes {
    /// The code `text` names in `system`, as `parse` gives it: remembered,
    /// or parsed (and remembered when it parsed). `parse` is
    /// [`Code::parse_for`] or answers as it does (its own error type), so
    /// that a code remembered by one caller is the one another would parse.
    #[inline(always)]
    pub(crate) fn parse<E>(
        &mut self,
        system: CodeSystem,
        text: &str,
        parse: impl FnOnce(CodeSystem, &str) -> Result<Code, E>,
    ) -> Result<Code, E> {
        let n = text.len();
        if n == 0 || n > 8 {
            return parse(system, text);
        }
        let word = crate::code::little_endian_word(text.as_bytes());
        let at = (word
            .wrapping_add(system as u64)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            >> (64 - PARSED_BITS)) as usize;
        if let Some(Some(p)) = self.slots.get(at) {
            if p.word == word && usize::from(p.len) == n && p.system == system {
                return Ok(p.code);
            }
        }
        self.parse_into(at, word, system, text, parse)
    }

    /// [`ParsedCodes::parse`] of a text not remembered: parsed, and kept
    /// in slot `at` when it parsed.
    #[inline(never)]
    fn parse_into<E>(
        &mut self,
        at: usize,
        word: u64,
        system: CodeSystem,
        text: &str,
        parse: impl FnOnce(CodeSystem, &str) -> Result<Code, E>,
    ) -> Result<Code, E> {
        let code = parse(system, text)?;
        if let Some(slot) = self.slots.get_mut(at) {
            *slot = Some(Parsed {
                word,
                len: text.len() as u8,
                system,
                code,
            });
        }
        Ok(code)
    }
}

/// A decimal money column.
pub(crate) enum Amounts<'a> {
    D32(&'a PrimitiveArray<Decimal32Type>, i8),
    D64(&'a PrimitiveArray<Decimal64Type>, i8),
    D128(&'a PrimitiveArray<Decimal128Type>, i8),
    Text(Text<'a>),
}

impl<'a> Amounts<'a> {
    pub(crate) fn new(
        array: &'a dyn Array,
        column: &'static str,
    ) -> Result<Amounts<'a>, BatchError> {
        let bad = || wrong(column, array.data_type(), MONEY_TYPES);
        match array.data_type() {
            DataType::Decimal32(_, s) => {
                Ok(Amounts::D32(array.as_primitive_opt().ok_or_else(bad)?, *s))
            }
            DataType::Decimal64(_, s) => {
                Ok(Amounts::D64(array.as_primitive_opt().ok_or_else(bad)?, *s))
            }
            DataType::Decimal128(_, s) => {
                Ok(Amounts::D128(array.as_primitive_opt().ok_or_else(bad)?, *s))
            }
            _ => Text::new(array, column, MONEY_TYPES).map(Amounts::Text),
        }
    }

    /// The amount of row `i`: `Ok(None)` when null.
    pub(crate) fn get(
        &self,
        i: usize,
        column: &'static str,
        row: u64,
    ) -> Result<Option<Decimal>, BatchError> {
        let bad = |problem: String| BatchError::BadValue {
            column,
            row,
            problem,
        };
        let scaled = |m: i128, scale: i8| -> Result<Decimal, BatchError> {
            let out = match u32::try_from(scale) {
                Ok(s) => Decimal::try_from_i128_with_scale(m, s).ok(),
                // A negative scale multiplies by a power of ten.
                Err(_) => 10i128
                    .checked_pow(u32::from(scale.unsigned_abs()))
                    .and_then(|p| m.checked_mul(p))
                    .and_then(|v| Decimal::try_from_i128_with_scale(v, 0).ok()),
            };
            out.ok_or_else(|| {
                bad(format!(
                    "{m}e{} is out of range for an amount",
                    -i32::from(scale)
                ))
            })
        };
        match self {
            Amounts::D32(a, s) => a
                .is_valid(i)
                .then(|| scaled(a.value(i).into(), *s))
                .transpose(),
            Amounts::D64(a, s) => a
                .is_valid(i)
                .then(|| scaled(a.value(i).into(), *s))
                .transpose(),
            Amounts::D128(a, s) => a.is_valid(i).then(|| scaled(a.value(i), *s)).transpose(),
            Amounts::Text(t) => t
                .get(i)
                .map(|s| {
                    s.trim().parse::<Decimal>().map_err(|_| {
                        bad(format!(
                            "{s:?} is not a decimal amount (write it like 30.00)"
                        ))
                    })
                })
                .transpose(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Array, LargeStringArray, StringArray};

    #[test]
    fn strings_read_through_offsets_equal_arrow_values_sliced_or_not() {
        let rows = [
            Some("G0444"),
            None,
            Some(""),
            Some("héllo"),
            None,
            Some("F41.1"),
        ];
        let small = StringArray::from(rows.to_vec());
        let large = LargeStringArray::from(rows.to_vec());
        let no_nulls = StringArray::from(vec!["a", "bc", "", "déf"]);
        for (from, len) in [(0, 6), (1, 4), (3, 3), (6, 0)] {
            let a = small.slice(from, len);
            let b = large.slice(from, len);
            let (ta, tb) = (
                Text::new(&a, "c", TEXT_TYPES).expect("utf8"),
                Text::new(&b, "c", TEXT_TYPES).expect("large_utf8"),
            );
            for i in 0..len {
                let want = a.is_valid(i).then(|| a.value(i));
                assert_eq!((ta.get(i), tb.get(i)), (want, want), "{from} {len} {i}");
            }
            // Past the end: nothing (never a panic).
            assert_eq!((ta.get(len), tb.get(len + 5)), (None, None));
        }
        let t = Text::new(&no_nulls, "c", TEXT_TYPES).expect("utf8");
        let got: Vec<Option<&str>> = (0..5).map(|i| t.get(i)).collect();
        assert_eq!(got, [Some("a"), Some("bc"), Some(""), Some("déf"), None]);
    }

    #[test]
    fn parsed_codes_answer_as_the_parser_does() {
        // Codes of every system, their cases and dots, texts that fail for
        // one system and not another, too long and empty ones, asked in
        // turn and again (remembered, or evicted by a text sharing their
        // slot: 5,000 texts in 4,096 slots).
        let mut texts: Vec<String> = [
            "F41.1",
            "f411",
            "F411",
            "E11.65",
            "S72.001A",
            "G0438",
            "g0438",
            "99213",
            "0001F",
            "25",
            "xu",
            "11",
            "1A",
            "A1",
            "0JH60DZ",
            "",
            " ",
            ".",
            "F41..1",
            "123456789",
            "A\0",
            "a\u{0}",
            "\u{e9}1",
            "G04#",
            "ABCDEFGH",
            "abcdefgh",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        texts.extend((0..5_000).map(|k| format!("{}{k:04}", char::from(b'A' + (k % 26) as u8))));
        let systems = CodeSystem::ALL;
        let mut parsed = ParsedCodes::default();
        for round in 0..3 {
            for (k, t) in texts.iter().enumerate() {
                for (j, &system) in systems.iter().enumerate() {
                    if (k + j + round) % 3 == 0 {
                        continue;
                    }
                    let want = Code::parse_for(system, t);
                    let got = parsed.parse(system, t, Code::parse_for);
                    assert_eq!(got, want, "{t:?} {system:?} round {round}");
                }
            }
        }
    }

    #[test]
    fn list_items_are_read_through_offsets_sliced_or_not() {
        use arrow_array::builder::{LargeListBuilder, ListBuilder, StringBuilder};
        let rows: [Option<&[&str]>; 5] = [
            Some(&["F41.1", "e119"]),
            None,
            Some(&[]),
            Some(&["Z00.00"]),
            Some(&["I10", "J45.909", "M5416"]),
        ];
        let mut small = ListBuilder::new(StringBuilder::new());
        let mut large = LargeListBuilder::new(StringBuilder::new());
        for r in rows {
            for s in r.unwrap_or_default() {
                small.values().append_value(s);
                large.values().append_value(s);
            }
            small.append(r.is_some());
            large.append(r.is_some());
        }
        let (small, large) = (small.finish(), large.finish());
        let parsed = &mut ParsedCodes::default();
        for (from, len) in [(0, 5), (1, 4), (3, 2)] {
            let (a, b) = (small.slice(from, len), large.slice(from, len));
            for l in [
                Lists::new(&a, "diagnoses").expect("a list"),
                Lists::new(&b, "diagnoses").expect("a large list"),
            ] {
                for (i, want) in rows[from..from + len].iter().enumerate() {
                    let mut got = vec![Code::parse("X1").expect("a code")];
                    l.codes_into(i, CodeSystem::Icd10Cm, "diagnoses", 0, &mut got, parsed)
                        .expect("codes");
                    let want: Vec<Code> = want
                        .unwrap_or_default()
                        .iter()
                        .map(|s| Code::parse(s).expect("a code"))
                        .collect();
                    assert_eq!(got, want, "{from} {len} {i}");
                }
            }
        }
    }
}
