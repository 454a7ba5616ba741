//! A bounded memo of per-code answers, shared by the clones and threads of
//! what owns it (a catalog's ICD-10-CM facts, an edits file's code ids):
//! claims repeat the same few thousand codes, so an answer decoded once is
//! kept and a repeated code costs a hash probe.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::code::Code;

/// Code → answer, forgetting everything once it would pass `cap` codes
/// (bounded memory whatever codes callers send).
pub(crate) struct CodeMemo<V> {
    seen: RwLock<Answers<V>>,
    cap: usize,
}

/// Answers by their code's [`Code::ordinal`] (one number: hashed in one
/// multiply, compared in one instruction).
type Answers<V> = HashMap<u128, V, BuildHasherDefault<WordHash>>;

/// The hasher of maps keyed by a code's [`Code::ordinal`] (a memo's
/// codes, a batch scrub's statuses): one folded multiply of the key's two
/// halves (the keys are the caller's own codes; they only pick a bucket).
#[derive(Default)]
pub(crate) struct WordHash(u64);

impl std::hash::Hasher for WordHash {
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Not used by the memos (their keys are written with `write_u128`).
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    #[inline]
    fn write_u128(&mut self, i: u128) {
        let (hi, lo) = ((i >> 64) as u64, i as u64);
        let m = u128::from(hi ^ lo.rotate_left(29) ^ self.0) * u128::from(0x9e37_79b9_7f4a_7c15u64);
        self.0 = (m as u64) ^ ((m >> 64) as u64);
    }
}

impl<V: Clone> CodeMemo<V> {
    /// An empty memo of at most `cap` codes.
    pub(crate) fn new(cap: usize) -> Self {
        CodeMemo {
            seen: RwLock::default(),
            cap,
        }
    }

    /// How many codes it holds.
    pub(crate) fn len(&self) -> usize {
        self.read().len()
    }

    // A panic while the lock is held cannot leave the map half-updated (an
    // insert either happened or not): a poisoned lock is used as it is.
    fn read(&self) -> RwLockReadGuard<'_, Answers<V>> {
        self.seen.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Answers<V>> {
        self.seen.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The answers for `codes` (in order): those held, and `fill`'s for the
    /// others, which are then kept. The lock is not held while `fill` runs.
    ///
    /// # Errors
    /// The first error of `fill` (nothing is kept then).
    #[cfg(test)]
    pub(crate) fn answers<E>(
        &self,
        codes: &[Code],
        fill: impl FnMut(&Code) -> Result<V, E>,
    ) -> Result<Vec<V>, E> {
        let mut out = Vec::new();
        self.answers_into(codes, fill, &mut out)?;
        Ok(out)
    }

    /// The answers for `codes` (in order) into `out` (emptied first, its
    /// room reused): those held, and `fill`'s for the others, which are
    /// then kept. The lock is not held while `fill` runs.
    ///
    /// # Errors
    /// The first error of `fill` (nothing is kept then, and `out` is left
    /// empty).
    pub(crate) fn answers_into<E>(
        &self,
        codes: &[Code],
        mut fill: impl FnMut(&Code) -> Result<V, E>,
        out: &mut Vec<V>,
    ) -> Result<(), E> {
        out.clear();
        let mut slots: Vec<Option<V>> = {
            let seen = self.read();
            // Nearly always every code is held: no second pass.
            for c in codes {
                match seen.get(&c.ordinal()) {
                    Some(v) => out.push(v.clone()),
                    None => break,
                }
            }
            if out.len() == codes.len() {
                return Ok(());
            }
            out.clear();
            codes
                .iter()
                .map(|c| seen.get(&c.ordinal()).cloned())
                .collect()
        };
        let mut fresh = Vec::new();
        for (slot, code) in slots.iter_mut().zip(codes) {
            if slot.is_none() {
                let v = fill(code)?;
                fresh.push((code.ordinal(), v.clone()));
                *slot = Some(v);
            }
        }
        if !fresh.is_empty() {
            let mut seen = self.write();
            if seen.len() + fresh.len() > self.cap {
                seen.clear();
            }
            seen.extend(fresh);
        }
        out.extend(slots.into_iter().flatten());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_kept_until_the_cap_and_errors_keep_nothing() {
        let memo: CodeMemo<usize> = CodeMemo::new(3);
        let codes: Vec<Code> = ["A00", "B00", "A00"]
            .iter()
            .map(|s| Code::parse(s).expect("a code"))
            .collect();
        let mut calls = 0;
        let got = memo
            .answers(&codes, |c| {
                calls += 1;
                Ok::<_, ()>(c.as_bytes()[0] as usize)
            })
            .expect("fills");
        assert_eq!(got, vec![65, 66, 65]);
        // A00 asked twice in one call is filled twice but kept once.
        assert_eq!((calls, memo.len()), (3, 2));
        let again = memo.answers(&codes[..2], |_| Err(())).expect("held");
        assert_eq!(again, vec![65, 66]);
        let more: Vec<Code> = ["C00", "D00"]
            .iter()
            .map(|s| Code::parse(s).expect("a code"))
            .collect();
        assert!(memo.answers(&more, |_| Err::<usize, _>("bad")).is_err());
        assert_eq!(memo.len(), 2);
        memo.answers(&more, |_| Ok::<_, ()>(0)).expect("fills");
        // Past the cap of 3, the memo starts again with the new codes.
        assert_eq!(memo.len(), 2);
    }
}
