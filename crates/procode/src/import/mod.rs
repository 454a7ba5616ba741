//! Importers: turn source files into catalog [`Entry`](crate::Entry) values.
pub mod common;
pub mod tsv;
