/* Revisions (issue 19) from C: every step on an encounter bumps its
 * revision; procode_encounter_expect_revision refuses a stale one with
 * PROCODE_STALE_DOCUMENT and changes nothing; JSON documents carry theirs
 * (procode_document_revision). On codes picked from the real catalog. */
#include <stdint.h>
#include <stdlib.h>

#include "helpers.h"

static const char SERVICE[] =
    "{\"id\":\"SVC-1\",\"name\":\"Counseling, 60 minutes\","
    "\"price\":{\"amount\":\"120.00\",\"currency\":\"USD\"},"
    "\"paid_in_advance\":true,\"insurance_billable\":true}";
static const char REQUEST[] =
    "{\"session_id\":\"S-1\",\"client_id\":\"C-9\",\"date\":\"2025-03-03\","
    "\"invoice_id\":\"INV-7\"}";
static const char AT[] = "2025-03-02T09:00:00Z";
static const char PAYMENT[] =
    "{\"id\":\"P1\",\"amount\":{\"amount\":\"20.00\",\"currency\":\"USD\"},"
    "\"received_at\":\"2025-03-03T10:00:00Z\"}";

static uint64_t revision_of(const procode_encounter *enc) {
  uint64_t r = 0;
  EXPECT(PROCODE_OK, procode_encounter_revision(enc, &r));
  return r;
}

static char *service_with_h0004(const procode_catalog *cat) {
  char *op = NULL;
  EXPECT(PROCODE_OK,
         procode_catalog_add_op(cat, "H0004", "hcpcs", NULL,
                                "{\"units\":4,\"diagnoses\":[\"F41.1\"],"
                                "\"place_of_service\":\"11\"}",
                                &op));
  return service_with_op(SERVICE, op, AT);
}

static void test_documents(const char *svc) {
  uint64_t r = 0, expected = 2, stale = 1;
  /* A new service is at 1; the edit made it 2. */
  EXPECT(PROCODE_OK,
         procode_document_revision(
             "{\"kind\":\"service\",\"id\":\"SVC-2\",\"name\":\"V\","
             "\"price\":{\"amount\":\"1\",\"currency\":\"USD\"},"
             "\"paid_in_advance\":false,\"insurance_billable\":true}",
             NULL, &r));
  CHECK(r == 1);
  /* The document's kind is required (the service alone is ambiguous). */
  EXPECT(PROCODE_INVALID_JSON, procode_document_revision(SERVICE, NULL, &r));
  EXPECT(PROCODE_OK, procode_document_revision(svc, &expected, &r));
  CHECK(r == 2);
  CHECK_HAS(svc, "\"revision\":2");
  r = 0;
  EXPECT(PROCODE_STALE_DOCUMENT, procode_document_revision(svc, &stale, &r));
  CHECK(r == 2);
  CHECK_MESSAGE_HAS("service SVC-1 is at revision 2, not the expected 1");
  EXPECT(PROCODE_NULL_ARGUMENT, procode_document_revision(svc, NULL, NULL));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_document_revision(NULL, NULL, &r));
  EXPECT(PROCODE_INCONSISTENT_DOCUMENT,
         procode_document_revision(
             "{\"kind\":\"service\",\"id\":\"SVC-1\",\"revision\":0,"
             "\"name\":\"V\",\"price\":{\"amount\":\"1\",\"currency\":\"USD\"},"
             "\"paid_in_advance\":false,\"insurance_billable\":true}",
             NULL, &r));
  EXPECT(PROCODE_INVALID_JSON,
         procode_document_revision(
             "{\"kind\":\"service\",\"id\":\"SVC-1\",\"revision\":-3,"
             "\"name\":\"V\",\"price\":{\"amount\":\"1\",\"currency\":\"USD\"},"
             "\"paid_in_advance\":false,\"insurance_billable\":true}",
             NULL, &r));
}

static void test_encounter(const char *svc) {
  procode_encounter *enc = NULL;
  char *before = NULL, *after = NULL, *out = NULL;
  uint64_t loaded;
  EXPECT(PROCODE_OK, procode_encounter_book(svc, REQUEST, NULL, &enc));
  if (enc == NULL) return;
  CHECK(revision_of(enc) == 2); /* session 1 + invoice 1 */

  /* Review at the loaded revision: accepted, and the revision moves on. */
  loaded = revision_of(enc);
  EXPECT(PROCODE_OK, procode_encounter_expect_revision(enc, loaded));
  EXPECT(PROCODE_OK,
         procode_encounter_review(enc,
                                  "{\"ops\":[{\"op\":\"edit\",\"line_id\":\"L1\","
                                  "\"changes\":{\"units\":2}}]}",
                                  "front-desk", AT, NULL, NULL, NULL));
  CHECK(revision_of(enc) == loaded + 2); /* session and invoice */

  /* A second editor still holding `loaded`: refused, nothing changes. */
  EXPECT(PROCODE_OK, procode_encounter_to_json(enc, &before));
  EXPECT(PROCODE_STALE_DOCUMENT, procode_encounter_expect_revision(enc, loaded));
  CHECK_MESSAGE_HAS("the encounter of session S-1");
  CHECK_MESSAGE_HAS("not the expected 2");
  EXPECT(PROCODE_OK, procode_encounter_to_json(enc, &after));
  CHECK(before != NULL && after != NULL && strcmp(before, after) == 0);
  procode_string_free(before);
  procode_string_free(after);

  /* Every further step bumps it. */
  loaded = revision_of(enc);
  EXPECT(PROCODE_OK, procode_encounter_confirm(enc, PAYMENT, NULL));
  CHECK(revision_of(enc) > loaded);
  loaded = revision_of(enc);
  EXPECT(PROCODE_OK, procode_encounter_complete(enc, "{\"ops\":[]}", NULL, "dr", AT,
                                                NULL, NULL, NULL));
  CHECK(revision_of(enc) > loaded);
  loaded = revision_of(enc);
  EXPECT(PROCODE_OK,
         procode_encounter_edit_invoice(enc,
                                        "{\"ops\":[{\"op\":\"edit\",\"line_id\":\"L1\","
                                        "\"changes\":{\"units\":3}}]}",
                                        "billing", AT, NULL, NULL, NULL));
  CHECK(revision_of(enc) == loaded + 1);
  loaded = revision_of(enc);
  EXPECT(PROCODE_OK, procode_encounter_send_invoice(enc, NULL));
  CHECK(revision_of(enc) == loaded + 1);
  /* A refused step leaves it. */
  loaded = revision_of(enc);
  EXPECT(PROCODE_HAS_PAYMENTS, procode_encounter_void_invoice(enc));
  CHECK(revision_of(enc) == loaded);

  /* The revisions survive JSON. */
  EXPECT(PROCODE_OK, procode_encounter_invoice_json(enc, &out));
  CHECK_HAS(out, "\"revision\":");
  procode_string_free(out);
  out = NULL;
  EXPECT(PROCODE_OK, procode_encounter_to_json(enc, &out));
  if (out != NULL) {
    procode_encounter *back = NULL;
    EXPECT(PROCODE_OK, procode_encounter_from_json(out, &back));
    if (back != NULL) CHECK(revision_of(back) == revision_of(enc));
    procode_encounter_free(back);
  }
  procode_string_free(out);

  EXPECT(PROCODE_NULL_ARGUMENT, procode_encounter_revision(enc, NULL));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_encounter_revision(NULL, &loaded));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_encounter_expect_revision(NULL, 1));
  CHECK_STR(procode_result_name(PROCODE_STALE_DOCUMENT), "PROCODE_STALE_DOCUMENT");
  CHECK(PROCODE_STALE_DOCUMENT == 40);
  procode_encounter_free(enc);
}

static void tests(const procode_catalog *cat) {
  char *svc = service_with_h0004(cat);
  if (svc != NULL) {
    test_documents(svc);
    test_encounter(svc);
  }
  procode_string_free(svc);
}

int main(void) { return run_on_embedded_catalog("test_revisions", tests); }
