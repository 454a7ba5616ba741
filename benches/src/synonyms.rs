//! The curated synonym list of search now lives in the core
//! (`procode::synonyms`); re-exported here for the checks of the shipped list.
pub use procode::synonyms::*;
