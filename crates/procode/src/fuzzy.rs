//! A Damerau–Levenshtein (optimal string alignment) automaton over bytes, for
//! typo-tolerant word search with `fst`.

use fst::Automaton;

/// The longest query word the automaton accepts.
pub(crate) const MAX_FUZZY_LEN: usize = 31;

/// Matches keys within `max` edits (insertion, deletion, substitution or
/// transposition of two neighbours) of the query. In prefix mode a key also
/// matches when one of its prefixes is within `max` edits.
#[derive(Debug)]
pub(crate) struct Typo<'a> {
    query: &'a [u8],
    max: u8,
    prefix: bool,
}

/// The automaton's state: the last two rows of the edit-distance table, the
/// last byte read, and whether a prefix already matched.
#[derive(Clone, Debug)]
pub(crate) struct TypoState {
    prev: [u8; MAX_FUZZY_LEN + 1],
    cur: [u8; MAX_FUZZY_LEN + 1],
    last: u8,
    started: bool,
    matched: bool,
}

impl<'a> Typo<'a> {
    /// `None` when the query is empty or longer than [`MAX_FUZZY_LEN`].
    pub(crate) fn new(query: &'a str, max: u8, prefix: bool) -> Option<Typo<'a>> {
        let q = query.as_bytes();
        (!q.is_empty() && q.len() <= MAX_FUZZY_LEN).then_some(Typo {
            query: q,
            max,
            prefix,
        })
    }

    fn min_row(&self, row: &[u8]) -> u8 {
        row[..=self.query.len()]
            .iter()
            .copied()
            .min()
            .unwrap_or(u8::MAX)
    }
}

impl Automaton for Typo<'_> {
    type State = TypoState;

    fn start(&self) -> TypoState {
        let mut cur = [u8::MAX; MAX_FUZZY_LEN + 1];
        for (j, c) in cur.iter_mut().enumerate().take(self.query.len() + 1) {
            *c = j as u8;
        }
        let matched = self.prefix && cur[self.query.len()] <= self.max;
        TypoState {
            prev: [u8::MAX; MAX_FUZZY_LEN + 1],
            cur,
            last: 0,
            started: false,
            matched,
        }
    }

    fn is_match(&self, s: &TypoState) -> bool {
        s.matched || s.cur[self.query.len()] <= self.max
    }

    fn can_match(&self, s: &TypoState) -> bool {
        s.matched
            || self.min_row(&s.cur) <= self.max
            || self.min_row(&s.prev).saturating_add(1) <= self.max
    }

    fn accept(&self, s: &TypoState, b: u8) -> TypoState {
        let q = self.query;
        let m = q.len();
        let mut next = [u8::MAX; MAX_FUZZY_LEN + 1];
        next[0] = s.cur[0].saturating_add(1);
        for j in 1..=m {
            let cost = u8::from(q[j - 1] != b);
            let mut v = s.cur[j]
                .saturating_add(1)
                .min(next[j - 1].saturating_add(1))
                .min(s.cur[j - 1].saturating_add(cost));
            if s.started && j > 1 && q[j - 1] == s.last && q[j - 2] == b {
                v = v.min(s.prev[j - 2].saturating_add(1));
            }
            next[j] = v;
        }
        let matched = s.matched || (self.prefix && next[m] <= self.max);
        TypoState {
            prev: s.cur,
            cur: next,
            last: b,
            started: true,
            matched,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(q: &str, max: u8, prefix: bool, key: &str) -> bool {
        let a = Typo::new(q, max, prefix).unwrap();
        let mut s = a.start();
        for &b in key.as_bytes() {
            if !a.can_match(&s) {
                return false;
            }
            s = a.accept(&s, b);
        }
        a.is_match(&s)
    }

    #[test]
    fn edit_kinds() {
        assert!(run("wheelchair", 1, false, "wheelchair"));
        assert!(run("wheelchiar", 1, false, "wheelchair"), "transposition");
        assert!(run("wheelchar", 1, false, "wheelchair"), "deletion");
        assert!(run("wheellchair", 1, false, "wheelchair"), "insertion");
        assert!(run("wheelchaor", 1, false, "wheelchair"), "substitution");
        assert!(!run("wheelchiar", 0, false, "wheelchair"));
        assert!(!run("whelchiar", 1, false, "wheelchair"));
        assert!(run("whelchiar", 2, false, "wheelchair"));
        assert!(run("pyschotherapy", 1, false, "psychotherapy"));
    }

    #[test]
    fn prefix_mode() {
        assert!(run("wheelchia", 1, true, "wheelchair"));
        assert!(!run("wheelchia", 1, false, "wheelchair"));
        assert!(!run("xyz", 1, true, "wheelchair"));
    }
}
