//! Text rules shared by the index builder and the query side: how descriptions
//! are cut into words (for the word index) and into tokens (for compact storage),
//! and the varint encoding used inside index files. A query must be cut into
//! words exactly as the descriptions were, so both sides use these functions.

/// Calls `f` with every word of `text`, folded: a maximal run of letters and
/// digits, lower-cased into `buf`, accented Latin letters replaced by their
/// plain letters (`é` → `e`, `ß` → `ss`), apostrophes dropped without
/// splitting the word (`Crohn's` → `crohns`). Everything else (spaces,
/// hyphens and other punctuation, letters without a plain Latin form)
/// separates words. Titles and queries are cut by this one function, so both
/// sides fold alike.
pub fn for_each_word(text: &str, buf: &mut String, mut f: impl FnMut(&str)) {
    buf.clear();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            buf.push(c.to_ascii_lowercase());
            continue;
        }
        if is_apostrophe(c) {
            continue;
        }
        if !c.is_ascii() {
            if let Some(plain) = plain_letters(c) {
                buf.push_str(plain);
                continue;
            }
        }
        if !buf.is_empty() {
            f(buf);
            buf.clear();
        }
    }
    if !buf.is_empty() {
        f(buf);
        buf.clear();
    }
}

/// Whether `c` is an apostrophe (typed or typographic): dropped inside words.
pub fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2019}' | '\u{2018}' | '\u{2bc}' | '`' | '\u{b4}'
    )
}

/// The plain lower-case letters of an accented Latin letter (either case),
/// or `None` for any other non-ASCII character.
pub fn plain_letters(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å'
        | 'Ā' | 'Ă' | 'Ą' => "a",
        'æ' | 'Æ' => "ae",
        'ç' | 'ć' | 'č' | 'ĉ' | 'Ç' | 'Ć' | 'Č' => "c",
        'ď' | 'đ' | 'Ď' | 'Đ' | 'ð' | 'Ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' | 'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ė' | 'Ę'
        | 'Ě' => "e",
        'ğ' | 'Ğ' => "g",
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ı' | 'Ì' | 'Í' | 'Î' | 'Ï' | 'Ī' | 'İ' => "i",
        'ł' | 'ľ' | 'Ł' | 'Ľ' => "l",
        'ñ' | 'ń' | 'ň' | 'Ñ' | 'Ń' | 'Ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | 'Ō'
        | 'Ő' => "o",
        'œ' | 'Œ' => "oe",
        'ř' | 'Ř' => "r",
        'ś' | 'š' | 'ş' | 'Ś' | 'Š' | 'Ş' => "s",
        'ß' => "ss",
        'ť' | 'ţ' | 'Ť' | 'Ţ' => "t",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ū' | 'Ů' | 'Ű' => {
            "u"
        }
        'ý' | 'ÿ' | 'Ý' | 'Ÿ' => "y",
        'ž' | 'ź' | 'ż' | 'Ž' | 'Ź' | 'Ż' => "z",
        _ => return None,
    })
}

/// Folds text as titles and queries are folded for matching (see
/// [`for_each_word`]): its words joined by one space.
///
/// # Example
/// ```
/// use procode_index::text::fold;
/// assert_eq!(fold("  Crohn's  disease "), "crohns disease");
/// assert_eq!(fold("Ménière's Non-emergency"), "menieres non emergency");
/// ```
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold_into(text, &mut String::new(), &mut out);
    out
}

/// [`fold`] into `out` (cleared first), with `word` as scratch space: no
/// allocation once the buffers have grown.
pub fn fold_into(text: &str, word: &mut String, out: &mut String) {
    out.clear();
    for_each_word(text, word, |w| {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    });
}

/// The most words a phrase key of the word index has (see [`phrase_forms`]).
pub const MAX_PHRASE_WORDS: usize = 6;

/// The whole-phrase forms of a title or inclusion term that a query can equal:
/// the text folded with parenthesised words left out (ICD-10-CM puts
/// nonessential modifiers in parentheses: "Essential (primary) hypertension"
/// is "essential hypertension"), and that again without a trailing
/// "unspecified", "NOS", "not otherwise specified" or "uncomplicated"
/// ("Insomnia, unspecified" is "insomnia"; F10.20 "Alcohol dependence,
/// uncomplicated" is "alcohol dependence"). Forms of more than
/// [`MAX_PHRASE_WORDS`] words are left out.
///
/// # Example
/// ```
/// use procode_index::text::phrase_forms;
/// assert_eq!(phrase_forms("Insomnia, unspecified"), ["insomnia unspecified", "insomnia"]);
/// assert_eq!(phrase_forms("Hypertension (arterial) (benign)"), ["hypertension"]);
/// assert_eq!(phrase_forms("Alcohol dependence, uncomplicated"), ["alcohol dependence uncomplicated", "alcohol dependence"]);
/// ```
pub fn phrase_forms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for_each_phrase_form(text, &mut PhraseScratch::default(), |form| {
        out.push(form.to_owned())
    });
    out
}

/// Scratch buffers of [`for_each_phrase_form`], reused from text to text.
#[derive(Debug, Default)]
pub struct PhraseScratch {
    full: String,
}

/// Calls `f` with each of [`phrase_forms`]`(text)`, in the same order,
/// without allocating once `scratch` has grown.
pub fn for_each_phrase_form(text: &str, scratch: &mut PhraseScratch, mut f: impl FnMut(&str)) {
    // The longest tail ("not otherwise specified") drops three words: a
    // text with more words than that beyond the limit has no form. Most
    // ICD-10-PCS titles and many ICD-10-CM ones are that long; they are
    // neither copied nor folded.
    if min_words_without_parentheses(text, MAX_PHRASE_WORDS + 4) > MAX_PHRASE_WORDS + 3 {
        return;
    }
    fold_without_parentheses_into(text, &mut scratch.full);
    let full = scratch.full.as_str();
    if full.is_empty() {
        return;
    }
    let words = |s: &str| s.bytes().filter(|&b| b == b' ').count() + 1;
    if words(full) <= MAX_PHRASE_WORDS {
        f(full);
    }
    for tail in [
        " unspecified",
        " nos",
        " not otherwise specified",
        " uncomplicated",
    ] {
        if let Some(head) = full.strip_suffix(tail) {
            if words(head) <= MAX_PHRASE_WORDS {
                f(head);
            }
        }
    }
}

/// [`fold`]`(&`[`without_parentheses`]`(text))` into `out` (cleared
/// first) in one pass over `text`, without the copy: the words of `text`
/// outside brackets, folded as [`for_each_word`] folds them, joined by one
/// space. A bracket is a separator either way (an opening one starts what is
/// left out, a closing one leaves a space), so a word never runs across one;
/// ASCII bytes, nearly every byte of a title, take no char decoding.
fn fold_without_parentheses_into(text: &str, out: &mut String) {
    out.clear();
    let mut depth = 0usize;
    // Whether the last character kept was part of a word: the next word
    // character continues it, else it starts a new word after a space.
    let mut in_word = false;
    fn start_word(out: &mut String, in_word: &mut bool) {
        if !*in_word && !out.is_empty() {
            out.push(' ');
        }
        *in_word = true;
    }
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii() {
            i += 1;
            match b {
                b'(' | b'[' => {
                    depth += 1;
                    in_word = false;
                }
                b')' | b']' => {
                    depth = depth.saturating_sub(1);
                    in_word = false;
                }
                _ if depth > 0 => {}
                _ if b.is_ascii_alphanumeric() => {
                    // The whole run of letters and digits at once.
                    let run = alnum_run_end(bytes, i);
                    start_word(out, &mut in_word);
                    let from = out.len();
                    out.push_str(&text[i - 1..run]);
                    out[from..].make_ascii_lowercase();
                    i = run;
                }
                _ if is_apostrophe(char::from(b)) => {}
                _ => in_word = false,
            }
            continue;
        }
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        i += c.len_utf8();
        if depth > 0 || is_apostrophe(c) {
            continue;
        }
        match plain_letters(c) {
            Some(plain) => {
                start_word(out, &mut in_word);
                out.push_str(plain);
            }
            None => in_word = false,
        }
    }
}

/// `text` with its parenthesised and bracketed parts left out (each
/// replaced by a space): ICD-10-CM's nonessential modifiers.
///
/// # Example
/// ```
/// use procode_index::text::without_parentheses;
/// assert_eq!(without_parentheses("diabetes (mellitus) NOS"), "diabetes   NOS");
/// ```
pub fn without_parentheses(text: &str) -> String {
    let mut kept = String::with_capacity(text.len());
    without_parentheses_into(text, &mut kept);
    kept
}

/// [`without_parentheses`] into `kept` (cleared first).
pub fn without_parentheses_into(text: &str, kept: &mut String) {
    kept.clear();
    // The brackets are ASCII, so every cut below is a char boundary: the
    // text between brackets is copied a slice at a time.
    let mut depth = 0usize;
    let mut from = 0usize;
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'(' | b'[' => {
                if depth == 0 {
                    kept.push_str(&text[from..i]);
                }
                depth += 1;
            }
            b')' | b']' => {
                if depth == 0 {
                    kept.push_str(&text[from..i]);
                }
                depth = depth.saturating_sub(1);
                kept.push(' ');
                from = i + 1;
            }
            _ => {}
        }
    }
    if depth == 0 {
        kept.push_str(&text[from..]);
    }
}

/// Where the run of ASCII letters and digits at `bytes[from..]` ends.
fn alnum_run_end(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|b| !b.is_ascii_alphanumeric())
        .map_or(bytes.len(), |n| from + n)
}

/// A lower bound of the number of words [`for_each_word`] cuts from
/// [`without_parentheses`]`(text)`, counted on the bytes of `text`: runs of
/// ASCII letters and digits outside brackets, apart by an ASCII separator
/// (a closing bracket is one: it leaves a space). A non-ASCII character may
/// join two runs, as an accented letter or a typographic apostrophe does,
/// so it never counts as a separator. Stops counting at `enough`.
fn min_words_without_parentheses(text: &str, enough: usize) -> usize {
    let mut words = 0;
    let mut apart = true;
    let mut depth = 0usize;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        i += 1;
        match b {
            b'(' | b'[' => depth += 1,
            b')' | b']' => {
                depth = depth.saturating_sub(1);
                apart = true;
            }
            _ if depth > 0 => {}
            _ if b.is_ascii_alphanumeric() => {
                words += usize::from(apart);
                if words >= enough {
                    return words;
                }
                apart = false;
                // The rest of the run changes nothing.
                i = alnum_run_end(bytes, i);
            }
            _ if b.is_ascii() && !is_apostrophe(char::from(b)) => apart = true,
            _ => {}
        }
    }
    words
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
        // The token ends where a letter or digit follows a byte that is
        // neither: past the run of letters and digits it starts with (if
        // any), then past the separators after it. One test per byte.
        let mut i = start;
        while i < bytes.len() && bytes[i].is_ascii_alphanumeric() {
            i += 1;
        }
        while i < bytes.len() && !bytes[i].is_ascii_alphanumeric() {
            i += 1;
        }
        // Boundaries sit before an ASCII byte, so they are char boundaries.
        let tok = &text[start..i];
        start = i;
        Some(tok)
    })
}

/// How many bytes [`put_varint`] writes for `v`.
pub fn varint_len(v: u64) -> usize {
    (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
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

    /// [`tokens`] cuts where its definition says: before every letter or
    /// digit that follows a byte that is neither (checked byte by byte).
    #[test]
    fn tokens_cut_before_each_word_start() {
        fn by_definition(text: &str) -> Vec<&str> {
            let b = text.as_bytes();
            let mut out = Vec::new();
            let mut start = 0;
            for i in 1..=b.len() {
                if i == b.len()
                    || (b[i].is_ascii_alphanumeric() && !b[i - 1].is_ascii_alphanumeric())
                {
                    out.push(&text[start..i]);
                    start = i;
                }
            }
            out
        }
        for s in [
            "Cholera due to Vibrio cholerae 01, biovar cholerae",
            "  leading, spaces",
            "trailing, spaces  ",
            "Telehealth Provided Other than in Patient’s Home",
            "Ménière's disease; α-thal, Sjögren",
            "",
            "a",
            "é",
            ",",
            "a,b",
            "--x--y--",
            "(parenthetical) – dash",
            "ABC123def 4-5/6",
        ] {
            assert_eq!(tokens(s).collect::<Vec<_>>(), by_definition(s), "{s:?}");
        }
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
    fn accents_apostrophes_and_case_fold_alike() {
        assert_eq!(query_words("Sjögren's SYNDROME"), ["sjogrens", "syndrome"]);
        assert_eq!(fold("Ménière"), fold("Meniere"));
        assert_eq!(fold("crohn’s"), "crohns");
        assert_eq!(fold("Non-emergency"), "non emergency");
        assert_eq!(fold("Straße Œdema"), "strasse oedema");
        assert_eq!(fold("α-thal"), "thal");
        assert_eq!(fold(" - "), "");
    }

    #[test]
    fn brackets_are_left_out_nested_or_unbalanced() {
        for (text, kept) in [
            ("a (b (c) d) e", "a    e"),
            ("a [b] c) d", "a   c  d"),
            ("Ménière (left) ear", "Ménière   ear"),
            ("open (never closed", "open "),
        ] {
            assert_eq!(without_parentheses(text), kept, "{text:?}");
        }
    }

    #[test]
    fn folding_without_parentheses_in_one_pass_is_the_two_steps() {
        let mut out = String::new();
        for s in [
            "Essential (primary) hypertension",
            "Crohn's disease, unspecified, without complications",
            "Ménière's disease (of) right ear [bilateral]",
            "a (b (c) d) e f-g h’i j`k",
            "a(b)c a)b c]d(e",
            "open (never closed",
            "x '(y)' z ' w ’ Straße Œdema α-thal",
            "'leading' apostrophe’s `quoted`",
            "(all) [bracketed]",
            "  ",
            "",
        ] {
            fold_without_parentheses_into(s, &mut out);
            assert_eq!(out, fold(&without_parentheses(s)), "{s:?}");
        }
    }

    #[test]
    fn the_word_bound_never_exceeds_the_words() {
        for s in [
            "Essential (primary) hypertension",
            "Crohn's disease, unspecified, without complications",
            "Ménière's disease (of) right ear [bilateral]",
            "a (b (c) d) e f-g h’i j`k",
            "Bypass Coronary Artery, One Artery from Aorta with Autologous Venous Tissue",
            "α-thal β γ",
            "(all) [bracketed]",
            "",
        ] {
            let words = fold(&without_parentheses(s)).split_whitespace().count();
            let bound = min_words_without_parentheses(s, usize::MAX);
            assert_eq!(min_words_without_parentheses(s, 3), bound.min(3), "{s:?}");
            assert!(bound <= words, "{s:?}: {bound} > {words}");
            if s.is_ascii() && !s.contains(['\'', '`']) {
                assert_eq!(bound, words, "{s:?}");
            }
        }
        // A long title has no phrase form: it is cut short before folding.
        let long = "Bypass Coronary Artery, One Artery from Aorta with Autologous Venous Tissue";
        assert!(phrase_forms(long).is_empty());
        let nos = "Left Right Upper Lower Front Back, not otherwise specified";
        assert_eq!(phrase_forms(nos), ["left right upper lower front back"]);
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

    #[test]
    fn varint_len_is_what_put_varint_writes() {
        for v in [
            0u64,
            1,
            127,
            128,
            16_383,
            16_384,
            1 << 21,
            u32::MAX as u64,
            u64::MAX,
        ] {
            let mut buf = Vec::new();
            put_varint(&mut buf, v);
            assert_eq!(varint_len(v), buf.len(), "{v}");
        }
    }
}
