//! # procode-index
//!
//! The code model, source importers and index file format of
//! [procode](https://example.invalid/procode): everything needed to turn
//! code-set files into a procode index file, and nothing that reads one.
//!
//! The `procode` library re-exports this crate (`procode::Code`,
//! `procode::Entry`, `procode::IndexBuilder`, `procode::import`, …) and adds the
//! catalog that opens and searches index files and the billing model. Its
//! build script uses this crate alone to compile the embedded default catalog,
//! which is why the index writer and the importers live here rather than in
//! `procode` itself.
//!
//! | module | what it holds |
//! |---|---|
//! | [`code`] | [`Code`], the normalised code newtype, and [`CodeSystem`] |
//! | [`entry`] | [`Entry`], one code of one system with descriptions and dates |
//! | [`date`] | [`parse_date`], the one `YYYY-MM-DD` date rule |
//! | [`import`] | the importers (TSV, CMS order files and addenda, mapped CSV, CMS HCPCS Excel) and [`import::Sources`] |
//! | [`index`] | [`IndexBuilder`], the file format, its container and posting lists |
//! | [`release`] | [`Release`]: a code set's release and its validity window |
//! | [`reporting`] | which HCPCS codes are quality-data reporting codes (ranked below services) |
//! | [`text`] | how descriptions are cut into words and tokens, varints |
//! | [`error`] | [`ImportError`], [`CatalogError`], [`UnknownName`] |
//!
//! # Features
//! * `xlsx`: the CMS HCPCS quarterly Excel importer
//!   (`import::read_hcpcs_xlsx`), which needs `calamine`. Off by default so
//!   that a build script compiling this crate stays small; `procode` turns it
//!   on.
//!
//! # Example
//! ```
//! use procode_index::import::{read_std_tsv, StdFile};
//! use procode_index::IndexBuilder;
//!
//! let tsv = "code\tname\tdescription\n11\tOffice\tA practitioner's office\n";
//! let entries = read_std_tsv(StdFile::PlaceOfService, "pos.tsv", tsv.as_bytes()).unwrap();
//! let mut builder = IndexBuilder::new();
//! builder.extend(entries);
//! let bytes = builder.build().unwrap();
//! assert!(bytes.starts_with(b"PRCDIDX"));
//! ```
#![deny(missing_docs)]
#![forbid(unsafe_code)]

/// The trait impls of a type named by its `as_str()`, written once for the
/// code systems, codes, currencies, synonym kinds, problem codes, …:
/// `display: T, …` writes `Display` as `as_str()`; `serde: T, …` writes
/// `Serialize` as `as_str()` and `Deserialize` through the type's `FromStr`
/// (its error's message becomes the serde error). Not part of the API:
/// exported (and hidden from the docs) only because the `procode` crate
/// uses it for its own types.
#[doc(hidden)]
#[macro_export]
macro_rules! as_str_impls {
    (display: $($t:ty),+ $(,)?) => {$(
        impl ::core::fmt::Display for $t {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )+};
    (serde: $($t:ty),+ $(,)?) => {$(
        impl ::serde::Serialize for $t {
            fn serialize<S: ::serde::Serializer>(
                &self,
                s: S,
            ) -> ::core::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $t {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                d: D,
            ) -> ::core::result::Result<Self, D::Error> {
                let s = <::std::string::String as ::serde::Deserialize>::deserialize(d)?;
                s.parse().map_err(::serde::de::Error::custom)
            }
        }
    )+};
}

/// The value of `all` whose `as_str()` is `name`, ignoring ASCII case and
/// surrounding white space: the one name match of the `FromStr` impls of
/// types named by their `as_str()` (code systems, currencies, verify
/// levels). Not part of the API: public (and hidden from the docs) only
/// because the `procode` crate uses it for its own types.
#[doc(hidden)]
///
/// A name spelled exactly as `as_str()` is found first, without trimming
/// or folding (the common case: a host passing `"hcpcs"` per lookup); the
/// names of each type differ ignoring case, so this finds the value the
/// full match would.
pub fn by_name<T: Copy>(
    all: impl IntoIterator<Item = T> + Clone,
    as_str: impl Fn(T) -> &'static str,
    name: &str,
) -> Option<T> {
    if let Some(v) = all.clone().into_iter().find(|&v| as_str(v) == name) {
        return Some(v);
    }
    let name = name.trim();
    all.into_iter()
        .find(|&v| as_str(v).eq_ignore_ascii_case(name))
}

pub mod code;
pub mod date;
pub mod entry;
pub mod error;
pub mod import;
pub mod index;
pub mod release;
pub mod reporting;
pub mod synonyms;
pub mod text;
pub mod weights;

pub use code::{Code, CodeError, CodeSystem, MAX_CODE_LEN};
pub use date::{parse_date, DateError};
pub use entry::{Entry, ShownEntry};
pub use error::{
    CatalogError, Classified, ColumnError, ErrorKind, ImportError, Result, RowError, UnknownName,
};
pub use index::{IndexBuilder, Verify, MAX_DESCRIPTION_LEN};
pub use release::Release;
