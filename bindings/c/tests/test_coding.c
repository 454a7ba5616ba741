/* Issue 15 through the C ABI: EXCLUDES1_CONFLICT, MANIFESTATION_FIRST,
 * CODE_FIRST_NOTE and ADD_ON_WITHOUT_PRIMARY with their severity and
 * detail JSON; issue 13 item 5: the ICD-10-CM structure of a code. */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"

static const char *HEAD =
    "{\"kind\": \"invoice\", \"id\": \"INV-15\", \"session_id\": \"S-1\", \"date\": \"2026-01-15\","
    " \"state\": \"draft\", \"price\": {\"amount\": \"100.00\", \"currency\": \"USD\"},"
    " \"next_line\": 2, \"payments\": [], \"version\": 1, \"sent_version\": null, \"audit\": [],"
    " \"lines\": [{\"id\": \"L1\", \"system\": \"%s\", \"code\": \"%s\", \"provenance\": \"manual\","
    " \"description\": \"x\", \"units\": 1, \"modifiers\": [], \"diagnoses\": [%s],"
    " \"place_of_service\": \"11\", \"date_of_service\": \"2026-01-15\","
    " \"rate\": {\"per_unit\": \"10\", \"source\": {\"kind\": \"override\"}}}]}";

static char doc[2048];

static const char *invoice(const char *system, const char *code, const char *dx) {
  snprintf(doc, sizeof doc, HEAD, system, code, dx);
  return doc;
}

/* The index of the first problem with `code`, or -1. */
static long find(procode_problems *p, const char *code) {
  for (size_t i = 0; i < procode_problems_len(p); i++) {
    const char *c = procode_problems_code(p, i);
    if (c != NULL && strcmp(c, code) == 0) return (long)i;
  }
  return -1;
}

/* The problems of `doc` on `catalog` (free them with procode_problems_free),
   with *at the index of the first one with `code`, or -1; that one must be
   there, and have `severity` unless it is NULL. */
static procode_problems *readiness_of(procode_catalog *catalog, const char *doc,
                                      const char *code, const char *severity, long *at) {
  procode_problems *p = NULL;
  EXPECT(PROCODE_OK, procode_readiness(catalog, doc, NULL, &p));
  *at = find(p, code);
  CHECK(*at >= 0);
  if (*at >= 0 && severity != NULL) CHECK_STR(procode_problems_severity(p, (size_t)*at), severity);
  return p;
}

int main(void) {
  procode_catalog *cat = NULL, *with = NULL;
  procode_problems *p = NULL;
  long i;
  EXPECT(PROCODE_OK, procode_catalog_embedded(&cat));

  p = readiness_of(cat, invoice("hcpcs", "G0438", "\"E74.00\", \"E11.9\""), "EXCLUDES1_CONFLICT",
                   "error", &i);
  if (i >= 0) {
    CHECK_HAS(procode_problems_detail_json(p, (size_t)i), "\"note\":\"diabetes mellitus (E08-E13)\"");
    CHECK_HAS(procode_problems_detail_json(p, (size_t)i), "\"note_at\":\"E74\"");
  }
  CHECK(procode_problems_severity(p, 99) == NULL);
  CHECK(procode_last_error_code() == PROCODE_INDEX_OUT_OF_RANGE);
  procode_problems_free(p);
  p = NULL;

  p = readiness_of(cat, invoice("hcpcs", "G0438", "\"F02.80\", \"G30.9\""), "MANIFESTATION_FIRST",
                   NULL, &i);
  if (i >= 0) CHECK_HAS(procode_problems_detail_json(p, (size_t)i), "\"code\":\"F0280\"");
  procode_problems_free(p);
  p = NULL;

  p = readiness_of(cat, invoice("hcpcs", "G0438", "\"J12.82\""), "CODE_FIRST_NOTE", "warning", &i);
  if (i >= 0) CHECK_HAS(procode_problems_detail_json(p, (size_t)i), "COVID-19 (U07.1)");
  procode_problems_free(p);
  p = NULL;

  /* Add-on edits from the CMS spreadsheet as published (PROCODE_DATA_DIR, else
     target/data, unpacked by `make data`; the tests run in target/c). */
  const char *dir = getenv("PROCODE_DATA_DIR");
  char xlsx[1024];
  snprintf(xlsx, sizeof xlsx, "%s/cms/AOC_V2026Q2-MCR.xlsx",
           dir != NULL ? dir : "../data");
  EXPECT(PROCODE_OK, procode_edits_build_with_addon(NULL, NULL, xlsx, "test_coding.ncci"));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_edits_build_with_addon(NULL, NULL, NULL, "x.ncci"));
  EXPECT(PROCODE_OK, procode_catalog_with_ncci(cat, "test_coding.ncci", &with));
  p = readiness_of(with, invoice("cpt", "99292", "\"I46.9\""), "ADD_ON_WITHOUT_PRIMARY", "error", &i);
  if (i >= 0) CHECK_HAS(procode_problems_detail_json(p, (size_t)i), "\"primaries\":[\"99291\"]");
  procode_problems_free(p);
  p = NULL;

  /* Structure. */
  char *json = NULL;
  EXPECT(PROCODE_OK, procode_catalog_tree(cat, "F41", &json));
  CHECK_HAS(json, "\"code\":\"F41.1\"");
  CHECK_HAS(json, "\"id\":\"F40-F48\"");
  procode_string_free(json);
  json = NULL;
  EXPECT(PROCODE_OK, procode_catalog_tree(cat, "S00.00", &json));
  CHECK_HAS(json, "\"character\":\"D\"");
  procode_string_free(json);
  json = NULL;
  EXPECT(PROCODE_NOT_FOUND, procode_catalog_tree(cat, "U99", &json));
  CHECK(json == NULL);
  EXPECT(PROCODE_INVALID_CODE, procode_catalog_tree(cat, "!!", &json));

  procode_catalog_free(with);
  procode_catalog_free(cat);
  remove("test_coding.ncci");
  return check_summary("test_coding");
}
