//! Importers: turn source files into catalog [`Entry`](crate::Entry) values.
