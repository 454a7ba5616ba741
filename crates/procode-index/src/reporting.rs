//! Quality-data reporting codes: the HCPCS Level II codes a practice puts on
//! a claim to report a quality measure (MIPS, formerly PQRS), not to bill a
//! service. G8432 "Depression screening not documented, reason not given",
//! G9903 "Patient screened for tobacco use and identified as a tobacco
//! non-user" and M1003 "Tb screening performed …" are reporting codes; G0444
//! "Annual depression screening, 5 to 15 minutes" is the service. Word
//! search ranks a reporting code below a service that matches the query as
//! well (the `reporting_code` weight of [`crate::weights`]); it stays
//! findable by its code and by its words.
//!
//! # The signal
//!
//! The CMS HCPCS quarterly file has no column that names a reporting code.
//! What they share, in the October 2025 file (8,463 codes):
//!
//! * pricing indicator `PRICE1` `00` ("service not separately priced by
//!   Part B"): CMS pays nothing for them. 3,301 codes have it, most of them
//!   services Medicare does not price but other payers do (S, T and H codes:
//!   H0004 behavioral health counseling), so it is not enough by itself;
//! * a G or M code (CMS's own temporary codes, where the reporting codes are
//!   numbered: G8xxx, G9xxx, M1xxx, and some G0xxx, G1xxx, G2xxx, G4xxx and
//!   M0xxx);
//! * a BETOS category that is not a kind of service: `Z2` (undefined),
//!   `M5B`, `M5D` or `P7B` (CMS files the measure codes of a specialty
//!   there). The G and M codes not priced by Part B in a service category
//!   (imaging `I*`, procedures `P*` other than `P7B`, tests `T*`, drugs
//!   `O1E`, visits `M1`–`M4`, and `Y1`/`Y2`, other services: the diabetes
//!   prevention program G9873–G9891, the coordinated-care fees G9001–G9012)
//!   are services.
//!
//! These three catch 1,873 codes (1,221 not terminated), among them every
//! G8xxx and M1xxx code the file leaves unpriced, and the MIPS value pathway
//! and specialty set codes (G0053–G0067, G4000–G4038, M0001–M0005). They
//! share every column with a few dozen services paid elsewhere (on the
//! physician fee schedule, by a CMS model or demonstration, or by the
//! hospice benefit), which [`SERVICES`] lists by hand and the rule leaves
//! out: G2211, the E/M visit complexity add-on, has the very same columns
//! as G9903. That leaves 1,827 reporting codes (1,180 not terminated).
//! No priced code is a reporting code: G0444, G0442/G0443, G0436/G0437,
//! G0121/G0105, G0438/G0439, DME and drugs are not.
//!
//! The rule reads the file's columns, so the xlsx importer
//! (`import::read_hcpcs_xlsx`, feature `xlsx`) applies it to each row it
//! imports. The normalised `hcpcs_level2.tsv` has no pricing
//! or BETOS column: its reporting codes come from `hcpcs_reporting.tsv`
//! beside it ([`LIST_FILE`], read by [`read_reporting_list`]; the embedded
//! catalog and [`load_data_dir`] use it), which is the rule applied to the
//! same quarterly file.
//!
//! [`load_data_dir`]: crate::import::load_data_dir

use std::collections::HashSet;

use crate::code::{Code, CodeSystem};
use crate::entry::Entry;
use crate::error::ImportError;
use crate::import::common::bad_row;

/// The BETOS categories CMS files quality-data reporting codes under (see
/// the [module](self) documentation): `Z2` undefined, `M5B` and `M5D`
/// specialist, `P7B` oncology.
pub const REPORTING_BETOS: [&str; 4] = ["Z2", "M5B", "M5D", "P7B"];

/// Services that share every column the rule reads with the reporting
/// codes (first and last code of each range, and what they are): CMS pays
/// them on another schedule than the one the HCPCS file's pricing
/// indicator describes.
pub const SERVICES: &[(&str, &str, &str)] = &[
    (
        "G0299",
        "G0300",
        "home health or hospice skilled nursing, each 15 minutes",
    ),
    (
        "G0390",
        "G0390",
        "trauma response team with hospital critical care",
    ),
    (
        "G2020",
        "G2022",
        "CMS model services (initial engagement, ET3 treatment in place)",
    ),
    (
        "G2172",
        "G2172",
        "all-inclusive payment for opioid use disorder treatment",
    ),
    (
        "G2211",
        "G2211",
        "visit complexity add-on to an office or outpatient E/M visit",
    ),
    (
        "G9037",
        "G9038",
        "CMS model interprofessional consultation and co-management",
    ),
    (
        "G9140",
        "G9140",
        "frontier extended stay clinic demonstration stay",
    ),
    (
        "G9148",
        "G9153",
        "medical home and MAPCP demonstration payments",
    ),
    ("G9156", "G9156", "face-to-face evaluation for a wheelchair"),
    (
        "G9473",
        "G9490",
        "hospice services each 15 minutes, care choice model, CMMI home visits",
    ),
    (
        "G9678",
        "G9686",
        "oncology care model payment, nursing facility acute care demonstration",
    ),
    ("M1145", "M1145", "most favored nation model drug add-on"),
];

/// Whether an HCPCS Level II code is a quality-data reporting code, from
/// its row of the CMS quarterly file: its pricing indicator (`PRICE1`) and
/// BETOS category (see the [module](self) documentation).
///
/// # Example
/// ```
/// use procode_index::reporting::is_reporting_code;
/// use procode_index::Code;
/// let code = |c| Code::parse(c).unwrap();
/// assert!(is_reporting_code(&code("G8432"), "00", "M5D"));
/// assert!(!is_reporting_code(&code("G0444"), "13", "Y1")); // priced: the service
/// assert!(!is_reporting_code(&code("G2211"), "00", "Z2")); // a service paid elsewhere
/// assert!(!is_reporting_code(&code("H0004"), "00", "Z2")); // not a G or M code
/// ```
pub fn is_reporting_code(code: &Code, pricing: &str, betos: &str) -> bool {
    let c = code.as_str();
    pricing.trim() == "00"
        && matches!(c.as_bytes().first(), Some(b'G' | b'M'))
        && REPORTING_BETOS.contains(&betos.trim())
        && !SERVICES
            .iter()
            .any(|(from, to, _)| (*from..=*to).contains(&c))
}

/// The name of the list of reporting codes beside `hcpcs_level2.tsv` in a
/// data directory.
pub const LIST_FILE: &str = "hcpcs_reporting.tsv";

/// The header of [`LIST_FILE`]: the code, then the two columns of the CMS
/// file that made it one (kept as the evidence, checked by
/// [`read_reporting_list`]).
const LIST_HEADER: &str = "code\tpricing_indicator\tbetos";

/// Reads a list of reporting codes ([`LIST_FILE`]): UTF-8, tab-separated,
/// the header `code<TAB>pricing_indicator<TAB>betos`, then one row per code with
/// the CMS file's `PRICE1` and `BETOS` for it; lines starting with `#` are
/// comments. Every row must be a reporting code by [`is_reporting_code`]
/// (the list is the rule applied to a quarterly file), each code once.
/// `name` names the file in errors.
///
/// # Errors
/// [`ImportError::BadFile`] when the header is not the one above,
/// [`ImportError::BadRow`] naming the line and column of a row that is not
/// three fields, not an HCPCS code or not a reporting code by its columns,
/// [`ImportError::DuplicateCode`] for a code listed twice.
///
/// # Example
/// ```
/// use procode_index::reporting::read_reporting_list;
/// let list = "# from HCPC2025_OCT_ANWEB.xlsx\ncode\tpricing_indicator\tbetos\nG8432\t00\tM5D\n";
/// let codes = read_reporting_list("hcpcs_reporting.tsv", list).unwrap();
/// assert_eq!(codes[0].as_str(), "G8432");
/// let bad = "code\tpricing_indicator\tbetos\nG0444\t13\tY1\n";
/// let e = read_reporting_list("hcpcs_reporting.tsv", bad).unwrap_err();
/// assert!(e.to_string().starts_with("hcpcs_reporting.tsv:2: column code"), "{e}");
/// ```
pub fn read_reporting_list(name: &str, text: &str) -> Result<Vec<Code>, ImportError> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i as u64 + 1, l))
        .filter(|(_, l)| !l.starts_with('#'));
    match lines.next() {
        Some((_, h)) if h.trim_end_matches('\r') == LIST_HEADER => {}
        found => {
            return Err(ImportError::BadFile {
                file: name.to_owned(),
                problem: format!(
                    "the header must be {LIST_HEADER:?}, found {:?}",
                    found.map(|(_, h)| h).unwrap_or("")
                ),
            })
        }
    }
    let mut codes = Vec::new();
    let mut seen = crate::import::common::DuplicateCheck::new();
    for (line, raw) in lines {
        let raw = raw.trim_end_matches('\r');
        if raw.is_empty() {
            continue;
        }
        let f: Vec<&str> = raw.split('\t').collect();
        let [code, pricing, betos] = f.as_slice() else {
            return Err(bad_row(
                name,
                line,
                "code",
                format!(
                    "3 tab-separated fields expected (code, pricing_indicator, betos), found {}",
                    f.len()
                ),
            ));
        };
        let code =
            crate::import::common::parse_code_field(CodeSystem::Hcpcs, code, name, line, "code")?;
        if !is_reporting_code(&code, pricing, betos) {
            return Err(bad_row(
                name,
                line,
                "code",
                format!(
                    "{code} with pricing indicator {pricing:?} and BETOS {betos:?} is not a quality-data reporting code: regenerate the list from the CMS file"
                ),
            ));
        }
        seen.check(name, line, CodeSystem::Hcpcs, code)?;
        codes.push(code);
    }
    Ok(codes)
}

/// Marks the HCPCS Level II entries whose codes are in `codes` as reporting
/// codes ([`Entry::reporting`]); other entries, and codes of the list no
/// entry has, are left as they are (a list made from another quarter
/// than the entries marks the codes both hold).
pub fn mark_reporting(entries: &mut [Entry], codes: &[Code]) {
    let codes: HashSet<&Code> = codes.iter().collect();
    for e in entries {
        if e.system == CodeSystem::Hcpcs && codes.contains(&e.code) {
            e.reporting = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "code\tpricing_indicator\tbetos\n";

    #[test]
    fn the_list_is_checked_line_by_line() {
        let ok = format!("# c\n{HEADER}G8432\t00\tM5D\n\nM1003\t00\tZ2\n");
        let codes = read_reporting_list("l.tsv", &ok).unwrap();
        assert_eq!(codes.len(), 2);
        let e = read_reporting_list("l.tsv", "code\tbetos\n").unwrap_err();
        assert!(matches!(e, ImportError::BadFile { .. }), "{e}");
        let e = read_reporting_list("l.tsv", &format!("{HEADER}G8432\t00\n")).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("l.tsv:2: column code: 3 tab-separated"),
            "{e}"
        );
        let e = read_reporting_list("l.tsv", &format!("{HEADER}99213\t00\tZ2\n")).unwrap_err();
        assert!(e.to_string().starts_with("l.tsv:2: column code"), "{e}");
        let e = read_reporting_list("l.tsv", &format!("{HEADER}G2211\t00\tZ2\n")).unwrap_err();
        assert!(
            e.to_string().contains("not a quality-data reporting code"),
            "{e}"
        );
        let twice = format!("{HEADER}G8432\t00\tM5D\nG8432\t00\tM5D\n");
        let e = read_reporting_list("l.tsv", &twice).unwrap_err();
        assert!(
            matches!(e, ImportError::DuplicateCode { line: 3, .. }),
            "{e}"
        );
    }

    #[test]
    fn marking_touches_listed_hcpcs_codes_only() {
        let code = |c: &str| Code::parse(c).unwrap();
        let mut entries = vec![
            Entry::new(
                code("G8432"),
                CodeSystem::Hcpcs,
                "Depression screening not documented",
            ),
            Entry::new(code("G8432"), CodeSystem::Custom, "A practice's own G8432"),
            Entry::new(
                code("G0444"),
                CodeSystem::Hcpcs,
                "Annual depression screening",
            ),
        ];
        mark_reporting(&mut entries, &[code("G8432"), code("G9903")]);
        let marked: Vec<bool> = entries.iter().map(|e| e.reporting).collect();
        assert_eq!(marked, [true, false, false]);
    }

    #[test]
    fn services_sharing_the_columns_are_left_out() {
        for (from, to, _) in SERVICES {
            for c in [from, to] {
                let c = Code::parse(c).unwrap();
                assert!(!is_reporting_code(&c, "00", "Z2"), "{c:?}");
            }
        }
        let g = Code::parse("G9903").unwrap();
        assert!(is_reporting_code(&g, " 00 ", "Z2"));
        assert!(!is_reporting_code(&g, "13", "Z2"));
        assert!(!is_reporting_code(&g, "00", "Y1"));
    }
}
