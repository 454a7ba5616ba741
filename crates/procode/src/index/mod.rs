//! The immutable index file: building ([`IndexBuilder`], from
//! `procode-index`) and reading (this crate's catalog).

pub(crate) mod reader;

pub(crate) use procode_index::index::{container, format, postings, FastMap};
pub use procode_index::index::{IndexBuilder, Verify, MAX_DESCRIPTION_LEN};
