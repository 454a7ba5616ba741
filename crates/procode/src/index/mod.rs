//! The immutable index file: building ([`IndexBuilder`]) and reading.

pub(crate) mod builder;
pub(crate) mod container;
pub(crate) mod format;
pub(crate) mod reader;

pub(crate) use builder::check_entry_pub as check_entry;
pub use builder::{IndexBuilder, MAX_DESCRIPTION_LEN};
pub use reader::Verify;
