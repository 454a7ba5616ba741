//! The CDC ICD-10-CM Tabular List XML (`icd10cm-tabular-*.xml`): chapters,
//! sections, the code hierarchy, the instructional notes and the
//! 7th-character rules, as a typed model ([`Tabular`]) and as a compact
//! serialisation for index files ([`encode`], [`TabularView`]).
//!
//! # Import
//! [`read_tabular`] parses the XML with a streaming (event) parser. Every
//! element and attribute of the CDC schema is known, and anything else —
//! an unknown element or attribute, text where only elements stand, an
//! unknown entity, a malformed code, a code that is not its parent's code
//! plus one character, a duplicate code, a truncated file — is an
//! [`ImportError`] naming the file and line (`BadRow`, `DuplicateCode`) or the
//! file (`BadFile`); the parser never panics. Note text is kept verbatim
//! (entities decoded, so "Sézary disease" stays as it is).
//!
//! What the model holds:
//! - the chapters (number, title, range) and sections (id, title, range,
//!   chapter, and the grouping section such as C00-C96 for C00-C14);
//! - every `diag` node in tabular order: code, title, parent, children,
//!   section, chapter, its note blocks by kind (`inclusionTerm`, `includes`,
//!   `excludes1`, `excludes2`, `codeFirst`, `codeAlso`, `useAdditionalCode`,
//!   `notes`), its `sevenChrDef` and `sevenChrNote`;
//! - the 7th-character rule of every leaf under a `sevenChrDef` (its own or
//!   the nearest ancestor's): which characters it takes. The codes are the leaf
//!   padded with the placeholder `X` to six characters plus the 7th character
//!   (S00.00 → S00.00XA). A note can withdraw characters: S06's "7th characters
//!   D and S do not apply to codes in category S06 with 6th character 7 … or
//!   8 …" is read and applied (a note of that shape that cannot be read is an
//!   error);
//! - manifestation codes: the code's title or an ancestor's says "in …
//!   diseases classified elsewhere" (also "in other diseases …", "in
//!   conditions …"; not "as the cause of diseases classified elsewhere"), see
//!   guideline I.A.13.
//!
//! # Note targets
//! The notes of `excludes1`, `excludes2`, `codeFirst`, `codeAlso` and
//! `useAdditionalCode` are resolved to [`CodeRange`]s at import time: a code
//! (`F41.1`), a category with descendants (`F41.-`, `R40.2-`), a range
//! (`E08-E13`, `O00-O9A`, taken in tabular order), lists of them, and the
//! qualifiers the list uses systematically: "with .44" (each category of the
//! list plus .44), "with 5th character 1", "with 7th character B or C",
//! "with fifth to sixth characters 51", "with fifth or sixth character 1-4"
//! and "with final characters -23" (the leaf's last character(s)). A note
//! whose references cannot all be resolved is kept with
//! [`Resolution::Unresolved`] and its reason — it names no code, a
//! code-shaped reference in parentheses is no code, or a qualifier the
//! importer cannot apply ("with open fracture 7th character") — and listed
//! by [`Tabular::report`]; it is never dropped, and a check must not use its
//! partial ranges. A lead-in line naming no code and ending with a colon
//! ("abscess of brain:") is a [`Resolution::Heading`].
//!
//! # `codeFirst`: conditional or not
//! Each `codeFirst` block is classified ([`CodeFirstRule`]):
//! 1. a block opening with a clause continuing "Code first" (", if
//!    applicable, …", ", for adverse effects, …") is conditional;
//! 2. a block any of whose notes says "if applicable", "if known", "if
//!    present", "complicating", "when" or "any" ("any associated …"), or
//!    whose first note (the instruction or its lead-in) says "due to"
//!    ("breast necrosis due to breast graft (T85.898)"), is conditional;
//! 3. several notes with no lead-in line (none ends with a colon) are
//!    alternative circumstances ("heart failure due to hypertension (I11.0)",
//!    "heart failure following surgery (I97.13-)", …), each applying only when
//!    it holds: conditional;
//! 4. otherwise — a single instruction ("underlying neoplasm (C00-D49)",
//!    "(T51-T65) to identify toxic agent") or a lead-in with examples
//!    ("underlying disease, such as:" …) — it is unconditional.
//!
//! # Example
//! ```
//! use procode_index::import::tabular::{read_tabular, NoteKind, Resolution};
//! use procode_index::Code;
//!
//! let xml = r#"<ICD10CM.tabular><version>2026</version>
//!   <chapter><name>5</name><desc>Mental disorders (F01-F99)</desc>
//!     <section id="F40-F48"><desc>Anxiety disorders (F40-F48)</desc>
//!       <diag><name>F41</name><desc>Other anxiety disorders</desc>
//!         <excludes1><note>anxiety in depression (F32.A)</note></excludes1>
//!         <diag><name>F41.1</name><desc>Generalized anxiety disorder</desc></diag>
//!       </diag>
//!       <diag><name>F32</name><desc>Depressive episode</desc>
//!         <diag><name>F32.A</name><desc>Depression, unspecified</desc></diag>
//!       </diag>
//!     </section>
//!   </chapter></ICD10CM.tabular>"#;
//! let t = read_tabular("tabular.xml", xml.as_bytes()).unwrap();
//! let f411 = Code::parse("F41.1").unwrap();
//! assert_eq!(t.children(&Code::parse("F41").unwrap()).unwrap(), vec![f411]);
//! let f41 = &t.nodes()[t.node_of(&Code::parse("F41").unwrap()).unwrap() as usize];
//! let note = &f41.notes[0];
//! assert_eq!(note.kind, NoteKind::Excludes1);
//! let ranges = note.notes[0].resolution.ranges().unwrap();
//! assert!(ranges[0].contains(&Code::parse("F32.A").unwrap()));
//!
//! // Malformed input is a typed error with the line.
//! let err = read_tabular("t.xml", b"<ICD10CM.tabular>\n<chapter><bogus/>").unwrap_err();
//! assert!(err.to_string().starts_with("t.xml:2:"), "{err}");
//! ```

mod encode;
mod model;
mod refs;
mod resolve;
mod rules;
#[cfg(test)]
mod tests;
mod xml;

use std::path::Path;

pub use encode::{
    encode, BlockData, DecodeError, GroupData, NodeData, Place, SevenChrData, SevenDefData,
    TabularSections, TabularView,
};
pub use model::{
    extension_code, Chapter, CodeFirstRule, CodeRange, CodeRef, Condition, Node, NodeId, Note,
    NoteBlock, NoteKind, Owner, Resolution, Section, SevenChr, SevenChrDef, SeventhRule, Tabular,
    Unresolvable,
};
pub use resolve::{KindCounts, TabularReport, UnresolvedNote};

use crate::error::{ImportError, RowError};

/// Reads the tabular list XML from `bytes` (`file` names it in errors).
pub fn read_tabular(file: &str, bytes: &[u8]) -> Result<Tabular, ImportError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.valid_up_to();
            let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64;
            return Err(ImportError::BadRow(RowError::new(
                file,
                line,
                "XML",
                format!("the file is not valid UTF-8 at byte {at}: the tabular list XML is UTF-8"),
            )));
        }
    };
    let mut t = xml::parse(file, text)?;
    rules::derive(&mut t)?;
    resolve::resolve_all(&mut t);
    Ok(t)
}

/// Reads the tabular list XML file at `path`.
pub fn read_tabular_path(path: &Path) -> Result<Tabular, ImportError> {
    let bytes = std::fs::read(path).map_err(|source| ImportError::Io {
        path: path.to_owned(),
        source,
    })?;
    read_tabular(&path.display().to_string(), &bytes)
}
