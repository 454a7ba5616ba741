//! Code systems and the normalised [`Code`] newtype.
//!
//! Codes are stored normalised: upper case ASCII letters and digits, with no dots
//! and no spaces. `"f41.1"`, `"F411"` and `" F41.1 "` all parse to `F411`; the
//! ICD-10-CM form with its dot (`F41.1`) is available through [`Code::display_for`].

use std::fmt;
use std::str::FromStr;

/// The longest code procode stores (practice custom codes included).
pub const MAX_CODE_LEN: usize = 15;

/// A code system: which list a code belongs to.
///
/// Named everywhere (CLI, C, Python, JSON) by a case-insensitive string:
/// `hcpcs`, `cpt`, `icd10cm`, `icd10pcs`, `modifier`, `pos`, `custom`.
///
/// # Example
/// ```
/// use procode_index::CodeSystem;
/// let s: CodeSystem = "ICD10CM".parse().unwrap();
/// assert_eq!(s, CodeSystem::Icd10Cm);
/// assert_eq!(s.as_str(), "icd10cm");
/// assert!("loinc".parse::<CodeSystem>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
pub enum CodeSystem {
    /// HCPCS Level II (e.g. G0438).
    Hcpcs = 1,
    /// CPT (HCPCS Level I), five characters; AMA-licensed, user-loaded only.
    Cpt = 2,
    /// ICD-10-CM diagnoses (e.g. F41.1).
    Icd10Cm = 3,
    /// ICD-10-PCS inpatient procedures (seven characters).
    Icd10Pcs = 4,
    /// Two-character procedure modifiers (e.g. GT, 95).
    Modifier = 5,
    /// Place of service, two digits.
    Pos = 6,
    /// A practice's own codes.
    Custom = 7,
}

impl CodeSystem {
    /// Every code system, in their stable numeric order.
    pub const ALL: [CodeSystem; 7] = [
        CodeSystem::Hcpcs,
        CodeSystem::Cpt,
        CodeSystem::Icd10Cm,
        CodeSystem::Icd10Pcs,
        CodeSystem::Modifier,
        CodeSystem::Pos,
        CodeSystem::Custom,
    ];

    /// The lower-case name used in JSON, the CLI and the bindings.
    pub fn as_str(self) -> &'static str {
        match self {
            CodeSystem::Hcpcs => "hcpcs",
            CodeSystem::Cpt => "cpt",
            CodeSystem::Icd10Cm => "icd10cm",
            CodeSystem::Icd10Pcs => "icd10pcs",
            CodeSystem::Modifier => "modifier",
            CodeSystem::Pos => "pos",
            CodeSystem::Custom => "custom",
        }
    }

    /// The stable one-byte tag used in index files.
    pub fn to_u8(self) -> u8 {
        self as u8
    }

    /// The system of a one-byte tag, if it names one.
    pub fn from_u8(tag: u8) -> Option<CodeSystem> {
        CodeSystem::ALL
            .get(usize::from(tag).wrapping_sub(1))
            .copied()
    }

    /// What a well-formed code of this system looks like, for error messages.
    pub fn expected_shape(self) -> &'static str {
        match self {
            CodeSystem::Hcpcs => "a letter followed by four letters or digits (e.g. G0438)",
            CodeSystem::Cpt => "four digits followed by a digit, F, M, T or U (e.g. 99213, 0001U)",
            CodeSystem::Icd10Cm => {
                "3 to 7 letters or digits starting with a letter (e.g. F41.1, QA0)"
            }
            CodeSystem::Icd10Pcs => "7 letters or digits, or a 3-character table header",
            CodeSystem::Modifier => "two letters or digits (e.g. GT, 95)",
            CodeSystem::Pos => "two digits (e.g. 11)",
            CodeSystem::Custom => "1 to 15 letters or digits",
        }
    }

    /// Whether a code has the shape this system requires. A [`Code`] holds
    /// only upper-case ASCII letters and digits (every constructor checks
    /// it), so only its length and the classes of some positions are left
    /// to test.
    #[inline]
    fn accepts(self, code: &Code) -> bool {
        let c = code.as_bytes();
        let letter_first = || c.first().is_some_and(u8::is_ascii_uppercase);
        match self {
            CodeSystem::Hcpcs => c.len() == 5 && letter_first(),
            CodeSystem::Cpt => {
                c.len() == 5
                    && c[..4].iter().all(u8::is_ascii_digit)
                    && matches!(c[4], b'0'..=b'9' | b'F' | b'M' | b'T' | b'U')
            }
            CodeSystem::Icd10Cm => (3..=7).contains(&c.len()) && letter_first(),
            CodeSystem::Icd10Pcs => c.len() == 7 || c.len() == 3,
            CodeSystem::Modifier => c.len() == 2,
            CodeSystem::Pos => c.len() == 2 && c.iter().all(u8::is_ascii_digit),
            CodeSystem::Custom => !c.is_empty(),
        }
    }
}

crate::as_str_impls!(display: CodeSystem, Code);

impl FromStr for CodeSystem {
    type Err = CodeError;

    fn from_str(s: &str) -> Result<Self, CodeError> {
        crate::by_name(CodeSystem::ALL, CodeSystem::as_str, s)
            .or_else(|| match s.trim().to_ascii_lowercase().as_str() {
                "icd-10-cm" | "icd10-cm" => Some(CodeSystem::Icd10Cm),
                "icd-10-pcs" | "icd10-pcs" => Some(CodeSystem::Icd10Pcs),
                "hcpcs2" | "hcpcs-ii" => Some(CodeSystem::Hcpcs),
                _ => None,
            })
            .ok_or_else(|| CodeError::UnknownSystem { name: s.to_owned() })
    }
}

crate::as_str_impls!(serde: CodeSystem, Code);

/// Why a string is not a valid code or code system.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CodeError {
    /// Nothing but spaces and dots.
    #[error("empty code: give letters and digits such as G0438 or F41.1")]
    Empty,
    /// A character that is neither a letter, a digit, a dot nor a space.
    #[error("invalid character {ch:?} at position {position} in code {input:?}: codes hold only letters and digits (dots and spaces are ignored)")]
    InvalidChar {
        /// The text as given.
        input: String,
        /// The offending character.
        ch: char,
        /// Its character position (0-based) in `input`.
        position: usize,
    },
    /// More than [`MAX_CODE_LEN`] letters and digits.
    #[error("code {input:?} is too long: at most {max} letters and digits")]
    TooLong {
        /// The text as given.
        input: String,
        /// The limit.
        max: usize,
    },
    /// A code that does not have the shape its system requires.
    #[error("{input:?} is not a valid {system} code: expected {expected}")]
    WrongShape {
        /// The text as given.
        input: String,
        /// The system it was checked against.
        system: CodeSystem,
        /// What a code of that system looks like.
        expected: &'static str,
    },
    /// A code-system name that procode does not know.
    #[error("unknown code system {name:?}: use one of hcpcs, cpt, icd10cm, icd10pcs, modifier, pos, custom")]
    UnknownSystem {
        /// The name as given.
        name: String,
    },
}

/// `bytes` (1 to 8 of them) as a little-endian word, zero past them: two
/// overlapping loads (the bytes they share are the same), no `memcpy`
/// call for a few bytes.
/// (A code's text of up to 8 bytes is one word: callers that remember
/// parsed codes key them with it.)
#[inline]
pub fn little_endian_word(bytes: &[u8]) -> u64 {
    let n = bytes.len();
    let at = |k: usize| u64::from(bytes.get(k).copied().unwrap_or(0));
    match n {
        4..=8 => {
            let four = |from: usize| {
                bytes
                    .get(from..from + 4)
                    .and_then(|b| <[u8; 4]>::try_from(b).ok())
                    .map_or(0, |b| u64::from(u32::from_le_bytes(b)))
            };
            four(0) | four(n - 4) << (8 * (n - 4))
        }
        2 | 3 => at(0) | at(1) << 8 | at(n - 2) << (8 * (n - 2)) | at(n - 1) << (8 * (n - 1)),
        _ => at(0),
    }
}

/// A normalised code: 1 to 15 upper-case ASCII letters and digits.
///
/// Stored inline (no allocation, `Copy`). Ordering is byte order of the
/// normalised form, which is the catalog's code order.
///
/// # Example
/// ```
/// use procode_index::{Code, CodeSystem};
/// let a: Code = " f41.1 ".parse().unwrap();
/// let b: Code = "F411".parse().unwrap();
/// assert_eq!(a, b);
/// assert_eq!(a.as_str(), "F411");
/// assert_eq!(a.display_for(CodeSystem::Icd10Cm), "F41.1");
/// assert!("G04#".parse::<Code>().is_err());
/// assert!(Code::parse_for(CodeSystem::Pos, "1A").is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Code {
    len: u8,
    bytes: [u8; MAX_CODE_LEN],
}

impl Code {
    /// Parses and normalises any code: upper-cases it and drops dots and spaces.
    #[inline]
    pub fn parse(input: &str) -> Result<Code, CodeError> {
        // Most codes are up to eight letters and digits (HCPCS, CPT,
        // modifiers, places of service, undotted ICD-10-CM): checked and
        // upper-cased eight bytes at a time, inline in the caller.
        match Code::parse_word(input.as_bytes()) {
            Some(code) => Ok(code),
            None => Code::parse_bytes(input),
        }
    }

    /// [`Code::parse`] of what [`Code::parse_word`] does not take.
    #[inline(never)]
    fn parse_bytes(input: &str) -> Result<Code, CodeError> {
        let mut bytes = [0u8; MAX_CODE_LEN];
        let mut len = 0usize;
        // Nearly every code is letters, digits and dots: copied byte by
        // byte; anything else (spaces, other characters, too long) takes
        // the full path below, which also words the errors.
        for &b in input.as_bytes() {
            if b == b'.' {
                continue;
            }
            if !b.is_ascii_alphanumeric() || len == MAX_CODE_LEN {
                len = usize::MAX;
                break;
            }
            bytes[len] = b.to_ascii_uppercase();
            len += 1;
        }
        if (1..=MAX_CODE_LEN).contains(&len) {
            return Ok(Code {
                len: len as u8,
                bytes,
            });
        }
        let mut bytes = [0u8; MAX_CODE_LEN];
        let mut len = 0usize;
        for (position, ch) in input.chars().enumerate() {
            if ch == '.' || ch.is_whitespace() {
                continue;
            }
            if !ch.is_ascii_alphanumeric() {
                return Err(CodeError::InvalidChar {
                    input: input.to_owned(),
                    ch,
                    position,
                });
            }
            if len == MAX_CODE_LEN {
                return Err(CodeError::TooLong {
                    input: input.to_owned(),
                    max: MAX_CODE_LEN,
                });
            }
            bytes[len] = ch.to_ascii_uppercase() as u8;
            len += 1;
        }
        if len == 0 {
            return Err(CodeError::Empty);
        }
        Ok(Code {
            len: len as u8,
            bytes,
        })
    }

    /// [`Code::parse`] of 1 to 8 ASCII letters and digits (nothing else:
    /// no dot, no space), as one 64-bit word: `None` for any other input,
    /// which the byte loop of `parse` then reads. Each byte `b` is tested
    /// for ranges with `b + (0x80 - c)`, whose high bit is set exactly when
    /// `b >= c` (no byte carries into the next: every byte is below 0x80).
    #[inline]
    fn parse_word(input: &[u8]) -> Option<Code> {
        const LOW: u64 = 0x0101_0101_0101_0101;
        const HIGH: u64 = 0x8080_8080_8080_8080;
        let n = input.len();
        if n == 0 || n > 8 {
            return None;
        }
        let w = little_endian_word(input);
        // The high bit of each byte of the input (the bytes past it are 0).
        let lanes = HIGH >> (8 * (8 - n));
        if w & HIGH != 0 {
            return None;
        }
        let at_least = |c: u8| w.wrapping_add(LOW * u64::from(0x80 - c)) & HIGH;
        let digit = at_least(b'0') & !at_least(b'9' + 1);
        let upper = at_least(b'A') & !at_least(b'Z' + 1);
        let lower = at_least(b'a') & !at_least(b'z' + 1);
        if (digit | upper | lower) & lanes != lanes {
            return None;
        }
        // Lower-case letters lose 0x20 (no borrow: each is at least 0x61).
        let w = w - ((lower & lanes) >> 2);
        let mut bytes = [0u8; MAX_CODE_LEN];
        bytes[..8].copy_from_slice(&w.to_le_bytes());
        Some(Code {
            len: n as u8,
            bytes,
        })
    }

    /// The code a search query names, when the query looks like a code rather
    /// than description words: a single token (spaces around it ignored) that
    /// parses as a code (see [`Code::parse`]) and holds a digit or a dot, or,
    /// when searching only modifiers or places of service, any such token of
    /// at most two characters. `None` otherwise.
    ///
    /// # Example
    /// ```
    /// use procode_index::{Code, CodeSystem};
    /// assert_eq!(Code::from_search_query(" E11.6 ", None).unwrap().as_str(), "E116");
    /// assert_eq!(Code::from_search_query("f41.", None).unwrap().as_str(), "F41");
    /// assert!(Code::from_search_query("wheelchair", None).is_none());
    /// assert!(Code::from_search_query("diab mell", None).is_none());
    /// assert!(Code::from_search_query("gt", None).is_none());
    /// assert!(Code::from_search_query("gt", Some(CodeSystem::Modifier)).is_some());
    /// ```
    pub fn from_search_query(query: &str, system: Option<CodeSystem>) -> Option<Code> {
        let q = query.trim();
        if q.contains(char::is_whitespace) {
            return None;
        }
        let code = Code::parse(q).ok()?;
        let short_system =
            matches!(system, Some(CodeSystem::Modifier | CodeSystem::Pos)) && code.len <= 2;
        (code.as_bytes().iter().any(u8::is_ascii_digit) || q.contains('.') || short_system)
            .then_some(code)
    }

    /// Parses a code and checks that it has the shape `system` requires.
    #[inline]
    pub fn parse_for(system: CodeSystem, input: &str) -> Result<Code, CodeError> {
        let code = Code::parse(input)?;
        if system.accepts(&code) {
            Ok(code)
        } else {
            Err(Code::wrong_shape(system, input))
        }
    }

    #[cold]
    #[inline(never)]
    fn wrong_shape(system: CodeSystem, input: &str) -> CodeError {
        CodeError::WrongShape {
            input: input.to_owned(),
            system,
            expected: system.expected_shape(),
        }
    }

    /// Whether this code has the shape `system` requires.
    pub fn fits(&self, system: CodeSystem) -> bool {
        system.accepts(self)
    }

    /// Builds a code from bytes that are already normalised (as stored in an
    /// index file). Returns `None` when they are not.
    #[inline]
    pub fn from_normalised(b: &[u8]) -> Option<Code> {
        if b.is_empty() || b.len() > MAX_CODE_LEN {
            return None;
        }
        // Checked and copied in one pass (no `memcpy` call for a few bytes:
        // every entry an index read makes goes through here).
        let mut bytes = [0u8; MAX_CODE_LEN];
        for (d, &c) in bytes.iter_mut().zip(b) {
            if !(c.is_ascii_uppercase() || c.is_ascii_digit()) {
                return None;
            }
            *d = c;
        }
        Some(Code {
            len: b.len() as u8,
            bytes,
        })
    }

    /// The normalised code.
    #[inline]
    pub fn as_str(&self) -> &str {
        // Only ASCII letters and digits are ever stored.
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }

    /// The normalised code as bytes.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// The code as people write it in `system`: ICD-10-CM codes longer than three
    /// characters get their dot (`F411` → `F41.1`); every other code is unchanged.
    pub fn display_for(&self, system: CodeSystem) -> String {
        let mut d = String::with_capacity(usize::from(self.len) + 1);
        self.push_display_for(system, &mut d);
        d
    }

    /// Appends [`Code::display_for`]`(system)` to `out` (no allocation of
    /// its own: for messages written piece by piece).
    pub fn push_display_for(&self, system: CodeSystem, out: &mut String) {
        let s = self.as_str();
        match s.split_at_checked(3) {
            Some((head, tail)) if system == CodeSystem::Icd10Cm && !tail.is_empty() => {
                out.push_str(head);
                out.push('.');
                out.push_str(tail);
            }
            _ => out.push_str(s),
        }
    }
}

impl PartialOrd for Code {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Code {
    /// The code as one number that orders as its string does: its bytes
    /// big-endian, zero-padded past its length (a code holds no zero byte
    /// and has at most [`MAX_CODE_LEN`] < 16 bytes, so a prefix comes
    /// first). Compares, hashes and tests ranges in one instruction.
    ///
    /// # Example
    /// ```
    /// use procode_index::Code;
    /// let c = |s| Code::parse(s).unwrap();
    /// assert!(c("F41").ordinal() < c("F411").ordinal());
    /// assert!(c("F411").ordinal() < c("F42").ordinal());
    /// ```
    #[inline]
    pub fn ordinal(&self) -> u128 {
        let mut word = [0u8; 16];
        word[..MAX_CODE_LEN].copy_from_slice(&self.bytes);
        u128::from_be_bytes(word)
    }
}

impl Code {
    /// Whether `prefix` is a prefix of this code (as
    /// `self.as_bytes().starts_with(prefix.as_bytes())`).
    ///
    /// # Example
    /// ```
    /// use procode_index::Code;
    /// let c = |s| Code::parse(s).unwrap();
    /// assert!(c("F411").has_prefix(&c("F41")));
    /// assert!(c("F41").has_prefix(&c("F41")));
    /// assert!(!c("F41").has_prefix(&c("F411")));
    /// ```
    pub fn has_prefix(&self, prefix: &Code) -> bool {
        let n = u32::from(prefix.len);
        // The first n bytes of the 16-byte number (n is at most 15).
        let mask = if n == 0 { 0 } else { !0u128 << (128 - 8 * n) };
        prefix.len <= self.len && (self.ordinal() ^ prefix.ordinal()) & mask == 0
    }
}

impl Ord for Code {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // As `self.as_bytes().cmp(other.as_bytes())`, without a memcmp call.
        self.ordinal().cmp(&other.ordinal())
    }
}

impl fmt::Debug for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Code({})", self.as_str())
    }
}

impl FromStr for Code {
    type Err = CodeError;
    fn from_str(s: &str) -> Result<Self, CodeError> {
        Code::parse(s)
    }
}

impl TryFrom<&str> for Code {
    type Error = CodeError;
    fn try_from(s: &str) -> Result<Self, CodeError> {
        Code::parse(s)
    }
}

impl AsRef<str> for Code {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_of_a_few_bytes_is_their_little_endian_value() {
        let bytes: Vec<u8> = (1..=8u8).map(|b| b * 31).collect();
        for n in 1..=8 {
            let mut word = [0u8; 8];
            word[..n].copy_from_slice(&bytes[..n]);
            assert_eq!(
                little_endian_word(&bytes[..n]),
                u64::from_le_bytes(word),
                "{n}"
            );
        }
    }

    #[test]
    fn the_word_path_parses_as_the_byte_loop_does() {
        // Every input of up to three bytes from an alphabet around the
        // class edges, and longer ones built from them, against the byte
        // loop alone (`parse` with the word path skipped).
        let alphabet: Vec<u8> = b"/09:@AZ[`az{ .\x7f".to_vec();
        let mut inputs: Vec<Vec<u8>> = vec![Vec::new()];
        for _ in 0..3 {
            let more: Vec<Vec<u8>> = inputs
                .iter()
                .flat_map(|p| {
                    alphabet.iter().map(move |&b| {
                        let mut q = p.clone();
                        q.push(b);
                        q
                    })
                })
                .collect();
            inputs.extend(more);
        }
        let long: Vec<Vec<u8>> = inputs
            .iter()
            .filter(|p| p.len() == 3)
            .flat_map(|p| {
                [
                    [p.as_slice(), b"A1b2Z"].concat(),
                    [b"G04".as_slice(), p.as_slice(), b"9"].concat(),
                    [b"e11".as_slice(), p.as_slice(), b"65"].concat(),
                    [p.as_slice(), b"zz9"].concat(),
                ]
            })
            .collect();
        inputs.extend(long);
        inputs.push("é1".as_bytes().to_vec());
        inputs.push("A\u{e9}".as_bytes().to_vec());
        for input in inputs {
            let Ok(text) = std::str::from_utf8(&input) else {
                continue;
            };
            let by_loop = {
                let mut s = String::from(" ");
                s.push_str(text);
                // A leading space skips the word path and is dropped.
                Code::parse(&s)
            };
            let got = Code::parse(text);
            match (&got, &by_loop) {
                (Ok(a), Ok(b)) => assert_eq!(a.as_bytes(), b.as_bytes(), "{text:?}"),
                (Err(_), Err(_)) => {}
                _ => panic!(
                    "{text:?}: {:?} against {:?}",
                    got.map(|c| c.to_string()),
                    by_loop.map(|c| c.to_string())
                ),
            }
            if let Some(c) = Code::parse_word(&input) {
                assert_eq!(Ok(c), by_loop.clone(), "{text:?}");
            }
        }
    }

    #[test]
    fn codes_order_as_their_strings() {
        let texts = "A A0 A00 A000 A0000 A01 AZ B F41 F411 F4110 G0438 G04389 Z Z9 \
                     ZZZZZZZZZZZZZZZ 0 09 9 99213 S0000XA";
        let codes: Vec<Code> = texts
            .split_whitespace()
            .map(|t| Code::parse(t).unwrap())
            .collect();
        for a in &codes {
            for b in &codes {
                assert_eq!(a.cmp(b), a.as_bytes().cmp(b.as_bytes()), "{a} vs {b}");
                assert_eq!(
                    a.has_prefix(b),
                    a.as_bytes().starts_with(b.as_bytes()),
                    "{a} prefix {b}"
                );
            }
        }
    }

    #[test]
    fn normalises_dots_spaces_and_case() {
        for input in ["f41.1", "F411", " F41.1 ", "f 4 1 1"] {
            assert_eq!(Code::parse(input).unwrap().as_str(), "F411", "{input}");
        }
        assert_eq!(Code::parse("..").unwrap_err(), CodeError::Empty);
        assert!(matches!(
            Code::parse("G04-1"),
            Err(CodeError::InvalidChar {
                ch: '-',
                position: 3,
                ..
            })
        ));
        assert!(matches!(
            Code::parse("A234567890123456"),
            Err(CodeError::TooLong { max: 15, .. })
        ));
        assert!(Code::parse("É1").is_err());
    }

    #[test]
    fn shapes_per_system() {
        // (system, codes of its shape, codes that are not)
        let cases: [(CodeSystem, &[&str], &[&str]); 6] = [
            (CodeSystem::Hcpcs, &["g0438"], &["99213"]),
            (CodeSystem::Cpt, &["99213", "0001U"], &["0001X"]),
            (CodeSystem::Icd10Cm, &["QA0", "E11.65"], &["11"]),
            (CodeSystem::Icd10Pcs, &["0DTJ4ZZ"], &[]),
            (CodeSystem::Modifier, &["gt"], &["GTX"]),
            (CodeSystem::Pos, &["11"], &["1A"]),
        ];
        for (system, valid, invalid) in cases {
            for text in valid {
                assert!(Code::parse_for(system, text).is_ok(), "{system} {text}");
            }
            for text in invalid {
                assert!(Code::parse_for(system, text).is_err(), "{system} {text}");
            }
        }
        let e = Code::parse_for(CodeSystem::Pos, "1A").unwrap_err();
        assert!(e.to_string().contains("two digits"), "{e}");
    }

    #[test]
    fn dotted_display_only_for_icd10cm() {
        let c = Code::parse("E1165").unwrap();
        assert_eq!(c.display_for(CodeSystem::Icd10Cm), "E11.65");
        assert_eq!(c.display_for(CodeSystem::Custom), "E1165");
        assert_eq!(
            Code::parse("F41").unwrap().display_for(CodeSystem::Icd10Cm),
            "F41"
        );
    }

    #[test]
    fn code_like_queries() {
        let q = |s: &str, sys| Code::from_search_query(s, sys).map(|c| c.as_str().to_owned());
        assert_eq!(q("G04", None).as_deref(), Some("G04"));
        assert_eq!(q("f41.", None).as_deref(), Some("F41"));
        assert_eq!(q(" E11.6 ", None).as_deref(), Some("E116"));
        assert_eq!(q("diab mell", None), None);
        assert_eq!(q("wheelchair", None), None);
        assert_eq!(q("gt", Some(CodeSystem::Modifier)).as_deref(), Some("GT"));
        assert_eq!(q("gt", None), None);
        assert_eq!(q("b-12", None), None);
        assert_eq!(q("", None), None);
        assert_eq!(q(".", None), None);
        assert_eq!(q("A234567890123456", None), None);
    }

    #[test]
    fn systems_round_trip_by_name_and_tag() {
        for s in CodeSystem::ALL {
            assert_eq!(s.as_str().to_uppercase().parse::<CodeSystem>().unwrap(), s);
            assert_eq!(CodeSystem::from_u8(s.to_u8()), Some(s));
        }
        assert_eq!(CodeSystem::from_u8(0), None);
        assert_eq!(CodeSystem::from_u8(8), None);
        assert!(matches!(
            "snomed".parse::<CodeSystem>(),
            Err(CodeError::UnknownSystem { .. })
        ));
    }

    #[test]
    fn json_uses_normalised_strings() {
        let c: Code = serde_json::from_str("\"f41.1\"").unwrap();
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"F411\"");
        let s: CodeSystem = serde_json::from_str("\"HCPCS\"").unwrap();
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"hcpcs\"");
    }
}
