/* Claim export through the C ABI: the problems that stop a claim, and the
 * three formats for a ready invoice. The fixtures are the core's examples
 * (procode::claim::EXAMPLE_CONTEXT / EXAMPLE_INVOICE). */
#include <stdlib.h>

#include "helpers.h"

static const char *CONTEXT = EXAMPLE_CONTEXT_WITH_NPI("1245319599");

/* The same context with a billing NPI whose check digit is wrong. */
static const char *BAD_NPI_CONTEXT = EXAMPLE_CONTEXT_WITH_NPI("1245319598");

static const char *INVOICE = EXAMPLE_INVOICE;


int main(void) {
  procode_catalog *cat = NULL;
  EXPECT(PROCODE_OK, procode_catalog_embedded(&cat));

  /* A ready invoice with a good context: no problems, three formats. */
  procode_problems *problems = NULL;
  EXPECT(PROCODE_OK, procode_claim_problems(cat, INVOICE, CONTEXT, &problems));
  CHECK(errors_len(problems) == 0);
  procode_problems_free(problems);

  char *x12 = NULL;
  EXPECT(PROCODE_OK, procode_claim_export(cat, INVOICE, CONTEXT, "x12", &x12));
  CHECK(x12 != NULL && strncmp(x12, "ISA*00*", 7) == 0);
  CHECK(x12 != NULL && strstr(x12, "HI*ABK:F411*ABF:Z1331~") != NULL);
  CHECK(x12 != NULL && strstr(x12, "SV1*HC:H0004:HO*120*UN*4***1~") != NULL);
  CHECK(x12 != NULL && strstr(x12, "IEA*1*000000001~") != NULL);
  /* Deterministic: same input, same bytes. */
  char *again = NULL;
  EXPECT(PROCODE_OK, procode_claim_export(cat, INVOICE, CONTEXT, "X12", &again));
  CHECK(x12 != NULL && again != NULL && strcmp(x12, again) == 0);
  procode_string_free(again);
  procode_string_free(x12);

  char *fhir = NULL;
  EXPECT(PROCODE_OK, procode_claim_export(cat, INVOICE, CONTEXT, "fhir", &fhir));
  CHECK(fhir != NULL && strstr(fhir, "\"resourceType\":\"Claim\"") != NULL);
  CHECK(fhir != NULL && strstr(fhir, "\"F41.1\"") != NULL);
  procode_string_free(fhir);

  char *form = NULL;
  EXPECT(PROCODE_OK, procode_claim_export(cat, INVOICE, CONTEXT, "cms1500", &form));
  CHECK(form != NULL && form[0] == '{');
  procode_string_free(form);

  /* A bad NPI: listed as a problem, and the export is refused. */
  EXPECT(PROCODE_OK, procode_claim_problems(cat, INVOICE, BAD_NPI_CONTEXT, &problems));
  size_t n = procode_problems_len(problems);
  CHECK(n >= 1);
  int found = 0;
  for (size_t i = 0; i < n; i++) {
    const char *code = procode_problems_code(problems, i);
    if (code != NULL && strcmp(code, "INVALID_NPI") == 0) found = 1;
  }
  CHECK(found);
  procode_problems_free(problems);
  char *refused = (char *)0x1;
  EXPECT(PROCODE_CLAIM_NOT_READY,
         procode_claim_export(cat, INVOICE, BAD_NPI_CONTEXT, "x12", &refused));
  CHECK(refused == (char *)0x1); /* untouched on failure */
  char msg[1024];
  procode_last_error_message(msg, sizeof msg, NULL);
  CHECK(strstr(msg, "INVALID_NPI") != NULL);

  /* Bad arguments are errors, never crashes. */
  char *out = NULL;
  EXPECT(PROCODE_UNKNOWN_FORMAT, procode_claim_export(cat, INVOICE, CONTEXT, "pdf", &out));
  EXPECT(PROCODE_INVALID_CLAIM_CONTEXT,
         procode_claim_export(cat, INVOICE, "{\"submitter\": 1}", "x12", &out));
  EXPECT(PROCODE_INVALID_JSON, procode_claim_export(cat, "{", CONTEXT, "x12", &out));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_claim_export(NULL, INVOICE, CONTEXT, "x12", &out));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_claim_export(cat, INVOICE, CONTEXT, NULL, &out));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_claim_export(cat, INVOICE, CONTEXT, "x12", NULL));
  EXPECT(PROCODE_INVALID_UTF8, procode_claim_export(cat, INVOICE, CONTEXT, "x\xff", &out));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_claim_problems(cat, NULL, CONTEXT, &problems));
  CHECK(out == NULL);

  procode_catalog_free(cat);
  return check_summary("test_claim");
}
