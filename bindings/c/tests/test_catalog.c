/* The catalog entry points of procode, success and error paths: opening,
 * lookup, search, result sets, entries, picking codes onto lines, and the
 * error reporting functions. */
#include <stdlib.h>

#include "check.h"

static const char BAD_UTF8[] = {'G', '0', (char)0xC3, (char)0x28, 0};

static void test_errors_api(void) {
  char buf[64];
  size_t len = 0;

  CHECK_STR(procode_result_name(PROCODE_OK), "PROCODE_OK");
  CHECK_STR(procode_result_name(PROCODE_EDIT_NOT_ALLOWED),
            "PROCODE_EDIT_NOT_ALLOWED");
  CHECK_STR(procode_result_name(PROCODE_BILLING_ERROR),
            "PROCODE_BILLING_ERROR");
  CHECK(PROCODE_OK == 0);
  CHECK(PROCODE_NULL_ARGUMENT == 1);
  CHECK(PROCODE_PANIC == 17);
  CHECK(procode_version() != NULL && strlen(procode_version()) > 0);

  /* Cause an error, then read its message in every way. */
  EXPECT(PROCODE_NULL_ARGUMENT, procode_catalog_open(NULL, NULL));
  CHECK(procode_last_error_code() == PROCODE_NULL_ARGUMENT);
  EXPECT(PROCODE_OK, procode_last_error_message(NULL, 0, &len));
  CHECK(len == strlen("argument `path` is NULL"));
  EXPECT(PROCODE_OK, procode_last_error_message(buf, sizeof buf, &len));
  CHECK_STR(buf, "argument `path` is NULL");
  /* Truncation: always NUL-terminated, full length reported. */
  EXPECT(PROCODE_OK, procode_last_error_message(buf, 9, &len));
  CHECK_STR(buf, "argument");
  CHECK(len == strlen("argument `path` is NULL"));
  EXPECT(PROCODE_OK, procode_last_error_message(buf, 1, NULL));
  CHECK_STR(buf, "");
  EXPECT(PROCODE_NULL_ARGUMENT, procode_last_error_message(NULL, 10, &len));
  /* Reading the message does not change it. */
  CHECK(procode_last_error_code() == PROCODE_NULL_ARGUMENT);
  CHECK_MESSAGE_HAS("`path`");

  /* Frees accept NULL. */
  procode_string_free(NULL);
  procode_catalog_free(NULL);
  procode_results_free(NULL);
  procode_entry_free(NULL);
}

static void test_open(void) {
  procode_catalog *cat = NULL;
  FILE *f;
  const char *junk = "/tmp/procode-c-test-junk.idx";

  EXPECT(PROCODE_IO,
         procode_catalog_open("/nonexistent/procode/catalog.idx", &cat));
  CHECK(cat == NULL);
  CHECK_MESSAGE_HAS("/nonexistent/procode/catalog.idx");
  EXPECT(PROCODE_INVALID_UTF8, procode_catalog_open(BAD_UTF8, &cat));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_catalog_open(junk, NULL));

  f = fopen(junk, "wb");
  CHECK(f != NULL);
  if (f != NULL) {
    fputs("this is not a procode index file, just some text to map", f);
    fclose(f);
    EXPECT(PROCODE_INDEX_CORRUPT, procode_catalog_open(junk, &cat));
    CHECK(cat == NULL);
    CHECK_MESSAGE_HAS("not a procode index");
    remove(junk);
  }
  EXPECT(PROCODE_NULL_ARGUMENT, procode_catalog_embedded(NULL));
  CHECK(procode_catalog_len(NULL) == 0);
}

static void test_lookup(const procode_catalog *cat) {
  procode_entry *e = NULL;
  char *json = NULL;

  EXPECT(PROCODE_OK, procode_catalog_lookup(cat, " f41.1 ", "ICD10CM", NULL, &e));
  CHECK_STR(procode_entry_code(e), "F411");
  CHECK_STR(procode_entry_display_code(e), "F41.1");
  CHECK_STR(procode_entry_system(e), "icd10cm");
  CHECK_STR(procode_entry_description(e), "Generalized anxiety disorder");
  CHECK(procode_entry_short_description(e) != NULL);
  CHECK(procode_entry_billable(e));
  CHECK(procode_entry_terminated(e) == NULL);
  EXPECT(PROCODE_OK, procode_entry_to_json(e, &json));
  CHECK_HAS(json, "\"code\":\"F411\"");
  CHECK_HAS(json, "\"system\":\"icd10cm\"");
  CHECK_HAS(json, "\"billable\":true");
  procode_string_free(json);
  procode_entry_free(e);
  e = NULL;

  /* A header row is found but not billable. */
  EXPECT(PROCODE_OK, procode_catalog_lookup(cat, "F41", "icd10cm", NULL, &e));
  CHECK(!procode_entry_billable(e));
  procode_entry_free(e);
  e = NULL;

  /* Any system; dates. */
  EXPECT(PROCODE_OK, procode_catalog_lookup(cat, "G0438", NULL, "2025-03-03", &e));
  CHECK_STR(procode_entry_system(e), "hcpcs");
  CHECK(procode_entry_effective(e) != NULL &&
        strlen(procode_entry_effective(e)) == 10);
  procode_entry_free(e);
  e = NULL;
  EXPECT(PROCODE_NOT_FOUND,
         procode_catalog_lookup(cat, "G0438", NULL, "2010-06-01", &e));
  CHECK_MESSAGE_HAS("G0438");
  CHECK(e == NULL);

  /* Errors. */
  EXPECT(PROCODE_NOT_FOUND, procode_catalog_lookup(cat, "Z9Z9Z", "hcpcs", NULL, &e));
  EXPECT(PROCODE_INVALID_CODE, procode_catalog_lookup(cat, "G04#8", NULL, NULL, &e));
  CHECK_MESSAGE_HAS("invalid character");
  EXPECT(PROCODE_UNKNOWN_SYSTEM, procode_catalog_lookup(cat, "G0438", "snomed", NULL, &e));
  CHECK_MESSAGE_HAS("snomed");
  EXPECT(PROCODE_INVALID_DATE, procode_catalog_lookup(cat, "G0438", NULL, "2025-13-01", &e));
  EXPECT(PROCODE_INVALID_DATE, procode_catalog_lookup(cat, "G0438", NULL, "03/03/2025", &e));
  EXPECT(PROCODE_INVALID_DATE, procode_catalog_lookup(cat, "G0438", NULL, "2025-3-3", &e));
  EXPECT(PROCODE_INVALID_UTF8, procode_catalog_lookup(cat, BAD_UTF8, NULL, NULL, &e));
  EXPECT(PROCODE_INVALID_UTF8, procode_catalog_lookup(cat, "G0438", BAD_UTF8, NULL, &e));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_catalog_lookup(NULL, "G0438", NULL, NULL, &e));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_catalog_lookup(cat, NULL, NULL, NULL, &e));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_catalog_lookup(cat, "G0438", NULL, NULL, NULL));
  CHECK(e == NULL);

  /* Accessors of a NULL entry. */
  CHECK(procode_entry_code(NULL) == NULL);
  CHECK(procode_last_error_code() == PROCODE_NULL_ARGUMENT);
  CHECK(procode_entry_display_code(NULL) == NULL);
  CHECK(procode_entry_system(NULL) == NULL);
  CHECK(procode_entry_description(NULL) == NULL);
  CHECK(procode_entry_short_description(NULL) == NULL);
  CHECK(procode_entry_effective(NULL) == NULL);
  CHECK(procode_entry_terminated(NULL) == NULL);
  CHECK(!procode_entry_billable(NULL));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_entry_to_json(NULL, &json));
}

static void test_search(const procode_catalog *cat) {
  procode_results *r = NULL;
  const procode_entry *e;
  size_t i, n;

  /* Code prefix, in code order. */
  EXPECT(PROCODE_OK, procode_catalog_search(cat, "G04", NULL, 5, NULL, &r));
  n = procode_results_len(r);
  CHECK(n == 5);
  for (i = 0; i < n; i++) {
    e = procode_results_get(r, i);
    CHECK(e != NULL && strncmp(procode_entry_code(e), "G04", 3) == 0);
  }
  CHECK(strcmp(procode_entry_code(procode_results_get(r, 0)),
               procode_entry_code(procode_results_get(r, 1))) < 0);
  /* Out of range: NULL, recorded as INDEX_OUT_OF_RANGE. */
  CHECK(procode_results_get(r, 5) == NULL);
  CHECK(procode_last_error_code() == PROCODE_INDEX_OUT_OF_RANGE);
  CHECK_MESSAGE_HAS("index 5");
  CHECK(procode_results_get(r, (size_t)-1) == NULL);
  procode_results_free(r);
  r = NULL;

  /* Words, ranked; system filter. */
  EXPECT(PROCODE_OK, procode_catalog_search(cat, "diab mell", "icd10cm", 10, NULL, &r));
  CHECK(procode_results_len(r) == 10);
  e = procode_results_get(r, 0);
  CHECK(e != NULL && strstr(procode_entry_description(e), "iabetes mellitus") != NULL);
  CHECK_STR(procode_entry_system(e), "icd10cm");
  procode_results_free(r);
  r = NULL;

  /* Pages, totals, mode, display codes, spans through a synonym. */
  EXPECT(PROCODE_OK,
         procode_catalog_search_page(cat, "htn", "icd10cm", 0, 3, 1, NULL, &r));
  CHECK(procode_results_len(r) == 3);
  CHECK(procode_results_total(r) > 3);
  CHECK(procode_results_offset(r) == 0);
  CHECK_STR(procode_results_mode(r), "words");
  CHECK(procode_results_notice(r) == NULL);
  e = procode_results_get(r, 0);
  CHECK_STR(procode_entry_display_code(e), "I10");
  CHECK(procode_results_span_count(r, 0) >= 1);
  {
    size_t start = 0, end = 0;
    const char *term = NULL, *via = NULL;
    int typo = -1;
    EXPECT(PROCODE_OK, procode_results_span(r, 0, 0, &start, &end, &term, &via, &typo));
    CHECK(end > start);
    CHECK_STR(term, "htn");
    CHECK_STR(via, "hypertension");
    CHECK(typo == 0);
    EXPECT(PROCODE_INDEX_OUT_OF_RANGE,
           procode_results_span(r, 0, 99, &start, &end, &term, &via, &typo));
    EXPECT(PROCODE_INDEX_OUT_OF_RANGE, procode_results_span(r, 9, 0, NULL, NULL, NULL, NULL, NULL));
  }
  procode_results_free(r);
  r = NULL;
  EXPECT(PROCODE_OK,
         procode_catalog_search_page(cat, "htn", "icd10cm", 3, 3, 1, NULL, &r));
  CHECK(procode_results_offset(r) == 3);
  CHECK(strcmp(procode_entry_code(procode_results_get(r, 0)), "I10") != 0);
  procode_results_free(r);
  r = NULL;
  /* A CPT-shaped query says so, machine-readably. */
  EXPECT(PROCODE_OK, procode_catalog_search_page(cat, "99213", NULL, 0, 5, 0, NULL, &r));
  CHECK_STR(procode_results_notice(r), "cpt_not_shipped");
  CHECK(strstr(procode_results_notice_message(r), "CPT") != NULL);
  procode_results_free(r);
  r = NULL;

  /* Typos. */
  EXPECT(PROCODE_OK, procode_catalog_search(cat, "wheelchiar cushion", "hcpcs", 3, NULL, &r));
  CHECK(procode_results_len(r) > 0);
  procode_results_free(r);
  r = NULL;

  /* Nothing found is an empty success; a limit of 0 too. */
  EXPECT(PROCODE_OK, procode_catalog_search(cat, "qqqqxxxxzzzz", NULL, 10, NULL, &r));
  CHECK(procode_results_len(r) == 0);
  CHECK(procode_results_get(r, 0) == NULL);
  procode_results_free(r);
  r = NULL;

  /* Dates hide codes not yet valid. */
  EXPECT(PROCODE_OK, procode_catalog_search(cat, "G0438", "hcpcs", 10, "2010-06-01", &r));
  CHECK(procode_results_len(r) == 0);
  procode_results_free(r);
  r = NULL;

  /* Errors. */
  EXPECT(PROCODE_NULL_ARGUMENT, procode_catalog_search(NULL, "G04", NULL, 5, NULL, &r));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_catalog_search(cat, NULL, NULL, 5, NULL, &r));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_catalog_search(cat, "G04", NULL, 5, NULL, NULL));
  EXPECT(PROCODE_INVALID_UTF8, procode_catalog_search(cat, BAD_UTF8, NULL, 5, NULL, &r));
  EXPECT(PROCODE_UNKNOWN_SYSTEM, procode_catalog_search(cat, "G04", "loinc", 5, NULL, &r));
  EXPECT(PROCODE_INVALID_DATE, procode_catalog_search(cat, "G04", NULL, 5, "yesterday", &r));
  EXPECT(PROCODE_QUERY_TOO_LONG,
         procode_catalog_search(cat,
                                "a b c d e f g h i j k l m n o p q r s t u v w x y z "
                                "aa bb cc dd ee ff gg hh",
                                NULL, 5, NULL, &r));
  CHECK(r == NULL);
  CHECK(procode_results_len(NULL) == 0);
  CHECK(procode_results_get(NULL, 0) == NULL);
  CHECK(procode_last_error_code() == PROCODE_NULL_ARGUMENT);
}

static void test_add_ops(const procode_catalog *cat) {
  procode_entry *e = NULL;
  char *op = NULL;

  EXPECT(PROCODE_OK, procode_catalog_lookup(cat, "H0004", "hcpcs", NULL, &e));
  EXPECT(PROCODE_OK, procode_entry_add_op(e, NULL, &op));
  CHECK_HAS(op, "\"op\":\"add\"");
  CHECK_HAS(op, "\"provenance\":\"catalog\"");
  CHECK_HAS(op, "\"units\":1");
  procode_string_free(op);
  op = NULL;
  EXPECT(PROCODE_OK,
         procode_entry_add_op(e, "{\"units\":4,\"modifiers\":[\"HO\"],"
                                 "\"diagnoses\":[\"F41.1\"],"
                                 "\"place_of_service\":\"11\"}",
                              &op));
  CHECK_HAS(op, "\"units\":4");
  CHECK_HAS(op, "\"diagnoses\":[\"F411\"]");
  procode_string_free(op);
  op = NULL;
  EXPECT(PROCODE_INVALID_LINE, procode_entry_add_op(e, "{\"units\":0}", &op));
  CHECK_MESSAGE_HAS("units");
  EXPECT(PROCODE_INVALID_LINE,
         procode_entry_add_op(e, "{\"modifiers\":[\"A1\",\"A2\",\"A3\",\"A4\",\"A5\"]}", &op));
  EXPECT(PROCODE_INVALID_JSON, procode_entry_add_op(e, "{\"units\":", &op));
  EXPECT(PROCODE_INVALID_JSON, procode_entry_add_op(e, "{\"units\":\"four\"}", &op));
  EXPECT(PROCODE_INVALID_UTF8, procode_entry_add_op(e, BAD_UTF8, &op));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_entry_add_op(NULL, NULL, &op));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_entry_add_op(e, NULL, NULL));
  CHECK(op == NULL);
  procode_entry_free(e);

  EXPECT(PROCODE_OK, procode_catalog_add_op(cat, "F41.1", "icd10cm", "2025-03-03", NULL, &op));
  CHECK_HAS(op, "\"code\":\"F411\"");
  procode_string_free(op);
  op = NULL;
  EXPECT(PROCODE_UNKNOWN_CODE, procode_catalog_add_op(cat, "Z9Z9Z", "hcpcs", NULL, NULL, &op));
  CHECK_MESSAGE_HAS("Z9Z9Z");
  EXPECT(PROCODE_UNKNOWN_CODE, procode_catalog_add_op(cat, "G0438", NULL, "2010-01-01", NULL, &op));
  EXPECT(PROCODE_INVALID_CODE, procode_catalog_add_op(cat, "", NULL, NULL, NULL, &op));
  EXPECT(PROCODE_UNKNOWN_SYSTEM, procode_catalog_add_op(cat, "G0438", "x", NULL, NULL, &op));
  EXPECT(PROCODE_INVALID_DATE, procode_catalog_add_op(cat, "G0438", NULL, "", NULL, &op));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_catalog_add_op(NULL, "G0438", NULL, NULL, NULL, &op));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_catalog_add_op(cat, "G0438", NULL, NULL, NULL, NULL));
  CHECK(op == NULL);
}

/* FY2027 with history: the verdict, the releases and the diff as JSON. */
static void test_history(procode_catalog *cat) {
  char *json = NULL;
  EXPECT(PROCODE_OK, procode_catalog_validate(cat, "T52.8X1A", "icd10cm", "2026-12-01", &json));
  CHECK(json != NULL && strstr(json, "\"verdict\":\"terminated\"") != NULL);
  CHECK(json != NULL && strstr(json, "\"terminated\":\"2026-09-30\"") != NULL);
  CHECK(json != NULL && strstr(json, "T52811A") != NULL);
  procode_string_free(json);
  json = NULL;
  EXPECT(PROCODE_OK, procode_catalog_validate(cat, "D69.1", NULL, "2026-09-01", &json));
  CHECK(json != NULL && strstr(json, "\"verdict\":\"valid\"") != NULL);
  procode_string_free(json);
  json = NULL;
  EXPECT(PROCODE_OK, procode_catalog_validate(cat, "Z99999", "icd10cm", NULL, &json));
  CHECK(json != NULL && strstr(json, "\"verdict\":\"unknown\"") != NULL);
  procode_string_free(json);
  json = NULL;
  EXPECT(PROCODE_INVALID_DATE, procode_catalog_validate(cat, "D69.1", NULL, "2026-13-01", &json));
  EXPECT(PROCODE_INVALID_CODE, procode_catalog_validate(cat, "D6#", NULL, NULL, &json));
  EXPECT(PROCODE_OK, procode_catalog_releases(cat, &json));
  CHECK(json != NULL && strstr(json, "\"name\":\"ICD-10-CM FY2027\"") != NULL);
  CHECK(json != NULL && strstr(json, "\"valid_through\":\"2027-09-30\"") != NULL);
  procode_string_free(json);
  json = NULL;
  EXPECT(PROCODE_OK, procode_catalog_diff(cat, cat, "2026-09-30", "2026-10-01", "icd10cm", &json));
  CHECK(json != NULL && strstr(json, "\"code\":\"QA1\"") != NULL);
  procode_string_free(json);
  EXPECT(PROCODE_NULL_ARGUMENT, procode_catalog_diff(NULL, cat, NULL, NULL, NULL, &json));
}

int main(void) {
  procode_catalog *cat = NULL;

  test_errors_api();
  test_open();
  EXPECT(PROCODE_OK, procode_catalog_embedded(&cat));
  if (cat == NULL) {
    return check_summary("test_catalog");
  }
  CHECK(procode_catalog_len(cat) > 100000);
  test_lookup(cat);
  test_search(cat);
  test_add_ops(cat);
  test_history(cat);
  procode_catalog_free(cat);
  return check_summary("test_catalog");
}
