//! The document → readiness → claim path (issue 12): the input is split at
//! NUL bytes into a document's JSON, a claim context's JSON (empty: the
//! example context) and an edit batch's JSON (empty: no edit). The document
//! is loaded, checked for readiness, checked as a claim and exported in
//! every format, then edited and checked again. Never a panic; every
//! refusal typed; an export succeeds exactly when the claim check is empty;
//! a refused edit changes nothing; an edited document loads back from its
//! own JSON.
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use procode::billing::{
    parse_json, readiness, Document, DocumentError, EditBatch, Editor, Encounter, SessionState,
};
use procode::claim::{self, ClaimContext, ClaimError, ClaimFormat, EXAMPLE_CONTEXT};
use procode::Catalog;

fn catalog() -> &'static Catalog {
    static C: OnceLock<Catalog> = OnceLock::new();
    C.get_or_init(|| Catalog::embedded().expect("the fuzz build embeds the catalog"))
}

/// Readiness, the claim check and every export agree.
fn claims(doc: &Document, ctx: &ClaimContext) {
    let ready = readiness(doc, catalog(), None);
    let problems = claim::check(doc, ctx, catalog());
    for p in &ready {
        assert!(
            problems.contains(p),
            "the claim check lacks readiness's {p}"
        );
    }
    for format in [ClaimFormat::X12, ClaimFormat::Fhir, ClaimFormat::Cms1500] {
        match claim::export(doc, ctx, catalog(), format) {
            Ok(text) => assert!(problems.is_empty() && !text.is_empty()),
            Err(ClaimError::NotReady { problems: p, .. }) => {
                assert!(!p.is_empty());
                assert_eq!(p, problems);
            }
            Err(e) => panic!("untyped refusal of an export: {e}"),
        }
    }
}

/// The document as loaded from its own JSON must be itself.
fn loads_back(doc: &Document) {
    let text = serde_json::to_string(doc).expect("a document serialises");
    match Document::from_json(&text) {
        Ok(back) => assert_eq!(&back, doc, "JSON round trip changed the document"),
        Err(e) => panic!("a document does not load from its own JSON: {e}\n{text}"),
    }
}

/// Runs `edit` on a copy of `doc`: the edited copy when it succeeds, `None`
/// when it is refused, and then the copy must be unchanged.
fn kept_unless_refused<T: Clone + PartialEq + std::fmt::Debug>(
    mut doc: T,
    edit: impl FnOnce(&mut T) -> bool,
) -> Option<T> {
    let before = doc.clone();
    if edit(&mut doc) {
        return Some(doc);
    }
    assert_eq!(doc, before, "a refused edit changed the document");
    None
}

/// Edits the document the way its kind is edited; `None` when refused (and
/// then unchanged).
fn edit(doc: &Document, batch: &EditBatch) -> Option<Document> {
    let at = chrono::DateTime::from_timestamp(1_741_000_000, 0).expect("a time");
    let ed = Editor::new("fuzz", at);
    match doc.clone() {
        Document::Service(s) => {
            kept_unless_refused(s, |s| s.edit(batch, &ed).is_ok()).map(Document::Service)
        }
        Document::Invoice(i) => {
            kept_unless_refused(i, |i| i.edit(batch, &ed).is_ok()).map(Document::Invoice)
        }
        Document::Session(s) => {
            let enc = Encounter::from_parts(s, None).ok()?;
            let enc = kept_unless_refused(enc, |enc| {
                if enc.session().state() == SessionState::PendingConfirmation {
                    enc.review(batch, &ed).is_ok()
                } else {
                    enc.complete(batch, &ed, Some("INV-F")).is_ok()
                }
            })?;
            if let Some(inv) = enc.invoice() {
                loads_back(&Document::Invoice(inv.clone()));
            }
            Some(Document::Session(enc.session().clone()))
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |&b| b == 0);
    let (Some(doc), ctx, batch) = (parts.next(), parts.next(), parts.next()) else {
        return;
    };
    let Ok(doc) = std::str::from_utf8(doc) else {
        return;
    };
    let doc = match Document::from_json(doc) {
        Ok(d) => d,
        Err(DocumentError::Json(e)) => {
            assert!(!e.message.is_empty());
            return;
        }
        Err(DocumentError::Inconsistent { problem, .. }) => {
            assert!(!problem.is_empty());
            return;
        }
        Err(e) => panic!("an untyped document refusal: {e}"),
    };
    loads_back(&doc);
    let ctx_text = match ctx.map(std::str::from_utf8) {
        None | Some(Ok("")) => EXAMPLE_CONTEXT,
        Some(Ok(t)) => t,
        Some(Err(_)) => return,
    };
    let ctx = match ClaimContext::from_json(ctx_text) {
        Ok(c) => Some(c),
        Err(ClaimError::InvalidContext { message }) => {
            assert!(!message.is_empty());
            None
        }
        Err(e) => panic!("an untyped context refusal: {e}"),
    };
    if let Some(ctx) = &ctx {
        claims(&doc, ctx);
    }
    let Some(Ok(batch)) = batch.map(std::str::from_utf8) else {
        return;
    };
    let Ok(batch) = parse_json::<EditBatch>(batch, "edit batch") else {
        return;
    };
    if let Some(edited) = edit(&doc, &batch) {
        loads_back(&edited);
        if let Some(ctx) = &ctx {
            claims(&edited, ctx);
        }
    }
});
