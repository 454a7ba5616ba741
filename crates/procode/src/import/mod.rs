//! Importers: turn source files into catalog [`Entry`](crate::Entry) values.
pub mod common;
pub mod order;
pub mod tsv;
