//! Finding the code references in a note's text: codes (`F41.1`), categories
//! with descendants (`F41.-`, `R40.2-`), ranges (`E08-E13`, `I63.3-I63.5-`,
//! `M05.00 to M05.8A`), lists of them (`O10-O11, O13-O16`), and a qualifier
//! after a list ("with .44", "with 7th character B").
//!
//! A code-shaped word (a letter, then a digit and a letter or digit, or a
//! letter and a digit; then optionally a dot and up to four letters or
//! digits) is a reference. Outside parentheses it is taken only when it is a
//! code of the list (so "vitamin B12" is a word); inside parentheses every
//! code-shaped word is a reference, and an unknown one leaves the note
//! unresolved.

/// One reference as written: a code or a range, codes normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum RawRef {
    /// A code (with or without the `-` / `.-` "and below" mark).
    Code(String),
    /// A range from one code to another (both inclusive, with descendants).
    Range(String, String),
}

/// References joined by commas, "and" or "or", with an optional qualifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Group {
    pub(super) refs: Vec<RawRef>,
    /// Whether the group starts inside parentheses.
    pub(super) in_parens: bool,
    /// "with …" after the group, lower case, without the closing parenthesis.
    pub(super) qualifier: Option<String>,
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80
}

fn is_code_char(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit()
}

/// A code-shaped word starting at `i`: (end, normalised code).
fn code_at(t: &[u8], i: usize) -> Option<(usize, String)> {
    if i > 0 && is_word_byte(t[i - 1]) {
        return None;
    }
    let (a, b, c) = (*t.get(i)?, *t.get(i + 1)?, *t.get(i + 2)?);
    if !a.is_ascii_uppercase() {
        return None;
    }
    let shape =
        (b.is_ascii_digit() && is_code_char(c)) || (b.is_ascii_uppercase() && c.is_ascii_digit());
    if !shape {
        return None;
    }
    let mut code = String::from_utf8_lossy(&t[i..i + 3]).into_owned();
    let mut j = i + 3;
    if t.get(j) == Some(&b'.') {
        let mut k = j + 1;
        while k < t.len() && k - (j + 1) < 4 && is_code_char(t[k]) {
            k += 1;
        }
        // "J96." (a bare dot) is allowed; more than four characters is not a code.
        if k < t.len() && is_word_byte(t[k]) {
            return None;
        }
        code.push_str(&String::from_utf8_lossy(&t[j + 1..k]));
        j = k;
    } else if j < t.len() && is_word_byte(t[j]) {
        return None;
    }
    Some((j, code))
}

fn skip_spaces(t: &[u8], mut i: usize) -> usize {
    while i < t.len() && (t[i] == b' ' || t[i] == b'\t') {
        i += 1;
    }
    i
}

/// Whether the word `w` (lower case) starts at `i`, followed by a space.
fn word_at(t: &[u8], i: usize, w: &str) -> bool {
    let w = w.as_bytes();
    t.len() > i + w.len()
        && t[i..i + w.len()].eq_ignore_ascii_case(w)
        && (t[i + w.len()] == b' ' || t[i + w.len()] == b'\t')
}

/// After a code ending at `j`: a range connector and the next code, if any.
/// Returns (end, code).
fn range_end(t: &[u8], j: usize) -> Option<(usize, String)> {
    let mut k = j;
    // ".-" then directly another code: "F98.2.-F98.3".
    if t[k..].starts_with(b".-") {
        return code_at(t, k + 2);
    }
    k = skip_spaces(t, k);
    if k < t.len() && t[k] == b'-' {
        while k < t.len() && (t[k] == b'-' || t[k] == b' ') {
            k += 1;
        }
        return code_at(t, k);
    }
    if word_at(t, k, "to") {
        return code_at(t, skip_spaces(t, k + 2));
    }
    None
}

/// Skips an "and below" mark (`-` or `.-`) right after a code.
fn skip_mark(t: &[u8], j: usize) -> usize {
    if t[j..].starts_with(b".-") {
        j + 2
    } else if t.get(j) == Some(&b'-') {
        j + 1
    } else {
        j
    }
}

/// After a reference ending at `j`: a list separator followed by a code
/// (", ", " and ", " or ", ", or "). Returns the position of the next code.
fn next_in_list(t: &[u8], j: usize) -> Option<usize> {
    let mut k = skip_spaces(t, j);
    let mut sep = false;
    if k < t.len() && t[k] == b',' {
        k = skip_spaces(t, k + 1);
        sep = true;
    }
    for w in ["and", "or"] {
        if word_at(t, k, w) {
            k = skip_spaces(t, k + w.len());
            sep = true;
            break;
        }
    }
    (sep && code_at(t, k).is_some()).then_some(k)
}

/// The qualifier after a group ending at `j`: optional `,`, optional `)`,
/// then "with …" up to the closing parenthesis, `;` or the end.
fn qualifier_at(t: &[u8], j: usize) -> Option<String> {
    let mut k = skip_spaces(t, j);
    if k < t.len() && t[k] == b',' {
        k = skip_spaces(t, k + 1);
    }
    if k < t.len() && t[k] == b')' {
        k = skip_spaces(t, k + 1);
    }
    // "S92.-with 7th character B": no space before "with".
    if !(t.len() >= k + 5 && t[k..k + 4].eq_ignore_ascii_case(b"with") && t[k + 4] == b' ') {
        return None;
    }
    let end = t[k..]
        .iter()
        .position(|&b| b == b')' || b == b';')
        .map_or(t.len(), |p| k + p);
    let q = String::from_utf8_lossy(&t[k..end])
        .trim()
        .to_ascii_lowercase();
    Some(q)
}

/// Every group of references in `text`, in order. `known` says whether a
/// normalised code is a code of the list (used for words outside
/// parentheses).
pub(super) fn scan(text: &str, known: &dyn Fn(&str) -> bool) -> Vec<Group> {
    let t = text.as_bytes();
    let mut groups = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < t.len() {
        match t[i] {
            b'(' => {
                depth += 1;
                i += 1;
                continue;
            }
            b')' => {
                depth = depth.saturating_sub(1);
                i += 1;
                continue;
            }
            _ => {}
        }
        let Some((end, code)) = code_at(t, i) else {
            i += 1;
            continue;
        };
        let in_parens = depth > 0;
        if !in_parens && !known(&code) {
            i = end;
            continue;
        }
        let mut refs = Vec::new();
        let mut at_end;
        let mut cur = (end, code);
        loop {
            let (end, code) = cur;
            match range_end(t, end) {
                Some((e2, c2)) => {
                    refs.push(RawRef::Range(code, c2));
                    at_end = skip_mark(t, e2);
                }
                None => {
                    refs.push(RawRef::Code(code));
                    at_end = skip_mark(t, end);
                }
            }
            match next_in_list(t, at_end).and_then(|k| code_at(t, k)) {
                Some(next) => cur = next,
                None => break,
            }
        }
        let qualifier = qualifier_at(t, at_end);
        groups.push(Group {
            refs,
            in_parens,
            qualifier,
        });
        i = at_end;
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(text: &str) -> Vec<Group> {
        scan(text, &|c| {
            c == "E724" || c == "H90" || c == "E08" || c == "E10" || c == "E11" || c == "E13"
        })
    }

    fn code(c: &str) -> RawRef {
        RawRef::Code(c.into())
    }

    fn range(a: &str, b: &str) -> RawRef {
        RawRef::Range(a.into(), b.into())
    }

    #[test]
    fn codes_categories_and_ranges() {
        let g = groups("generalized anxiety disorder (F41.1)");
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].refs, vec![code("F411")]);
        assert!(g[0].in_parens);
        assert_eq!(g[0].qualifier, None);
        assert_eq!(groups("x (F41.-)")[0].refs, vec![code("F41")]);
        assert_eq!(groups("x (R40.2-)")[0].refs, vec![code("R402")]);
        for (text, want) in [
            ("x (E08-E13)", range("E08", "E13")),
            ("x (O00-O9A)", range("O00", "O9A")),
            ("x (I63.3-I63.5-)", range("I633", "I635")),
            ("x (I70.2--I70.7-)", range("I702", "I707")),
            ("x (P28.3- - P28.4-)", range("P283", "P284")),
            ("x (I01.0 -I01.9)", range("I010", "I019")),
            ("x (M05.00 to M05.8A)", range("M0500", "M058A")),
            ("x (F98.2.-F98.3)", range("F982", "F983")),
        ] {
            assert_eq!(groups(text)[0].refs, vec![want], "{text}");
        }
        assert_eq!(groups("x (K85-K86.-)")[0].refs, vec![range("K85", "K86")]);
        assert_eq!(groups("x (J96.)")[0].refs, vec![code("J96")]);
    }

    #[test]
    fn lists() {
        assert_eq!(
            groups("x (O10-O11, O13-O16)")[0].refs,
            vec![range("O10", "O11"), range("O13", "O16")]
        );
        assert_eq!(
            groups("x (A00-R94 and T80-T88.6, T88.8)")[0].refs,
            vec![range("A00", "R94"), range("T80", "T886"), code("T888")]
        );
        assert_eq!(
            groups("x (C43.2-,C44.2-)")[0].refs,
            vec![code("C432"), code("C442")]
        );
        assert_eq!(
            groups("x (K50.014, K50.114,)")[0].refs,
            vec![code("K50014"), code("K50114")]
        );
        // Two groups in one note.
        let g = groups("a (I97.190), or b (I97.790)");
        assert_eq!(g.len(), 2);
        assert_eq!(g[1].refs, vec![code("I97790")]);
    }

    #[test]
    fn qualifiers() {
        let g = groups("x (E08-E13 with .44)");
        assert_eq!(g[0].qualifier.as_deref(), Some("with .44"));
        let g = groups("underdosing (T36-T50) with fifth or sixth character 6");
        assert_eq!(g[0].refs, vec![range("T36", "T50")]);
        assert_eq!(
            g[0].qualifier.as_deref(),
            Some("with fifth or sixth character 6")
        );
        let g = groups("x (S92.-with 7th character B)");
        assert_eq!(g[0].refs, vec![code("S92")]);
        assert_eq!(g[0].qualifier.as_deref(), Some("with 7th character b"));
        let g = groups("x (T39.0-, with sixth character 1-4)");
        assert_eq!(g[0].qualifier.as_deref(), Some("with sixth character 1-4"));
        let g = groups("(T51-T65) to identify chemical and intent");
        assert_eq!(g[0].qualifier, None);
    }

    #[test]
    fn any_slice_of_a_note_scans_without_panic() {
        let texts = [
            "x (I70.2--I70.7-) and (P28.3- - P28.4-), (M05.00 to M05.8A) with .51-.52",
            "(S92.-with 7th character B) (T39.0-, with sixth character 1-4)",
            "Sézary (C84.A-) é(E08.)(-)(.-)(A0",
        ];
        for t in texts {
            for i in (0..=t.len()).filter(|&i| t.is_char_boundary(i)) {
                for j in (i..=t.len()).filter(|&j| t.is_char_boundary(j)) {
                    let _ = groups(&t[i..j]);
                }
            }
        }
    }

    #[test]
    fn words_outside_parentheses() {
        // Known codes outside parentheses count; other code-shaped words do not.
        let g = groups("hyperammonemia syndrome E72.4");
        assert_eq!(g[0].refs, vec![code("E724")]);
        assert!(!g[0].in_parens);
        assert!(groups("vitamin B12 deficiency").is_empty());
        let g = groups("hearing loss as classified in H90.-");
        assert_eq!(g[0].refs, vec![code("H90")]);
        let g = groups("diabetic acidosis - see categories E08-E10, E11, E13 with ketoacidosis");
        assert_eq!(
            g[0].refs,
            vec![range("E08", "E10"), code("E11"), code("E13")]
        );
        assert_eq!(g[0].qualifier.as_deref(), Some("with ketoacidosis"));
        // Inside parentheses any code-shaped word is a reference.
        assert_eq!(groups("x (HGSIL)").len(), 0);
        assert_eq!(groups("x (G6PD)").len(), 0);
        assert_eq!(groups("x (PIN III)").len(), 0);
        assert_eq!(groups("(CD4)")[0].refs, vec![code("CD4")]);
        assert!(groups("H1N1 and COVID-19, Sézary").is_empty());
    }
}
