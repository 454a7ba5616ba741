/* Fixtures and steps shared by the C tests: the core's example claim
 * context and invoice (procode::claim::EXAMPLE_CONTEXT / EXAMPLE_INVOICE),
 * a service with one catalog line added, and a main that runs the tests on
 * the embedded catalog. */
#ifndef PROCODE_HELPERS_H
#define PROCODE_HELPERS_H

#include <stdio.h>

#include "check.h"

/* The example claim context with the billing provider's NPI `npi` (a string
 * literal): "1245319599" is valid, "1245319598" has a wrong check digit. */
#define EXAMPLE_CONTEXT_WITH_NPI(npi)                                                                                  \
  "{\n"                                                                                                                \
  "  \"submitter\": {\"name\": \"Lakeside Counseling\", \"id\": \"LAKESIDE01\",\n"                                     \
  "                \"contact\": {\"name\": \"Dana Billing\", \"phone\": \"617-555-0134\", \"email\": "                 \
  "\"billing@lakeside.example\"}},\n"                                                                                  \
  "  \"receiver\": {\"name\": \"Example Clearinghouse\", \"id\": \"CLEARHOUSE\"},\n"                                   \
  "  \"interchange\": {\"sender_qualifier\": \"ZZ\", \"sender_id\": \"LAKESIDE01\", \"receiver_qualifier\": \"ZZ\",\n" \
  "                  \"receiver_id\": \"CLEARHOUSE\", \"usage\": \"T\", \"control_number\": 1,\n"                      \
  "                  \"group_control_number\": 1, \"transaction_set_control_number\": 1},\n"                           \
  "  \"created_at\": \"2025-03-04T10:30:00-05:00\",\n"                                                                 \
  "  \"billing_provider\": {\"name\": {\"organization\": \"Lakeside Counseling\"}, \"npi\": \"" npi "\",\n"             \
  "                       \"tax_id\": {\"ein\": \"04-1234567\"}, \"taxonomy\": \"101YM0800X\",\n"                      \
  "                       \"address\": {\"line1\": \"12 Harbor Street\", \"city\": \"Cambridge\", \"state\": \"MA\", " \
  "\"zip\": \"02139-4307\"}},\n"                                                                                       \
  "  \"rendering_provider\": {\"name\": {\"last\": \"Lee\", \"first\": \"Ana\"}, \"npi\": \"1234567893\", "             \
  "\"taxonomy\": \"101YM0800X\"},\n"                                                                                   \
  "  \"payer\": {\"name\": \"Aetna\", \"id\": \"60054\", \"claim_filing_indicator\": \"CI\"},\n"                       \
  "  \"subscriber\": {\"name\": {\"last\": \"Núñez\", \"first\": \"Zoë\"}, \"member_id\": \"W123456789\", "             \
  "\"group_number\": \"GRP-42\",\n"                                                                                    \
  "                 \"address\": {\"line1\": \"5 Elm Road\", \"city\": \"Somerville\", \"state\": \"MA\", \"zip\": "  \
  "\"02144\"},\n"                                                                                                      \
  "                 \"birth_date\": \"1985-07-14\", \"sex\": \"F\"},\n"                                                \
  "  \"relationship\": \"self\",\n"                                                                                    \
  "  \"prior_authorization\": \"PA-7781\"\n"                                                                           \
  "}\n"

/* The example invoice: sent, H0004 x4 (HO) and G0444, for 150.00 USD. */
#define EXAMPLE_INVOICE                                                                                              \
  "{\n"                                                                                                              \
  "  \"kind\": \"invoice\", \"id\": \"INV-7\", \"session_id\": \"S-1\", \"date\": \"2025-03-03\", \"state\": "        \
  "\"sent\",\n"                                                                                                      \
  "  \"price\": {\"amount\": \"150.00\", \"currency\": \"USD\"}, \"payer_id\": \"60054\",\n"                         \
  "  \"lines\": [\n"                                                                                                 \
  "    {\"id\": \"L1\", \"system\": \"hcpcs\", \"code\": \"H0004\", \"provenance\": \"catalog\",\n"                  \
  "     \"official_description\": \"Behavioral health counseling and therapy, per 15 minutes\",\n"                   \
  "     \"description\": \"Counseling, per 15 minutes\", \"units\": 4, \"modifiers\": [\"HO\"],\n"                   \
  "     \"diagnoses\": [\"F411\"], \"place_of_service\": \"11\", \"date_of_service\": \"2025-03-03\",\n"             \
  "     \"rate\": {\"per_unit\": \"30\", \"source\": {\"kind\": \"override\"}}},\n"                                  \
  "    {\"id\": \"L2\", \"system\": \"hcpcs\", \"code\": \"G0444\", \"provenance\": \"catalog\",\n"                  \
  "     \"description\": \"Depression screen\", \"units\": 1, \"modifiers\": [],\n"                                  \
  "     \"diagnoses\": [\"F411\", \"Z1331\"], \"place_of_service\": \"11\", \"date_of_service\": \"2025-03-03\",\n" \
  "     \"rate\": {\"per_unit\": \"25.50\", \"source\": {\"kind\": \"override\"}}}\n"                                \
  "  ],\n"                                                                                                           \
  "  \"next_line\": 3, \"payments\": [], \"version\": 1, \"sent_version\": 1, \"audit\": []\n"                       \
  "}\n"

/* `service` (JSON) after an edit batch of the one operation `op` (freed
 * here; NULL gives NULL), by "admin" at `at`; the caller frees the result. */
static inline char *service_with_op(const char *service, char *op, const char *at) {
  char *svc = NULL, batch[4096];
  if (op == NULL) return NULL;
  snprintf(batch, sizeof batch, "{\"ops\":[%s]}", op);
  procode_string_free(op);
  EXPECT(PROCODE_OK, procode_service_edit(service, batch, "admin", at, NULL, NULL, &svc, NULL));
  return svc;
}

/* The body of a test program's main: runs `tests` on the embedded catalog
 * and prints the summary of test program `name`. */
static inline int run_on_embedded_catalog(const char *name, void (*tests)(const procode_catalog *cat)) {
  procode_catalog *cat = NULL;
  EXPECT(PROCODE_OK, procode_catalog_embedded(&cat));
  if (cat != NULL) {
    tests(cat);
    procode_catalog_free(cat);
  }
  return check_summary(name);
}

/* Problems other than the CODE_SET_NOT_CURRENT warnings (the 2025-03-03
 * documents here lie before the releases the catalog holds). */
static inline size_t errors_len(procode_problems *p) {
  size_t n = 0;
  for (size_t i = 0; i < procode_problems_len(p); i++) {
    const char *c = procode_problems_code(p, i);
    if (c == NULL || strcmp(c, "CODE_SET_NOT_CURRENT") != 0) n++;
  }
  return n;
}

#endif
