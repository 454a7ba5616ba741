//! The hash map the file builders use for short keys.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

/// A hash map keyed by short strings or integers during a build: FNV-1a is
/// several times faster than SipHash there, and the keys come from the
/// builder's own input (no flooding to defend against).
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;

/// The 64-bit FNV-1a hash.
#[derive(Debug)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
}
