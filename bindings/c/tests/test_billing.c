/* The billing entry points of procode, success and error paths: services,
 * fee schedules, policies, encounters through every flow, and readiness. */
#include <stdlib.h>

#include "helpers.h"

static const char BAD_UTF8[] = {'a', (char)0xFF, 'b', 0};

static const char SERVICE[] =
    "{\"id\":\"SVC-1\",\"name\":\"Counseling, 60 minutes\","
    "\"price\":{\"amount\":\"120.00\",\"currency\":\"USD\"},"
    "\"paid_in_advance\":true,\"insurance_billable\":true}";
static const char NORMAL_SERVICE[] =
    "{\"id\":\"SVC-2\",\"name\":\"Visit\","
    "\"price\":{\"amount\":\"80.00\",\"currency\":\"USD\"},"
    "\"paid_in_advance\":false,\"insurance_billable\":true}";
static const char REQUEST[] =
    "{\"session_id\":\"S-1\",\"client_id\":\"C-9\",\"date\":\"2025-03-03\","
    "\"payer_id\":\"AETNA\",\"invoice_id\":\"INV-7\"}";
static const char REQUEST_NO_INVOICE[] =
    "{\"session_id\":\"S-2\",\"client_id\":\"C-9\",\"date\":\"2025-03-03\"}";
static const char FEES[] =
    "code,modifiers,rate,effective,terminated\n"
    "H0004,HO,30.125,2025-01-01,\n"
    "H0004,,28.00,2025-01-01,\n"
    "G0444,,21.50,,\n";
static const char AT[] = "2025-03-02T09:00:00Z";
static const char EMPTY_BATCH[] = "{\"ops\":[]}";

/* The service with H0004 x4 (HO, F41.1, office) picked from the catalog. */
static char *coded_service(const procode_catalog *cat, const char *service) {
  char *op = NULL;
  EXPECT(PROCODE_OK,
         procode_catalog_add_op(cat, "H0004", "hcpcs", NULL,
                                "{\"units\":4,\"modifiers\":[\"HO\"],"
                                "\"diagnoses\":[\"F41.1\"],"
                                "\"place_of_service\":\"11\"}",
                                &op));
  return service_with_op(service, op, AT);
}

static void test_service_edit(const procode_catalog *cat) {
  char *svc = NULL, *out = NULL;
  char *coded = coded_service(cat, SERVICE);
  CHECK_HAS(coded, "\"kind\":\"service\"");
  CHECK_HAS(coded, "\"id\":\"L1\"");
  CHECK_HAS(coded, "\"actor\":\"admin\"");

  /* The written document is accepted back; the outcome names the line. */
  EXPECT(PROCODE_OK,
         procode_service_edit(coded,
                              "{\"ops\":[{\"op\":\"edit\",\"line_id\":\"L1\","
                              "\"changes\":{\"description\":\"Therapy\"}}]}",
                              "admin", AT, NULL, NULL, &svc, &out));
  CHECK_HAS(svc, "\"description\":\"Therapy\"");
  CHECK_HAS(out, "\"changed_lines\":[\"L1\"]");
  procode_string_free(svc);
  procode_string_free(out);
  svc = out = NULL;

  EXPECT(PROCODE_UNKNOWN_LINE,
         procode_service_edit(coded, "{\"ops\":[{\"op\":\"remove\",\"line_id\":\"L9\"}]}",
                              "admin", AT, NULL, NULL, &svc, NULL));
  CHECK_MESSAGE_HAS("L9");
  EXPECT(PROCODE_INVALID_LINE,
         procode_service_edit(coded,
                              "{\"ops\":[{\"op\":\"edit\",\"line_id\":\"L1\","
                              "\"changes\":{\"units\":0}}]}",
                              "admin", AT, NULL, NULL, &svc, NULL));
  EXPECT(PROCODE_INVALID_JSON,
         procode_service_edit("{\"id\":", EMPTY_BATCH, "admin", AT, NULL, NULL, &svc, NULL));
  EXPECT(PROCODE_INVALID_JSON,
         procode_service_edit(coded, "{\"ops\":[{\"op\":\"rename\"}]}", "admin", AT,
                              NULL, NULL, &svc, NULL));
  EXPECT(PROCODE_INVALID_JSON,
         procode_service_edit(coded, "[]", "admin", AT, NULL, NULL, &svc, NULL));
  EXPECT(PROCODE_INVALID_DATE,
         procode_service_edit(coded, EMPTY_BATCH, "admin", "2025-03-02", NULL, NULL, &svc, NULL));
  EXPECT(PROCODE_INVALID_UTF8,
         procode_service_edit(coded, EMPTY_BATCH, BAD_UTF8, AT, NULL, NULL, &svc, NULL));
  EXPECT(PROCODE_NULL_ARGUMENT,
         procode_service_edit(coded, EMPTY_BATCH, NULL, AT, NULL, NULL, &svc, NULL));
  EXPECT(PROCODE_NULL_ARGUMENT,
         procode_service_edit(NULL, EMPTY_BATCH, "admin", AT, NULL, NULL, &svc, NULL));
  EXPECT(PROCODE_NULL_ARGUMENT,
         procode_service_edit(coded, EMPTY_BATCH, "admin", AT, NULL, NULL, NULL, NULL));
  CHECK(svc == NULL);
  procode_string_free(coded);
}

static void test_pricing_and_policy(void) {
  procode_pricing *p = NULL;
  procode_policy *pol = NULL;
  char *json = NULL;

  EXPECT(PROCODE_OK, procode_pricing_new(&p));
  EXPECT(PROCODE_OK, procode_pricing_add_csv(p, "AETNA-2025", "AETNA", "usd", FEES, ','));
  EXPECT(PROCODE_OK, procode_pricing_add_csv(p, "DEFAULT", NULL, "USD",
                                             "code\trate\nG0444\t20.00\n", '\t'));
  CHECK(procode_pricing_len(p) == 2);
  EXPECT(PROCODE_INVALID_MONEY, procode_pricing_add_csv(p, "X", NULL, "XXX", FEES, ','));
  EXPECT(PROCODE_INVALID_FEE_SCHEDULE,
         procode_pricing_add_csv(p, "X", NULL, "USD", "code,rate\nH0004,abc\n", ','));
  CHECK_MESSAGE_HAS("rate");
  EXPECT(PROCODE_INVALID_FEE_SCHEDULE,
         procode_pricing_add_csv(p, "X", NULL, "USD", "code\nH0004\n", ','));
  EXPECT(PROCODE_INVALID_UTF8, procode_pricing_add_csv(p, "X", NULL, "USD", BAD_UTF8, ','));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_pricing_add_csv(NULL, "X", NULL, "USD", FEES, ','));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_pricing_add_csv(p, NULL, NULL, "USD", FEES, ','));
  CHECK(procode_pricing_len(p) == 2);
  CHECK(procode_pricing_len(NULL) == 0);
  EXPECT(PROCODE_NULL_ARGUMENT, procode_pricing_new(NULL));
  procode_pricing_free(p);
  procode_pricing_free(NULL);

  /* The default policy round-trips. */
  EXPECT(PROCODE_OK, procode_policy_to_json(NULL, &json));
  CHECK_HAS(json, "invoice_edit");
  EXPECT(PROCODE_OK, procode_policy_from_json(json, &pol));
  procode_string_free(json);
  json = NULL;
  EXPECT(PROCODE_OK, procode_policy_to_json(pol, &json));
  CHECK_HAS(json, "booking_review");
  procode_string_free(json);
  procode_policy_free(pol);
  pol = NULL;

  /* Loosening is refused; malformed JSON too. */
  EXPECT(PROCODE_INVALID_POLICY,
         procode_policy_from_json(
             "{\"rules\":[{\"context\":\"invoice_edit\",\"on\":{\"document\":"
             "\"invoice\",\"state\":\"paid\"},\"actions\":[\"add\"]}]}",
             &pol));
  CHECK_MESSAGE_HAS("tighten");
  EXPECT(PROCODE_INVALID_JSON, procode_policy_from_json("{\"rules\":", &pol));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_policy_from_json(NULL, &pol));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_policy_from_json("{\"rules\":[]}", NULL));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_policy_to_json(NULL, NULL));
  CHECK(pol == NULL);
  procode_policy_free(NULL);
}

static void test_paid_in_advance_flow(const procode_catalog *cat) {
  char *svc = coded_service(cat, SERVICE);
  procode_pricing *p = NULL;
  procode_encounter *enc = NULL, *copy = NULL;
  char *json = NULL, *out = NULL;
  const char *state = NULL;
  uint32_t version = 0;

  EXPECT(PROCODE_OK, procode_pricing_new(&p));
  EXPECT(PROCODE_OK, procode_pricing_add_csv(p, "AETNA-2025", "AETNA", "USD", FEES, ','));

  /* Booking errors. */
  EXPECT(PROCODE_BAD_BOOKING, procode_encounter_book(svc, REQUEST_NO_INVOICE, p, &enc));
  CHECK_MESSAGE_HAS("invoice id");
  EXPECT(PROCODE_INVALID_JSON,
         procode_encounter_book(svc, "{\"session_id\":\"S-1\",\"client_id\":\"C\","
                                     "\"date\":\"2025-02-30\"}", p, &enc));
  EXPECT(PROCODE_INVALID_JSON, procode_encounter_book(svc, "nope", p, &enc));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_encounter_book(svc, REQUEST, p, NULL));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_encounter_book(NULL, REQUEST, p, &enc));
  CHECK(enc == NULL);

  EXPECT(PROCODE_OK, procode_encounter_book(svc, REQUEST, p, &enc));
  CHECK_STR(procode_encounter_session_state(enc), "pending_confirmation");
  CHECK_STR(procode_encounter_invoice_state(enc), "draft");
  EXPECT(PROCODE_OK, procode_encounter_invoice_json(enc, &json));
  CHECK_HAS(json, "\"kind\":\"invoice\"");
  CHECK_HAS(json, "\"total\":{\"amount\":\"120.50\"");
  CHECK_HAS(json, "\"schedule_id\":\"AETNA-2025\"");
  procode_string_free(json);
  json = NULL;

  /* Review: add a screening, drop the modifier. */
  {
    char *op = NULL, batch[4096];
    EXPECT(PROCODE_OK, procode_catalog_add_op(cat, "G0444", "hcpcs", "2025-03-03",
                                              "{\"diagnoses\":[\"F32.9\"],"
                                              "\"place_of_service\":\"11\"}",
                                              &op));
    snprintf(batch, sizeof batch,
             "{\"ops\":[%s,{\"op\":\"edit\",\"line_id\":\"L1\",\"changes\":"
             "{\"modifiers\":[]}}]}",
             op ? op : "");
    procode_string_free(op);
    EXPECT(PROCODE_OK, procode_encounter_review(enc, batch, "front-desk", AT, p, NULL, &out));
    CHECK_HAS(out, "\"changed_lines\":[\"L2\",\"L1\"]");
    procode_string_free(out);
    out = NULL;
  }
  EXPECT(PROCODE_OK, procode_encounter_invoice_json(enc, &json));
  CHECK_HAS(json, "\"total\":{\"amount\":\"133.50\""); /* 4 x 28.00 + 21.50 */
  procode_string_free(json);
  json = NULL;
  EXPECT(PROCODE_UNKNOWN_LINE,
         procode_encounter_review(enc, "{\"ops\":[{\"op\":\"remove\",\"line_id\":\"L7\"}]}",
                                  "front-desk", AT, p, NULL, NULL));
  EXPECT(PROCODE_DUPLICATE_LINE,
         procode_encounter_review(enc,
                                  "{\"ops\":[{\"op\":\"add\",\"id\":\"L1\",\"system\":\"hcpcs\","
                                  "\"code\":\"G0444\",\"provenance\":\"manual\","
                                  "\"official_description\":null,\"description\":\"x\","
                                  "\"units\":1}]}",
                                  "front-desk", AT, p, NULL, NULL));
  EXPECT(PROCODE_INVALID_JSON, procode_encounter_review(enc, "{", "fd", AT, p, NULL, NULL));
  EXPECT(PROCODE_INVALID_DATE,
         procode_encounter_review(enc, EMPTY_BATCH, "fd", "not a time", p, NULL, NULL));
  EXPECT(PROCODE_NULL_ARGUMENT,
         procode_encounter_review(NULL, EMPTY_BATCH, "fd", AT, p, NULL, NULL));

  /* JSON round trip: the copy is an independent encounter. */
  EXPECT(PROCODE_OK, procode_encounter_to_json(enc, &json));
  EXPECT(PROCODE_OK, procode_encounter_from_json(json, &copy));
  {
    char *again = NULL;
    EXPECT(PROCODE_OK, procode_encounter_to_json(copy, &again));
    CHECK(again != NULL && strcmp(json, again) == 0);
    procode_string_free(again);
  }
  procode_string_free(json);
  json = NULL;
  EXPECT(PROCODE_OK, procode_encounter_cancel(copy));
  CHECK_STR(procode_encounter_session_state(copy), "cancelled");
  CHECK_STR(procode_encounter_invoice_state(copy), "void");
  EXPECT(PROCODE_INVALID_TRANSITION, procode_encounter_cancel(copy));
  CHECK_MESSAGE_HAS("cancelled");
  procode_encounter_free(copy);
  copy = NULL;

  /* Confirm: overpayment refused, partial payment leaves it sent. */
  EXPECT(PROCODE_INVALID_PAYMENT,
         procode_encounter_confirm(enc, "{\"id\":\"P1\",\"amount\":{\"amount\":\"500\","
                                        "\"currency\":\"USD\"},\"received_at\":"
                                        "\"2025-03-02T10:00:00Z\"}", &state));
  EXPECT(PROCODE_INVALID_JSON,
         procode_encounter_confirm(enc, "{\"id\":\"P1\",\"amount\":{\"amount\":10,"
                                        "\"currency\":\"USD\"},\"received_at\":"
                                        "\"2025-03-02T10:00:00Z\"}", &state));
  CHECK_STR(procode_encounter_session_state(enc), "pending_confirmation");
  EXPECT(PROCODE_OK,
         procode_encounter_confirm(enc, "{\"id\":\"P1\",\"amount\":{\"amount\":\"33.50\","
                                        "\"currency\":\"USD\"},\"received_at\":"
                                        "\"2025-03-02T10:00:00Z\"}", &state));
  CHECK_STR(state, "sent");
  CHECK_STR(procode_encounter_session_state(enc), "booked");
  EXPECT(PROCODE_INVALID_TRANSITION, procode_encounter_confirm(enc, NULL, &state));
  EXPECT(PROCODE_EDIT_NOT_ALLOWED,
         procode_encounter_review(enc, EMPTY_BATCH, "fd", AT, p, NULL, NULL));

  /* Below paid: removing both lines would drop the total under 33.50. */
  EXPECT(PROCODE_BELOW_PAID,
         procode_encounter_edit_invoice(enc,
                                        "{\"ops\":[{\"op\":\"remove\",\"line_id\":\"L1\"},"
                                        "{\"op\":\"remove\",\"line_id\":\"L2\"}]}",
                                        "billing", AT, p, NULL, NULL));
  CHECK_MESSAGE_HAS("already paid");

  /* A tightened policy makes a sent invoice read-only. */
  {
    procode_policy *strict = NULL;
    EXPECT(PROCODE_OK,
           procode_policy_from_json(
               "{\"rules\":[{\"context\":\"invoice_edit\",\"on\":{\"document\":"
               "\"invoice\",\"state\":\"draft\"},\"actions\":[\"add\",\"edit\","
               "\"remove\"]}]}",
               &strict));
    EXPECT(PROCODE_EDIT_NOT_ALLOWED,
           procode_encounter_edit_invoice(
               enc, "{\"ops\":[{\"op\":\"edit\",\"line_id\":\"L1\",\"changes\":{\"units\":3}}]}",
               "billing", AT, p, strict, NULL));
    procode_policy_free(strict);
  }

  /* Complete: the sent invoice is updated and must be re-sent. */
  EXPECT(PROCODE_OK,
         procode_encounter_complete(
             enc, "{\"ops\":[{\"op\":\"edit\",\"line_id\":\"L1\",\"changes\":{\"units\":5}}]}",
             NULL, "dr.lee", "2025-03-03T11:00:00Z", p, NULL, &out));
  CHECK_HAS(out, "\"kind\":\"updated\"");
  CHECK_HAS(out, "\"must_resend\":true");
  procode_string_free(out);
  out = NULL;
  CHECK_STR(procode_encounter_session_state(enc), "completed");
  EXPECT(PROCODE_INVALID_TRANSITION,
         procode_encounter_complete(enc, EMPTY_BATCH, NULL, "dr.lee", AT, p, NULL, NULL));
  EXPECT(PROCODE_INVALID_TRANSITION, procode_encounter_no_show(enc));

  /* Edit the sent invoice, re-send, pay the balance (5 x 28 + 21.50 - 33.50). */
  EXPECT(PROCODE_OK,
         procode_encounter_edit_invoice(
             enc, "{\"ops\":[{\"op\":\"edit\",\"line_id\":\"L2\",\"changes\":"
                  "{\"description\":\"Depression screening\"}}]}",
             "billing", AT, p, NULL, &out));
  CHECK_HAS(out, "\"must_resend\":true");
  procode_string_free(out);
  out = NULL;
  EXPECT(PROCODE_OK, procode_encounter_send_invoice(enc, &version));
  CHECK(version >= 2);
  EXPECT(PROCODE_INVALID_TRANSITION, procode_encounter_send_invoice(enc, NULL));
  EXPECT(PROCODE_HAS_PAYMENTS, procode_encounter_void_invoice(enc));
  EXPECT(PROCODE_INVALID_PAYMENT,
         procode_encounter_record_payment(enc, "{\"id\":\"P1\",\"amount\":{\"amount\":\"1\","
                                               "\"currency\":\"USD\"},\"received_at\":"
                                               "\"2025-03-04T10:00:00Z\"}", &state));
  CHECK_MESSAGE_HAS("P1");
  EXPECT(PROCODE_INVALID_JSON, procode_encounter_record_payment(enc, "{}", &state));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_encounter_record_payment(enc, NULL, &state));
  EXPECT(PROCODE_OK,
         procode_encounter_record_payment(enc, "{\"id\":\"P2\",\"amount\":{\"amount\":\"128.00\","
                                               "\"currency\":\"USD\"},\"received_at\":"
                                               "\"2025-03-04T10:00:00Z\"}", &state));
  CHECK_STR(state, "paid");
  CHECK_STR(procode_encounter_invoice_state(enc), "paid");

  /* Locked after payment. */
  EXPECT(PROCODE_EDIT_NOT_ALLOWED,
         procode_encounter_edit_invoice(enc, "{\"ops\":[{\"op\":\"remove\",\"line_id\":\"L2\"}]}",
                                        "billing", AT, p, NULL, NULL));
  CHECK_MESSAGE_HAS("invoice INV-7");
  CHECK_MESSAGE_HAS("paid");

  procode_encounter_free(enc);
  procode_encounter_free(NULL);
  procode_pricing_free(p);
  procode_string_free(svc);
}

static void test_normal_flow_and_readiness(const procode_catalog *cat) {
  char *svc = coded_service(cat, NORMAL_SERVICE);
  procode_encounter *enc = NULL;
  procode_problems *probs = NULL;
  char *json = NULL, *out = NULL;
  size_t i, n;
  int missing_diag = 0;

  EXPECT(PROCODE_OK, procode_encounter_book(svc, REQUEST_NO_INVOICE, NULL, &enc));
  CHECK_STR(procode_encounter_session_state(enc), "booked");
  CHECK(procode_encounter_invoice_state(enc) == NULL);
  EXPECT(PROCODE_NOT_FOUND, procode_encounter_invoice_json(enc, &json));
  EXPECT(PROCODE_NO_INVOICE, procode_encounter_send_invoice(enc, NULL));
  EXPECT(PROCODE_NO_INVOICE, procode_encounter_void_invoice(enc));
  EXPECT(PROCODE_NO_INVOICE,
         procode_encounter_edit_invoice(enc, EMPTY_BATCH, "b", AT, NULL, NULL, NULL));
  EXPECT(PROCODE_EDIT_NOT_ALLOWED,
         procode_encounter_review(enc, EMPTY_BATCH, "fd", AT, NULL, NULL, NULL));
  EXPECT(PROCODE_INVOICE_ID_REQUIRED,
         procode_encounter_complete(enc, EMPTY_BATCH, NULL, "dr", AT, NULL, NULL, NULL));
  CHECK_STR(procode_encounter_session_state(enc), "booked");

  /* Complete with a manual code and a line without diagnosis. */
  EXPECT(PROCODE_OK,
         procode_encounter_complete(
             enc,
             "{\"ops\":[{\"op\":\"add\",\"id\":\"\",\"system\":\"hcpcs\",\"code\":\"G9999\","
             "\"provenance\":\"manual\",\"official_description\":null,"
             "\"description\":\"Typed by hand\",\"units\":1}]}",
             "INV-9", "dr", AT, NULL, NULL, &out));
  CHECK_HAS(out, "\"kind\":\"created\"");
  procode_string_free(out);
  out = NULL;
  CHECK_STR(procode_encounter_invoice_state(enc), "draft");

  EXPECT(PROCODE_OK, procode_encounter_invoice_json(enc, &json));
  EXPECT(PROCODE_OK, procode_readiness(cat, json, NULL, &probs));
  n = procode_problems_len(probs);
  CHECK(n >= 2);
  for (i = 0; i < n; i++) {
    const char *code = procode_problems_code(probs, i);
    CHECK(code != NULL && procode_problems_message(probs, i) != NULL);
    if (code != NULL && strcmp(code, "MISSING_DIAGNOSIS") == 0) {
      missing_diag = 1;
      CHECK_STR(procode_problems_line_id(probs, i), "L2");
    }
  }
  CHECK(missing_diag);
  CHECK(procode_problems_code(probs, n) == NULL);
  CHECK(procode_last_error_code() == PROCODE_INDEX_OUT_OF_RANGE);
  CHECK(procode_problems_line_id(probs, n) == NULL);
  CHECK(procode_problems_message(probs, n + 7) == NULL);
  procode_problems_free(probs);
  probs = NULL;
  procode_string_free(json);
  json = NULL;

  /* The session document; a service; errors. */
  EXPECT(PROCODE_OK, procode_encounter_session_json(enc, &json));
  CHECK_HAS(json, "\"kind\":\"session\"");
  EXPECT(PROCODE_OK, procode_readiness(cat, json, NULL, &probs));
  procode_problems_free(probs);
  probs = NULL;
  procode_string_free(json);
  json = NULL;
  EXPECT(PROCODE_OK, procode_readiness(cat, svc, NULL, &probs));
  CHECK(procode_problems_len(probs) == 0);
  procode_problems_free(probs);
  probs = NULL;
  EXPECT(PROCODE_INVALID_JSON, procode_readiness(cat, "{\"kind\":\"memo\"}", NULL, &probs));
  EXPECT(PROCODE_INVALID_JSON, procode_readiness(cat, SERVICE, NULL, &probs)); /* no kind */
  EXPECT(PROCODE_INVALID_UTF8, procode_readiness(cat, BAD_UTF8, NULL, &probs));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_readiness(NULL, svc, NULL, &probs));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_readiness(cat, svc, NULL, NULL));
  CHECK(probs == NULL);
  CHECK(procode_problems_len(NULL) == 0);
  CHECK(procode_problems_code(NULL, 0) == NULL);
  procode_problems_free(NULL);

  /* No-show of another booking; NULL handles. */
  {
    procode_encounter *other = NULL;
    EXPECT(PROCODE_OK, procode_encounter_book(svc, REQUEST_NO_INVOICE, NULL, &other));
    EXPECT(PROCODE_OK, procode_encounter_no_show(other));
    CHECK_STR(procode_encounter_session_state(other), "no_show");
    procode_encounter_free(other);
  }
  EXPECT(PROCODE_NULL_ARGUMENT, procode_encounter_to_json(NULL, &json));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_encounter_to_json(enc, NULL));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_encounter_session_json(NULL, &json));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_encounter_cancel(NULL));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_encounter_no_show(NULL));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_encounter_confirm(NULL, NULL, NULL));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_encounter_void_invoice(NULL));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_encounter_send_invoice(NULL, NULL));
  CHECK(procode_encounter_session_state(NULL) == NULL);
  CHECK(procode_encounter_invoice_state(NULL) == NULL);
  CHECK(json == NULL);

  /* from_json: malformed, or an invoice of another session. */
  EXPECT(PROCODE_INVALID_JSON, procode_encounter_from_json("{\"session\":", &enc));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_encounter_from_json(NULL, NULL));
  {
    char *text = NULL, *p;
    procode_encounter *bad = NULL;
    EXPECT(PROCODE_OK, procode_encounter_to_json(enc, &text));
    /* Rename the session only: the invoice then names another session. */
    p = text ? strstr(text, "\"id\":\"S-2\"") : NULL;
    CHECK(p != NULL);
    if (p != NULL) {
      p[strlen("\"id\":\"S-")] = '3';
      EXPECT(PROCODE_INVOICE_MISMATCH, procode_encounter_from_json(text, &bad));
      CHECK_MESSAGE_HAS("S-3");
    }
    CHECK(bad == NULL);
    procode_string_free(text);
  }
  procode_encounter_free(enc);
  procode_string_free(svc);
}

static void tests(const procode_catalog *cat) {
  test_service_edit(cat);
  test_pricing_and_policy();
  test_paid_in_advance_flow(cat);
  test_normal_flow_and_readiness(cat);
}

int main(void) { return run_on_embedded_catalog("test_billing", tests); }
