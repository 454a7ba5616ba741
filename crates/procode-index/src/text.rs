//! Text rules shared by the index builder and the query side: how descriptions
//! are cut into words (for the word index) and into tokens (for compact storage),
//! and the varint encoding used inside index files. A query must be cut into
//! words exactly as the descriptions were, so both sides use these functions.

/// Calls `f` with every word of `text`: a maximal run of ASCII letters and digits,
/// lower-cased into `buf`. Everything else (punctuation, spaces, non-ASCII) separates
/// words.
pub fn for_each_word(text: &str, buf: &mut String, mut f: impl FnMut(&str)) {
    buf.clear();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() {
            buf.push(b.to_ascii_lowercase() as char);
        } else if !buf.is_empty() {
            f(buf);
            buf.clear();
        }
    }
    if !buf.is_empty() {
        f(buf);
        buf.clear();
    }
}

/// The words of a query, lower-cased, in order, without duplicates.
pub fn query_words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut buf = String::new();
    for_each_word(text, &mut buf, |w| {
        if !out.iter().any(|o| o == w) {
            out.push(w.to_owned());
        }
    });
    out
}

/// Splits `text` into storage tokens: each token is a run of ASCII letters and
/// digits together with the separators that follow it (the first token may start
/// with separators). Concatenating the tokens gives `text` back exactly.
pub fn tokens(text: &str) -> impl Iterator<Item = &str> {
    let bytes = text.as_bytes();
    let mut start = 0usize;
    std::iter::from_fn(move || {
        if start >= bytes.len() {
            return None;
        }
        let mut i = start + 1;
        while i < bytes.len() {
            if bytes[i].is_ascii_alphanumeric() && !bytes[i - 1].is_ascii_alphanumeric() {
                break;
            }
            i += 1;
        }
        // Boundaries sit before an ASCII byte, so they are char boundaries.
        let tok = &text[start..i];
        start = i;
        Some(tok)
    })
}

/// Appends `v` as an unsigned LEB128 varint.
pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Reads an unsigned LEB128 varint at `*pos`, advancing it. `None` when the bytes
/// end early or the value overflows 64 bits.
#[inline]
pub fn get_varint(buf: &[u8], pos: &mut usize) -> Option<u64> {
    // Most varints in an index are one byte.
    let first = *buf.get(*pos)?;
    if first < 0x80 {
        *pos += 1;
        return Some(u64::from(first));
    }
    let mut v = 0u64;
    let mut shift = 0u32;
    loop {
        let b = *buf.get(*pos)?;
        *pos += 1;
        if shift >= 64 {
            return None;
        }
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Some(v);
        }
        shift += 7;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_concatenate_back() {
        for s in [
            "Cholera due to Vibrio cholerae 01, biovar cholerae",
            "  leading, spaces",
            "Telehealth Provided Other than in Patient’s Home",
            "",
            "a",
            "(parenthetical) – dash",
        ] {
            let t: Vec<&str> = tokens(s).collect();
            assert_eq!(t.concat(), s);
        }
        let t: Vec<&str> = tokens("Cholera due, to").collect();
        assert_eq!(t, ["Cholera ", "due, ", "to"]);
    }

    #[test]
    fn words_are_lowercase_alnum_runs() {
        assert_eq!(
            query_words("Diab. MELL, diab type-2"),
            ["diab", "mell", "type", "2"]
        );
        assert!(query_words(" ,. ").is_empty());
    }

    #[test]
    fn varints_round_trip() {
        let mut buf = Vec::new();
        for v in [0u64, 1, 127, 128, 300, u32::MAX as u64, u64::MAX] {
            put_varint(&mut buf, v);
        }
        let mut pos = 0;
        for v in [0u64, 1, 127, 128, 300, u32::MAX as u64, u64::MAX] {
            assert_eq!(get_varint(&buf, &mut pos), Some(v));
        }
        assert_eq!(get_varint(&buf, &mut pos), None);
        assert_eq!(get_varint(&[0x80, 0x80], &mut 0), None);
        assert_eq!(get_varint(&[0xff; 11], &mut 0), None);
    }
}
