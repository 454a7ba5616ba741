/* The plain accessors: an encounter's invoice version, total, balance,
 * currency and lines (id, code, system, units, amount) without a JSON
 * parser, checked against the encounter's JSON; and the owned copy of a
 * borrowed search-result entry. */
#include <stdint.h>
#include <stdlib.h>

#include "helpers.h"

/* A paid-in-advance therapy service at 95.50 a unit. */
static const char SERVICE[] =
    "{\"id\":\"SVC-T\",\"name\":\"Therapy, 45 minutes\",\"paid_in_advance\":true,"
    "\"price\":{\"amount\":\"95.50\",\"currency\":\"USD\"},\"insurance_billable\":true}";
static const char REQUEST[] =
    "{\"session_id\":\"S-31\",\"client_id\":\"C-4\",\"date\":\"2025-04-07\","
    "\"invoice_id\":\"INV-31\"}";
static const char REQUEST_NO_INVOICE[] =
    "{\"session_id\":\"S-32\",\"client_id\":\"C-4\",\"date\":\"2025-04-08\"}";
static const char AT[] = "2025-03-02T09:00:00Z";
static const char PAYMENT[] =
    "{\"id\":\"P1\",\"amount\":{\"amount\":\"100.00\",\"currency\":\"USD\"},"
    "\"received_at\":\"2025-03-02T10:00:00Z\"}";

/* The service with H0004 x4, looked up and added as a catalog line. */
static char *coded_service(const procode_catalog *cat, const char *service) {
  procode_entry *h0004 = NULL;
  char *op = NULL;
  EXPECT(PROCODE_OK, procode_catalog_lookup(cat, "h0004", "hcpcs", NULL, &h0004));
  EXPECT(PROCODE_OK,
         procode_entry_add_op(h0004, "{\"units\":4,\"diagnoses\":[\"F41.1\"],"
                                     "\"place_of_service\":\"11\"}", &op));
  procode_entry_free(h0004);
  return service_with_op(service, op, AT);
}

/* Line 0 of `part` is L1, H0004 (hcpcs) x4 for `amount` minor units. */
static void check_line(const procode_encounter *enc, const char *part,
                       int64_t amount) {
  char *id = NULL, *code = NULL;
  const char *system = NULL;
  uint32_t units = 0;
  int64_t minor = 0;
  size_t count = 0;
  EXPECT(PROCODE_OK, procode_encounter_line_count(enc, part, &count));
  CHECK(count == 1);
  EXPECT(PROCODE_OK, procode_encounter_line_id(enc, part, 0, &id));
  CHECK_STR(id, "L1");
  EXPECT(PROCODE_OK, procode_encounter_line_code(enc, part, 0, &code, &system));
  CHECK_STR(code, "H0004");
  CHECK_STR(system, "hcpcs");
  procode_string_free(code);
  code = NULL;
  EXPECT(PROCODE_OK, procode_encounter_line_code(enc, part, 0, &code, NULL));
  CHECK_STR(code, "H0004");
  EXPECT(PROCODE_OK, procode_encounter_line_units(enc, part, 0, &units));
  CHECK(units == 4);
  EXPECT(PROCODE_OK, procode_encounter_line_amount(enc, part, 0, &minor));
  CHECK(minor == amount);
  procode_string_free(id);
  procode_string_free(code);

  /* Past the last line: an error, and the out-parameter is not written. */
  units = 99;
  EXPECT(PROCODE_INDEX_OUT_OF_RANGE,
         procode_encounter_line_units(enc, part, 1, &units));
  CHECK(units == 99);
  CHECK_MESSAGE_HAS("index 1 is out of range");
  EXPECT(PROCODE_INDEX_OUT_OF_RANGE,
         procode_encounter_line_code(enc, part, SIZE_MAX, &code, &system));
}

static void test_invoice_facts(const procode_catalog *cat) {
  char *svc = coded_service(cat, SERVICE), *json = NULL;
  procode_encounter *enc = NULL;
  const char *currency = NULL, *state = NULL;
  uint32_t version = 0, digits = 9;
  int64_t total = 0, balance = 0;

  EXPECT(PROCODE_OK, procode_encounter_book(svc, REQUEST, NULL, &enc));
  EXPECT(PROCODE_OK, procode_encounter_currency(enc, &currency, &digits));
  CHECK_STR(currency, "USD");
  CHECK(digits == 2);
  EXPECT(PROCODE_OK, procode_encounter_currency(enc, &currency, NULL));
  EXPECT(PROCODE_OK, procode_encounter_invoice_version(enc, &version));
  CHECK(version == 1);
  /* 4 x 95.50 = 382.00: 38200 cents, nothing paid yet. */
  EXPECT(PROCODE_OK, procode_encounter_invoice_total(enc, &total));
  CHECK(total == 38200);
  EXPECT(PROCODE_OK, procode_encounter_invoice_balance(enc, &balance));
  CHECK(balance == 38200);
  check_line(enc, "session", 38200);
  check_line(enc, "invoice", 38200);

  /* A partial payment: the invoice is sent; the balance drops, the total
   * stays; the figures agree with the JSON. */
  EXPECT(PROCODE_OK, procode_encounter_confirm(enc, PAYMENT, &state));
  CHECK_STR(state, "sent");
  EXPECT(PROCODE_OK, procode_encounter_invoice_total(enc, &total));
  CHECK(total == 38200);
  EXPECT(PROCODE_OK, procode_encounter_invoice_balance(enc, &balance));
  CHECK(balance == 28200);
  EXPECT(PROCODE_OK, procode_encounter_invoice_version(enc, &version));
  EXPECT(PROCODE_OK, procode_encounter_invoice_json(enc, &json));
  CHECK_HAS(json, "\"balance\":{\"amount\":\"282.00\"");
  char expected[64];
  snprintf(expected, sizeof expected, "\"version\":%u,", (unsigned)version);
  CHECK_HAS(json, expected);
  procode_string_free(json);

  /* Bad arguments: typed errors, nothing written. */
  total = 7;
  EXPECT(PROCODE_NULL_ARGUMENT, procode_encounter_invoice_total(NULL, &total));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_encounter_invoice_total(enc, NULL));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_encounter_currency(enc, NULL, &digits));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_encounter_line_count(enc, NULL, NULL));
  EXPECT(PROCODE_NULL_ARGUMENT,
         procode_encounter_line_amount(enc, NULL, 0, &total));
  EXPECT(PROCODE_INVALID_ARGUMENT,
         procode_encounter_line_amount(enc, "claim", 0, &total));
  CHECK_MESSAGE_HAS("\"claim\" is neither \"session\" nor \"invoice\"");
  EXPECT(PROCODE_INVALID_UTF8,
         procode_encounter_line_amount(enc, "invo\xFF", 0, &total));
  CHECK(total == 7);

  procode_encounter_free(enc);
  procode_string_free(svc);
}

static void test_no_invoice(const procode_catalog *cat) {
  char *svc = coded_service(cat, SERVICE), *json = NULL;
  procode_encounter *enc = NULL;
  uint32_t version = 5;
  size_t count = 5;
  int64_t minor = 5;
  /* A normal (not paid-in-advance) booking has no invoice yet. */
  char *normal = NULL;
  const char *from = "\"paid_in_advance\":true";
  const char *at = svc ? strstr(svc, from) : NULL;
  if (at != NULL) {
    size_t head = (size_t)(at - svc);
    normal = malloc(strlen(svc) + 2);
    memcpy(normal, svc, head);
    strcpy(normal + head, "\"paid_in_advance\":false");
    strcat(normal, at + strlen(from));
  }
  CHECK(normal != NULL);
  EXPECT(PROCODE_OK, procode_encounter_book(normal, REQUEST_NO_INVOICE, NULL, &enc));
  CHECK(procode_encounter_invoice_state(enc) == NULL);
  EXPECT(PROCODE_NOT_FOUND, procode_encounter_invoice_version(enc, &version));
  CHECK_MESSAGE_HAS("session S-32 has no invoice yet");
  EXPECT(PROCODE_NOT_FOUND, procode_encounter_invoice_total(enc, &minor));
  EXPECT(PROCODE_NOT_FOUND, procode_encounter_invoice_balance(enc, &minor));
  EXPECT(PROCODE_NOT_FOUND, procode_encounter_line_count(enc, "invoice", &count));
  CHECK(version == 5 && minor == 5 && count == 5);
  /* The session's lines are there, with the session's currency. */
  check_line(enc, "session", 38200);
  EXPECT(PROCODE_OK, procode_encounter_to_json(enc, &json));
  CHECK_HAS(json, "\"code\":\"H0004\"");
  procode_encounter_free(enc);
  enc = NULL;

  /* The same session with its line's rate unresolved (a session has no
   * totals to contradict): the amount is PROCODE_NOT_FOUND, naming the
   * line; the other facts are there. */
  char *rate = json ? strstr(json, "\"rate\":{") : NULL;
  CHECK(rate != NULL);
  if (rate != NULL) {
    char *end = strchr(rate, '{');
    int depth = 0;
    for (; *end; end++) {
      if (*end == '{') depth++;
      if (*end == '}' && --depth == 0) break;
    }
    char *unrated = malloc(strlen(json) + 16);
    memcpy(unrated, json, (size_t)(rate - json));
    strcpy(unrated + (rate - json), "\"rate\":null");
    strcat(unrated, end + 1);
    EXPECT(PROCODE_OK, procode_encounter_from_json(unrated, &enc));
    minor = 5;
    EXPECT(PROCODE_NOT_FOUND,
           procode_encounter_line_amount(enc, "session", 0, &minor));
    CHECK_MESSAGE_HAS("line L1 has no rate yet");
    CHECK(minor == 5);
    uint32_t units = 0;
    EXPECT(PROCODE_OK, procode_encounter_line_units(enc, "session", 0, &units));
    CHECK(units == 4);
    procode_encounter_free(enc);
    free(unrated);
  }
  procode_string_free(json);
  free(normal);
  procode_string_free(svc);
}

static void test_entry_copy(const procode_catalog *cat) {
  procode_results *found = NULL;
  procode_entry *copy = NULL, *again = NULL;
  EXPECT(PROCODE_OK, procode_catalog_search(cat, "diab mell", "icd10cm", 3,
                                            NULL, &found));
  const procode_entry *borrowed = procode_results_get(found, 0);
  CHECK(borrowed != NULL);
  EXPECT(PROCODE_OK, procode_entry_copy(borrowed, &copy));
  CHECK(copy != NULL && copy != borrowed);
  EXPECT(PROCODE_NULL_ARGUMENT, procode_entry_copy(borrowed, NULL));
  char code[64] = "", description[512] = "";
  snprintf(code, sizeof code, "%s", procode_entry_display_code(borrowed));
  snprintf(description, sizeof description, "%s",
           procode_entry_description(borrowed));
  /* The copy outlives its result set, with every field. */
  procode_results_free(found);
  CHECK_STR(procode_entry_display_code(copy), code);
  CHECK_STR(procode_entry_description(copy), description);
  CHECK_STR(procode_entry_system(copy), "icd10cm");
  CHECK(strstr(description, "diabetes mellitus") != NULL ||
        strstr(description, "Diabetes mellitus") != NULL);
  /* A copy of an owned entry is owned too. */
  EXPECT(PROCODE_OK, procode_entry_copy(copy, &again));
  CHECK_STR(procode_entry_code(again), procode_entry_code(copy));
  CHECK(procode_entry_billable(again) == procode_entry_billable(copy));
  procode_entry_free(copy);
  procode_entry_free(again);

  again = NULL;
  EXPECT(PROCODE_NULL_ARGUMENT, procode_entry_copy(NULL, &again));
  CHECK(again == NULL);
}

static void tests(const procode_catalog *cat) {
  test_invoice_facts(cat);
  test_no_invoice(cat);
  test_entry_copy(cat);
}

int main(void) { return run_on_embedded_catalog("test_accessors", tests); }
