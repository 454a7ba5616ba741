//! The immutable index file: its format, the container it shares with the
//! NCCI edits file, its posting lists, and [`IndexBuilder`], which writes it.
//! Reading an index is `procode`'s part (`procode::Catalog`).

mod builder;
pub mod container;
mod fast_map;
pub mod format;
pub mod postings;

pub use builder::{IndexBuilder, MAX_DESCRIPTION_LEN};
pub use container::Verify;
pub use fast_map::{FastMap, Fnv, Fx};
