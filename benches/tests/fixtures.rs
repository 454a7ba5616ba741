//! The report's fixtures hold what the report asserts before timing them: a
//! fixture that stopped being what its row says (a code set release moved on,
//! a code was terminated) fails here, in the test suite, not half-way through
//! a benchmark run.

use procode::Catalog;
use procode_benches::BillingFixture;

#[test]
fn the_billing_fixture_is_ready_on_the_embedded_catalog() {
    let cat = Catalog::embedded().expect("the embedded catalog opens");
    let fixture = BillingFixture::new(&cat);
    assert_eq!(
        fixture.run(&cat),
        0,
        "the billing row times a ready invoice: readiness must find no problem"
    );
}
