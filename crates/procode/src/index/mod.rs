//! The immutable index file: building ([`IndexBuilder`]) and reading.

mod builder;
pub(crate) mod format;
pub(crate) mod reader;

pub use builder::{IndexBuilder, MAX_DESCRIPTION_LEN};
pub use reader::Verify;
