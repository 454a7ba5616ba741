//! `readiness` for the test suites, followed by the claim checks: every
//! document readiness rejects is also run through `claim::check` and every
//! export format, which must refuse it with `NotReady` listing (at least)
//! readiness's problems — never panic (issue 12, item 1).
#![allow(dead_code)]

use procode::billing::{BillingDocument, CodeSource, Pricing, Problem, ProblemCode, Severity};
use procode::claim::{self, ClaimContext, ClaimError, ClaimFormat, EXAMPLE_CONTEXT};

/// `procode::billing::readiness`'s errors, plus the claim checks on a
/// rejected document. The warnings (`CODE_SET_NOT_CURRENT`: the suites date
/// their documents in 2025-03, before the releases held) are left out once
/// checked to be warnings; `history_real_data` tests them.
pub fn readiness<D, S>(doc: &D, source: &S, pricing: Option<Pricing<'_>>) -> Vec<Problem>
where
    D: BillingDocument + ?Sized,
    S: CodeSource + ?Sized,
{
    let problems = errors(procode::billing::readiness(doc, source, pricing));
    if !problems.is_empty() {
        claim_refuses(doc, source, &problems);
    }
    problems
}

/// The errors of a problem list; every other problem must be a
/// `CODE_SET_NOT_CURRENT` warning.
pub fn errors(problems: Vec<Problem>) -> Vec<Problem> {
    problems
        .into_iter()
        .filter(|p| {
            if p.code.severity() == Severity::Error {
                return true;
            }
            assert_eq!(p.code, ProblemCode::CodeSetNotCurrent, "{p}");
            false
        })
        .collect()
}

/// The claim layer refuses `doc` (which readiness rejected with `problems`):
/// `check` lists them, and every format is `NotReady` with the same list.
pub fn claim_refuses<D, S>(doc: &D, source: &S, problems: &[Problem])
where
    D: BillingDocument + ?Sized,
    S: CodeSource + ?Sized,
{
    let ctx = ClaimContext::from_json(EXAMPLE_CONTEXT).expect("the example context reads");
    let found = errors(claim::check(doc, &ctx, source));
    for p in problems {
        // Readiness with pricing may drop NO_RATE; the claim never prices.
        assert!(
            found.contains(p),
            "{}: claim::check lacks readiness's {p}",
            doc.document()
        );
    }
    for format in [ClaimFormat::X12, ClaimFormat::Fhir, ClaimFormat::Cms1500] {
        match claim::export(doc, &ctx, source, format) {
            Err(ClaimError::NotReady { problems: p, .. }) => assert_eq!(errors(p), found),
            other => panic!(
                "{}: {format} export of a rejected document: {other:?}",
                doc.document()
            ),
        }
    }
}

/// Each problem's code and line id, in order.
pub fn codes_of(problems: &[Problem]) -> Vec<(&'static str, Option<&str>)> {
    problems
        .iter()
        .map(|p| (p.code.as_str(), p.line_id.as_deref()))
        .collect()
}
