//! A problem detail's JSON written by hand for the batch scrub, which
//! reports some details by the ten thousand: byte for byte what
//! `serde_json` writes (a test checks it).

use chrono::NaiveDate;

use crate::ncci::MueExceeded;
use crate::problem::{push_date, push_u64, ProblemDetail};

/// Appends the JSON of detail `d` to `out`: exactly what `serde_json`
/// writes for it (`serde_json::to_string`), with the details a batch
/// scrub reports by the thousand (`MUE_EXCEEDED`,
/// `CODE_SET_NOT_CURRENT`, `EXCLUDES1_CONFLICT`) written straight into
/// `out`, without serde's map machinery; the others through `serde_json`.
///
/// # Errors
/// Those of `serde_json` (none for these types in practice).
pub(crate) fn write_json(d: &ProblemDetail, out: &mut String) -> Result<(), serde_json::Error> {
    match d {
        ProblemDetail::MueExceeded {
            code,
            date_of_service,
            mue,
            mai,
            units,
            lines,
            rationale,
        } => push_mue_json(
            out,
            &MueExceeded {
                code: *code,
                date_of_service: *date_of_service,
                mue: *mue,
                mai: *mai,
                units: *units,
                rationale,
            },
            lines.iter().map(String::as_str),
        ),
        ProblemDetail::CodeSetNotCurrent {
            system,
            date_of_service,
            newest,
            newest_valid_from,
            newest_valid_through,
        } => {
            out.push_str("{\"kind\":\"code_set_not_current\",\"system\":");
            push_json_str(out, system.as_str());
            out.push_str(",\"date_of_service\":");
            push_json_date(out, Some(*date_of_service));
            out.push_str(",\"newest\":");
            push_json_str(out, newest);
            out.push_str(",\"newest_valid_from\":");
            push_json_date(out, Some(*newest_valid_from));
            out.push_str(",\"newest_valid_through\":");
            push_json_date(out, *newest_valid_through);
            out.push('}');
        }
        ProblemDetail::Excludes1Conflict {
            code,
            excluded,
            note,
            note_at,
        } => {
            // Codes need no escape.
            out.push_str("{\"kind\":\"excludes1_conflict\",\"code\":\"");
            out.push_str(code.as_str());
            out.push_str("\",\"excluded\":\"");
            out.push_str(excluded.as_str());
            out.push_str("\",\"note\":");
            push_json_str(out, note);
            out.push_str(",\"note_at\":");
            push_json_str(out, note_at);
            out.push('}');
        }
        other => out.push_str(&serde_json::to_string(other)?),
    }
    Ok(())
}

/// Appends the JSON of the `MUE_EXCEEDED` detail of `m` on `lines`: what
/// `serde_json` writes for [`ProblemDetail::MueExceeded`].
pub(crate) fn push_mue_json<'l>(
    out: &mut String,
    m: &MueExceeded<'_>,
    lines: impl Iterator<Item = &'l str>,
) {
    // A code needs no escape.
    out.push_str("{\"kind\":\"mue_exceeded\",\"code\":\"");
    out.push_str(m.code.as_str());
    out.push('"');
    out.push_str(",\"date_of_service\":");
    push_json_date(out, m.date_of_service);
    out.push_str(",\"mue\":");
    push_u64(out, u64::from(m.mue));
    out.push_str(",\"mai\":");
    push_u64(out, u64::from(m.mai.as_u8()));
    out.push_str(",\"units\":");
    push_u64(out, m.units);
    out.push_str(",\"lines\":[");
    for (k, l) in lines.enumerate() {
        if k > 0 {
            out.push(',');
        }
        push_json_str(out, l);
    }
    out.push_str("],\"rationale\":");
    push_json_str(out, m.rationale);
    out.push('}');
}

/// Appends `s` as a JSON string: as is between quotes when nothing in it
/// needs an escape (codes, line ids, rationales), else as `serde_json`
/// escapes it.
fn push_json_str(out: &mut String, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push('"');
        out.push_str(s);
        out.push('"');
        return;
    }
    match serde_json::to_string(s) {
        Ok(text) => out.push_str(&text),
        // Serialising a string cannot fail; keep the output JSON if it did.
        Err(_) => out.push_str("null"),
    }
}

/// Appends a date as JSON (a string as `NaiveDate` serialises, or `null`).
fn push_json_date(out: &mut String, d: Option<NaiveDate>) {
    match d {
        Some(d) => {
            out.push('"');
            push_date(out, d);
            out.push('"');
        }
        None => out.push_str("null"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::{Code, CodeSystem};
    use crate::ncci::MueAdjudication;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a date")
    }

    #[test]
    fn details_written_by_hand_are_serde_json_byte_for_byte() {
        let odd = [
            "CMS Policy",
            "",
            "quote \" and backslash \\",
            "tab\tnew line\ncontrol \u{1} \u{1f}",
            "unicode: é — 🦀 \u{7f}",
        ];
        let dates = [
            None,
            Some(day(2025, 6, 27)),
            Some(day(0, 1, 1)),
            Some(day(9999, 12, 31)),
            Some(day(12, 2, 3)),
            Some(day(10_000, 1, 1)),
            Some(day(-40, 1, 1)),
        ];
        let mut details = Vec::new();
        for (k, text) in odd.iter().enumerate() {
            for (j, date) in dates.iter().enumerate() {
                let mai = [
                    MueAdjudication::Line,
                    MueAdjudication::DatePolicy,
                    MueAdjudication::DateClinical,
                ][(k + j) % 3];
                let lines: Vec<String> = odd[..(k + j) % odd.len()]
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect();
                details.push(ProblemDetail::MueExceeded {
                    code: Code::parse("L7186").expect("a code"),
                    date_of_service: *date,
                    mue: [0, 1, u32::MAX][j % 3],
                    mai,
                    units: [1, 10, 1234567, u64::MAX][(k + j) % 4],
                    lines,
                    rationale: (*text).to_owned(),
                });
                details.push(ProblemDetail::CodeSetNotCurrent {
                    system: [CodeSystem::Hcpcs, CodeSystem::Icd10Cm, CodeSystem::Pos][j % 3],
                    date_of_service: date.unwrap_or(day(2025, 1, 1)),
                    newest: (*text).to_owned(),
                    newest_valid_from: dates[(j + 1) % dates.len()].unwrap_or(day(1, 1, 1)),
                    newest_valid_through: dates[(j + k) % dates.len()],
                });
            }
        }
        details.push(ProblemDetail::ManifestationFirst {
            code: Code::parse("F02").expect("a code"),
        });
        for (k, text) in odd.iter().enumerate() {
            details.push(ProblemDetail::Excludes1Conflict {
                code: Code::parse("F411").expect("a code"),
                excluded: Code::parse(["F410", "S72001A", "Z0000", "E1165", "I10"][k])
                    .expect("a code"),
                note: (*text).to_owned(),
                note_at: odd[(k + 1) % odd.len()].to_owned(),
            });
        }
        for d in &details {
            let mut mine = String::from("prefix ");
            write_json(d, &mut mine).expect("writes");
            let serde = serde_json::to_string(d).expect("serialises");
            assert_eq!(mine, format!("prefix {serde}"), "{d:?}");
        }
    }
}
