//! The hash map the file builders use for short keys.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

/// A hash map keyed by short strings or integers during a build: [`Fx`]
/// hashes eight bytes per step, several times faster than SipHash (and than
/// the byte-at-a-time [`Fnv`]), and the keys come from the builder's own
/// input (no flooding to defend against). Nothing a build writes depends on
/// the map's iteration order.
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;

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

/// A multiply-rotate hash in the style of the Firefox/rustc "Fx" hash: each
/// word of input is mixed in with one xor, rotate and multiply; strings are
/// taken eight bytes at a time. Deterministic (no random seed), so a build's
/// work never depends on the process.
#[derive(Debug, Default, Clone, Copy)]
pub struct Fx(u64);

/// The odd multiplier of [`Fx`] (from the golden ratio, as in FxHash).
const FX_SEED: u64 = 0x517c_c1b7_2722_0a95;

impl Fx {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(FX_SEED);
    }
}

impl std::hash::Hasher for Fx {
    #[inline]
    fn finish(&self) -> u64 {
        // The multiply leaves the low bits weakest; the table indexes by
        // them, so fold the strong high bits down.
        self.0 ^ (self.0 >> 29)
    }

    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            // The length keeps "a" and "a\0" apart.
            self.add(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 59));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, BuildHasherDefault};

    #[test]
    fn fx_is_deterministic_and_spreads_short_keys() {
        let h = |s: &str| BuildHasherDefault::<Fx>::default().hash_one(s);
        assert_eq!(h("diabetes"), h("diabetes"));
        assert_ne!(h("a"), h("b"));
        assert_ne!(h("ab"), h("ba"));
        // Distinct short words land in distinct low-bit buckets often enough.
        let words = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"];
        let buckets: std::collections::HashSet<u64> = words.iter().map(|w| h(w) & 0xff).collect();
        assert!(buckets.len() >= 10, "{buckets:?}");
        let mut m: FastMap<&str, usize> = FastMap::default();
        for (i, w) in words.iter().enumerate() {
            m.insert(w, i);
        }
        assert!(words.iter().enumerate().all(|(i, w)| m[w] == i));
    }
}
