/* Regressions of issue 12 ("never a panic, never a silent accept") through
 * the C ABI; each block names its item. */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "helpers.h"

static const char *AT = "2025-03-03T09:00:00Z";

static const char *CONTEXT =
    "{\"submitter\": {\"name\": \"Lakeside Counseling\", \"id\": \"LAKESIDE01\","
    " \"contact\": {\"name\": \"Dana Billing\", \"phone\": \"617-555-0134\"}},"
    " \"receiver\": {\"name\": \"Example Clearinghouse\", \"id\": \"CLEARHOUSE\"},"
    " \"interchange\": {\"sender_qualifier\": \"ZZ\", \"sender_id\": \"LAKESIDE01\","
    " \"receiver_qualifier\": \"ZZ\", \"receiver_id\": \"CLEARHOUSE\", \"usage\": \"T\","
    " \"control_number\": 1, \"group_control_number\": 1, \"transaction_set_control_number\": 1},"
    " \"created_at\": \"2025-03-04T10:30:00-05:00\","
    " \"billing_provider\": {\"name\": {\"organization\": \"Lakeside Counseling\"}, \"npi\": \"1245319599\","
    " \"tax_id\": {\"ein\": \"04-1234567\"},"
    " \"address\": {\"line1\": \"12 Harbor Street\", \"city\": \"Cambridge\", \"state\": \"MA\", \"zip\": \"02139-4307\"}},"
    " \"payer\": {\"name\": \"Aetna\", \"id\": \"60054\", \"claim_filing_indicator\": \"CI\"},"
    " \"subscriber\": {\"name\": {\"last\": \"Nunez\", \"first\": \"Zoe\"}, \"member_id\": \"W123456789\","
    " \"address\": {\"line1\": \"5 Elm Road\", \"city\": \"Somerville\", \"state\": \"MA\", \"zip\": \"02144\"},"
    " \"birth_date\": \"1985-07-14\", \"sex\": \"F\"},"
    " \"relationship\": \"self\"}";

#define LINE_NO_POS                                                           \
  "{\"id\": \"L1\", \"system\": \"hcpcs\", \"code\": \"H0004\", \"provenance\": \"catalog\"," \
  " \"description\": \"Counseling\", \"units\": 2, \"diagnoses\": [\"F411\"],"  \
  " \"date_of_service\": \"2025-03-03\","                                     \
  " \"rate\": {\"per_unit\": \"30\", \"source\": {\"kind\": \"override\"}}}"

/* A service with a code line. */
static const char *SERVICE_WITH_LINE =
    "{\"kind\": \"service\", \"id\": \"SVC-1\", \"name\": \"Counseling\","
    " \"price\": {\"amount\": \"90.00\", \"currency\": \"USD\"}, \"paid_in_advance\": true,"
    " \"insurance_billable\": true, \"lines\": [" LINE_NO_POS "], \"next_line\": 2}";

/* A sent invoice whose line has no place of service. */
static const char *INVOICE_NO_POS =
    "{\"kind\": \"invoice\", \"id\": \"INV-7\", \"session_id\": \"S-1\", \"date\": \"2025-03-03\","
    " \"state\": \"sent\", \"price\": {\"amount\": \"150.00\", \"currency\": \"USD\"},"
    " \"lines\": [" LINE_NO_POS "], \"next_line\": 2, \"version\": 1, \"sent_version\": 1}";

/* Paid, no payments, a balance of 60.00. */
static const char *INVOICE_PAID_UNPAID =
    "{\"kind\": \"invoice\", \"id\": \"INV-7\", \"session_id\": \"S-1\", \"date\": \"2025-03-03\","
    " \"state\": \"paid\", \"price\": {\"amount\": \"150.00\", \"currency\": \"USD\"},"
    " \"lines\": [" LINE_NO_POS "], \"next_line\": 2, \"version\": 1, \"sent_version\": 1}";

static int has_problem(procode_problems *p, const char *code) {
  size_t n = procode_problems_len(p);
  for (size_t i = 0; i < n; i++) {
    const char *c = procode_problems_code(p, i);
    if (c != NULL && strcmp(c, code) == 0) return 1;
  }
  return 0;
}

/* Item 1: claims of incomplete documents are refused, never a panic. */
static void claims_of_incomplete_documents(const procode_catalog *cat) {
  const char *formats[] = {"x12", "fhir", "cms1500"};
  const char *docs[] = {SERVICE_WITH_LINE, INVOICE_NO_POS};
  const char *expected[] = {"NOT_BILLABLE", "INVALID_PLACE_OF_SERVICE"};
  for (int d = 0; d < 2; d++) {
    procode_problems *problems = NULL;
    EXPECT(PROCODE_OK, procode_claim_problems(cat, docs[d], CONTEXT, &problems));
    CHECK(has_problem(problems, expected[d]));
    procode_problems_free(problems);
    for (int f = 0; f < 3; f++) {
      char *out = NULL;
      EXPECT(PROCODE_CLAIM_NOT_READY, procode_claim_export(cat, docs[d], CONTEXT, formats[f], &out));
      CHECK(out == NULL);
      CHECK_MESSAGE_HAS(expected[d]);
    }
  }
}

/* Item 2: nothing is written to the host's stderr (fd 2) on those calls. */
static void nothing_on_stderr(const procode_catalog *cat) {
  FILE *capture = tmpfile();
  CHECK(capture != NULL);
  if (capture == NULL) return;
  fflush(stderr);
  int saved = dup(2);
  CHECK(saved >= 0 && dup2(fileno(capture), 2) >= 0);
  claims_of_incomplete_documents(cat);
  procode_encounter *enc = NULL;
  procode_encounter_from_json("{\"session\": {}}", &enc);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  long size = -1;
  if (fseek(capture, 0, SEEK_END) == 0) size = ftell(capture);
  CHECK(size == 0);
  fclose(capture);
}

/* Item 3: unknown fields are refused, naming the field; an edit that
 * changes nothing is a true no-op. */
static void unknown_fields_and_no_op_edits(void) {
  char *svc = NULL, *outcome = NULL;
  const char *typo =
      "{\"id\": \"SVC-1\", \"name\": \"n\", \"price\": {\"amount\": \"1\", \"currency\": \"USD\"},"
      " \"paid_in_advance\": false, \"paid_in_advence\": true, \"insurance_billable\": true}";
  EXPECT(PROCODE_INVALID_JSON,
         procode_service_edit(typo, "{\"ops\": []}", "a", AT, NULL, NULL, &svc, NULL));
  CHECK_MESSAGE_HAS("unknown field `paid_in_advence`");
  EXPECT(PROCODE_INVALID_JSON,
         procode_service_edit(SERVICE_WITH_LINE,
                              "{\"ops\": [{\"op\": \"edit\", \"line_id\": \"L1\", \"changes\": {\"unit\": 3}}]}",
                              "a", AT, NULL, NULL, &svc, NULL));
  CHECK_MESSAGE_HAS("unknown field `unit`");
  CHECK(svc == NULL);
  EXPECT(PROCODE_OK,
         procode_service_edit(SERVICE_WITH_LINE,
                              "{\"ops\": [{\"op\": \"edit\", \"line_id\": \"L1\", \"changes\": {\"units\": 2}}]}",
                              "a", AT, NULL, NULL, &svc, &outcome));
  CHECK_HAS(outcome, "\"changed_lines\":[]");
  CHECK_HAS(svc, "\"audit\":[]");
  procode_string_free(svc);
  procode_string_free(outcome);
}

/* Item 4: impossible documents do not load; semantic errors have codes. */
static void impossible_documents(const procode_catalog *cat) {
  procode_problems *problems = NULL;
  EXPECT(PROCODE_INCONSISTENT_DOCUMENT, procode_readiness(cat, INVOICE_PAID_UNPAID, NULL, &problems));
  CHECK_MESSAGE_HAS("paid but has no payments");
  CHECK(problems == NULL);
  EXPECT(PROCODE_INCONSISTENT_DOCUMENT,
         procode_claim_problems(cat, INVOICE_PAID_UNPAID, CONTEXT, &problems));
  procode_encounter *enc = NULL;
  EXPECT(PROCODE_INVALID_JSON, procode_encounter_from_json("{\"session\": {}, \"invoce\": null}", &enc));
  CHECK_MESSAGE_HAS("invoce");
  CHECK(enc == NULL);
}

/* Item 5: amounts beyond the maximum are refused at the edit. */
static void amounts_beyond_the_maximum(void) {
  char *svc = NULL;
  const char *batch =
      "{\"ops\": [{\"op\": \"add\", \"id\": \"\", \"system\": \"hcpcs\", \"code\": \"H0004\","
      " \"provenance\": \"manual\", \"description\": \"x\", \"units\": 4000000000,"
      " \"rate\": {\"per_unit\": \"999999\", \"source\": {\"kind\": \"override\"}}}]}";
  EXPECT(PROCODE_AMOUNT_TOO_LARGE,
         procode_service_edit(SERVICE_WITH_LINE, batch, "a", AT, NULL, NULL, &svc, NULL));
  CHECK_MESSAGE_HAS("above the largest amount");
  CHECK(svc == NULL);
}

/* Integers crossing from C are range-checked, naming the argument. */
static void delimiter_out_of_range(void) {
  procode_pricing *p = NULL;
  EXPECT(PROCODE_OK, procode_pricing_new(&p));
  EXPECT(PROCODE_INVALID_ARGUMENT,
         procode_pricing_add_csv(p, "S", NULL, "USD", "code,rate\nH0004,1\n", (char)-23));
  CHECK_MESSAGE_HAS("delimiter");
  EXPECT(PROCODE_INVALID_ARGUMENT, procode_pricing_add_csv(p, "S", NULL, "USD", "code,rate\n", 'a'));
  CHECK(procode_pricing_len(p) == 0);
  EXPECT(PROCODE_OK, procode_pricing_add_csv(p, "S", NULL, "USD", "code\trate\nH0004\t1\n", '\t'));
  procode_pricing_free(p);
}

/* Item 7: completion applies its edits to the invoice's lines. */
static void completion_edits_the_invoice(void) {
  procode_encounter *enc = NULL;
  EXPECT(PROCODE_OK,
         procode_encounter_book(SERVICE_WITH_LINE,
                                "{\"session_id\": \"S-1\", \"client_id\": \"C\", \"date\": \"2025-03-03\","
                                " \"invoice_id\": \"INV-1\"}",
                                NULL, &enc));
  EXPECT(PROCODE_OK, procode_encounter_confirm(enc, NULL, NULL));
  EXPECT(PROCODE_OK,
         procode_encounter_edit_invoice(
             enc,
             "{\"ops\": [{\"op\": \"edit\", \"line_id\": \"L1\", \"changes\": {\"description\": \"Sliding scale\","
             " \"rate\": {\"kind\": \"override\", \"per_unit\": \"25.00\"}}}]}",
             "billing", AT, NULL, NULL, NULL));
  char *done = NULL;
  EXPECT(PROCODE_OK,
         procode_encounter_complete(
             enc, "{\"ops\": [{\"op\": \"edit\", \"line_id\": \"L1\", \"changes\": {\"units\": 3}}]}", NULL,
             "dr.lee", AT, NULL, NULL, &done));
  CHECK_HAS(done, "\"kind\":\"updated\"");
  char *inv = NULL;
  EXPECT(PROCODE_OK, procode_encounter_invoice_json(enc, &inv));
  CHECK_HAS(inv, "\"total\":{\"amount\":\"75.00\"");
  CHECK_HAS(inv, "Sliding scale");
  procode_string_free(inv);
  procode_string_free(done);
  procode_encounter_free(enc);
}

/* Item 8: a rate resolved from a fee schedule does not silently fall back. */
static void schedules_are_not_forgotten(void) {
  procode_pricing *p = NULL;
  EXPECT(PROCODE_OK, procode_pricing_new(&p));
  EXPECT(PROCODE_OK, procode_pricing_add_csv(p, "AETNA-2025", "AETNA", "USD",
                                             "code,modifiers,rate\nH0004,,31.00\nH0004,HO,34.00\n", ','));
  const char *normal =
      "{\"id\": \"SVC-2\", \"name\": \"Counseling\", \"price\": {\"amount\": \"160.00\", \"currency\": \"USD\"},"
      " \"paid_in_advance\": false, \"insurance_billable\": true,"
      " \"lines\": [{\"id\": \"L1\", \"system\": \"hcpcs\", \"code\": \"H0004\", \"provenance\": \"manual\","
      " \"description\": \"c\", \"units\": 4}], \"next_line\": 2}";
  procode_encounter *enc = NULL;
  EXPECT(PROCODE_OK,
         procode_encounter_book(normal,
                                "{\"session_id\": \"S-2\", \"client_id\": \"C\", \"date\": \"2025-03-03\","
                                " \"payer_id\": \"AETNA\"}",
                                p, &enc));
  const char *batch = "{\"ops\": [{\"op\": \"edit\", \"line_id\": \"L1\", \"changes\": {\"modifiers\": [\"HO\"]}}]}";
  EXPECT(PROCODE_SCHEDULE_MISSING,
         procode_encounter_complete(enc, batch, "INV-2", "dr.lee", AT, NULL, NULL, NULL));
  CHECK_MESSAGE_HAS("AETNA-2025");
  CHECK_STR(procode_encounter_session_state(enc), "booked");
  EXPECT(PROCODE_OK, procode_encounter_complete(enc, batch, "INV-2", "dr.lee", AT, p, NULL, NULL));
  char *inv = NULL;
  EXPECT(PROCODE_OK, procode_encounter_invoice_json(enc, &inv));
  CHECK_HAS(inv, "\"total\":{\"amount\":\"136.00\"");
  procode_string_free(inv);
  procode_encounter_free(enc);
  procode_pricing_free(p);
}

/* Item 9: any number has a name; unknown ones a fixed string. */
static void result_names(void) {
  CHECK_STR(procode_result_name(PROCODE_INCONSISTENT_DOCUMENT), "PROCODE_INCONSISTENT_DOCUMENT");
  CHECK_STR(procode_result_name(37), "PROCODE_AMOUNT_TOO_LARGE");
  CHECK_STR(procode_result_name(38), "PROCODE_SCHEDULE_MISSING");
  CHECK_STR(procode_result_name(39), "PROCODE_INVALID_ARGUMENT");
  CHECK_STR(procode_result_name(40), "PROCODE_STALE_DOCUMENT");
  CHECK_STR(procode_result_name(41), "PROCODE_SEARCH_DATA");
  CHECK_STR(procode_result_name(42), "PROCODE_UNKNOWN");
  CHECK_STR(procode_result_name(1000), "PROCODE_UNKNOWN");
  CHECK_STR(procode_result_name(UINT32_MAX), "PROCODE_UNKNOWN");
  CHECK_STR(procode_result_name(PROCODE_OK), "PROCODE_OK");
}

static void tests(const procode_catalog *cat) {
  claims_of_incomplete_documents(cat);
  nothing_on_stderr(cat);
  unknown_fields_and_no_op_edits();
  impossible_documents(cat);
  amounts_beyond_the_maximum();
  delimiter_out_of_range();
  completion_edits_the_invoice();
  schedules_are_not_forgotten();
  result_names();
}

int main(void) { return run_on_embedded_catalog("test_defects", tests); }
