//! The search-quality peer: an SQLite FTS5 index (bundled SQLite, default
//! `unicode61` tokenizer) over the same entries procode searches, ranked by
//! FTS5's bm25. Every query word is a prefix term and all must match (AND);
//! results are ordered by `bm25()`, then code and system (so ties are stable),
//! under the same system filter as procode's query.
//!
//! Each peer indexes an entry's normalised code (`E119`; a code-shaped query
//! such as `E11.9` or `j188` is a prefix term on it alone, falling back to
//! words when no code starts with it, as procode does), its titles (long and
//! short description) and, optionally, more text per entry given by an
//! [`ExtraTerms`] source, in a column of its own with the same bm25 weight as
//! the titles; word queries match the titles and that column. [`FtsPeer::titles`] is the peer of
//! the issue's "FTS5 over the titles"; the peer over titles plus ICD-10-CM
//! inclusion terms is [`FtsPeer::build`] with an [`ExtraTerms`] that answers an
//! entry's inclusion terms (from the tabular importer, once it is in the core):
//!
//! ```ignore
//! let peer = FtsPeer::build("FTS5 titles + inclusion terms", &entries, &inclusion_terms)?;
//! ```

use procode::{CodeSystem, Entry};
use rusqlite::{params, Connection};

use crate::quality::{Answer, DevQuery, DEPTH};

/// Text a peer indexes for an entry beside its titles (for instance its
/// ICD-10-CM inclusion terms). `None` or an empty string adds nothing.
pub trait ExtraTerms {
    /// The extra text of `entry`.
    fn terms(&self, entry: &Entry) -> Option<String>;
}

/// No extra text: the peer indexes the titles only.
#[derive(Debug, Clone, Copy, Default)]
pub struct TitlesOnly;

impl ExtraTerms for TitlesOnly {
    fn terms(&self, _: &Entry) -> Option<String> {
        None
    }
}

impl<F: Fn(&Entry) -> Option<String>> ExtraTerms for F {
    fn terms(&self, entry: &Entry) -> Option<String> {
        self(entry)
    }
}

/// An in-memory FTS5 peer, named for the report.
pub struct FtsPeer {
    name: String,
    conn: Connection,
}

impl std::fmt::Debug for FtsPeer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FtsPeer").field("name", &self.name).finish()
    }
}

impl FtsPeer {
    /// The peer over the titles (long and short descriptions) only.
    pub fn titles(entries: &[Entry]) -> rusqlite::Result<FtsPeer> {
        FtsPeer::build("FTS5 titles", entries, &TitlesOnly)
    }

    /// Builds a peer named `name` over `entries`, indexing each entry's titles
    /// and `extra.terms(entry)`.
    pub fn build(
        name: &str,
        entries: &[Entry],
        extra: &dyn ExtraTerms,
    ) -> rusqlite::Result<FtsPeer> {
        let conn = Connection::open_in_memory()?;
        conn.execute_batch(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
             CREATE VIRTUAL TABLE fts USING fts5(
                 code UNINDEXED, system UNINDEXED, description UNINDEXED, codes, titles, terms
             );
             BEGIN;",
        )?;
        {
            let mut ins = conn.prepare("INSERT INTO fts VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?;
            for e in entries {
                let titles =
                    if e.short_description.is_empty() || e.short_description == e.description {
                        e.description.clone()
                    } else {
                        format!("{} / {}", e.description, e.short_description)
                    };
                ins.execute(params![
                    e.code.as_str(),
                    e.system.to_u8(),
                    e.description,
                    e.code.as_str(),
                    titles,
                    extra.terms(e).unwrap_or_default(),
                ])?;
            }
        }
        conn.execute_batch("COMMIT; INSERT INTO fts(fts) VALUES('optimize');")?;
        Ok(FtsPeer {
            name: name.to_owned(),
            conn,
        })
    }

    /// The peer's name in the report.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The MATCH expression of a word query, over the titles and the extra
    /// terms: every word (a run of letters and digits, lower-cased) a quoted
    /// prefix term, all required (`Diab mell` →
    /// `{titles terms} : ("diab"* "mell"*)`). `None` when the query has no word.
    pub fn match_expr(query: &str) -> Option<String> {
        let terms: Vec<String> = query
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| format!("\"{}\"*", w.to_lowercase()))
            .collect();
        (!terms.is_empty()).then(|| format!("{{titles terms}} : ({})", terms.join(" ")))
    }

    /// The MATCH expression of a code-shaped query: one token of letters,
    /// digits and dots with at least one digit (`E11.9`, `e119`, `j188`), read
    /// as a prefix of the normalised code (`codes : "e119"*`). `None` for any
    /// other query.
    pub fn code_expr(query: &str) -> Option<String> {
        let q = query.trim();
        let code_shaped = !q.is_empty()
            && q.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.')
            && q.bytes().any(|b| b.is_ascii_digit());
        code_shaped.then(|| format!("codes : \"{}\"*", q.replace('.', "").to_lowercase()))
    }

    /// The first [`DEPTH`] matches of `query` under `system` (all systems
    /// when `None`), best bm25 first: a code-shaped query as a code prefix,
    /// falling back to words when no code starts with it (as procode does).
    pub fn search(
        &self,
        query: &str,
        system: Option<CodeSystem>,
    ) -> rusqlite::Result<Vec<(String, CodeSystem, String)>> {
        if let Some(expr) = FtsPeer::code_expr(query) {
            let hits = self.run(&expr, system)?;
            if !hits.is_empty() {
                return Ok(hits);
            }
        }
        match FtsPeer::match_expr(query) {
            Some(expr) => self.run(&expr, system),
            None => Ok(Vec::new()),
        }
    }

    fn run(
        &self,
        expr: &str,
        system: Option<CodeSystem>,
    ) -> rusqlite::Result<Vec<(String, CodeSystem, String)>> {
        let sql = "SELECT code, system, description FROM fts \
                   WHERE fts MATCH ?1 AND (?2 = 0 OR system = ?2) \
                   ORDER BY bm25(fts), code, system LIMIT ?3";
        let mut s = self.conn.prepare_cached(sql)?;
        let sys = system.map_or(0, CodeSystem::to_u8);
        let rows = s.query_map(params![expr, sys, DEPTH as i64], |r| {
            let tag: u8 = r.get(1)?;
            Ok((r.get::<_, String>(0)?, tag, r.get::<_, String>(2)?))
        })?;
        let mut out = Vec::with_capacity(DEPTH);
        for row in rows {
            let (code, tag, description) = row?;
            // Tags were written from CodeSystem::to_u8 by `build`.
            if let Some(system) = CodeSystem::from_u8(tag) {
                out.push((code, system, description));
            }
        }
        Ok(out)
    }

    /// Puts a dev-set query to the peer.
    pub fn ask(&self, q: &DevQuery) -> Answer {
        match self.search(&q.query, q.system) {
            Ok(results) => Answer {
                results,
                error: None,
                mode: None,
            },
            Err(e) => Answer::failed(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use procode::Code;

    fn entries() -> Vec<Entry> {
        let mk = |c: &str, s, d: &str| Entry::new(Code::parse(c).unwrap(), s, d);
        vec![
            mk(
                "E119",
                CodeSystem::Icd10Cm,
                "Type 2 diabetes mellitus without complications",
            ),
            mk(
                "E109",
                CodeSystem::Icd10Cm,
                "Type 1 diabetes mellitus without complications",
            ),
            mk("M722", CodeSystem::Icd10Cm, "Plantar fascial fibromatosis"),
            mk(
                "A4253",
                CodeSystem::Hcpcs,
                "Blood glucose test or reagent strips, per 50 strips",
            ),
            mk("E11", CodeSystem::Hcpcs, "Diabetes words in another system"),
        ]
    }

    #[test]
    fn prefix_terms_and_filter() {
        assert_eq!(
            FtsPeer::match_expr("Diab  mell").as_deref(),
            Some("{titles terms} : (\"diab\"* \"mell\"*)")
        );
        assert_eq!(FtsPeer::match_expr(" - "), None);
        assert_eq!(
            FtsPeer::code_expr(" E11.9 ").as_deref(),
            Some("codes : \"e119\"*")
        );
        assert_eq!(FtsPeer::code_expr("type 2"), None);
        assert_eq!(FtsPeer::code_expr("diab"), None);
        let p = FtsPeer::titles(&entries()).unwrap();
        let codes = |q: &str, s| -> Vec<String> {
            p.search(q, s).unwrap().into_iter().map(|r| r.0).collect()
        };
        let mut d = codes("type 2 diab", Some(CodeSystem::Icd10Cm));
        assert_eq!(d, ["E119"]);
        d = codes("diab", None);
        assert_eq!(d.len(), 3);
        assert!(codes("diab", Some(CodeSystem::Hcpcs)) == ["E11"]);
        assert!(codes("glucose strips", Some(CodeSystem::Icd10Cm)).is_empty());
        assert!(codes("plantar fasciitis", None).is_empty());
        // Code-shaped: a code prefix, not words; else words.
        assert_eq!(codes("e11.9", None), ["E119"]);
        assert_eq!(codes("e1", Some(CodeSystem::Icd10Cm)), ["E109", "E119"]);
        assert_eq!(codes("type 2", None), ["E119"]);
    }

    #[test]
    fn extra_terms_are_searched() {
        let inclusion = |e: &Entry| (e.code.as_str() == "M722").then(|| "Plantar fasciitis".into());
        let p = FtsPeer::build("titles + terms", &entries(), &inclusion).unwrap();
        let r = p.search("plantar fasc", Some(CodeSystem::Icd10Cm)).unwrap();
        assert_eq!(r[0].0, "M722");
        assert_eq!(p.search("fasciitis", None).unwrap().len(), 1);
    }
}
