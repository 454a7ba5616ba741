/* NCCI edits through the C ABI: build an edits file from (small) CMS-shaped
 * tables, attach it to the embedded catalog, and see readiness report
 * NCCI_PTP_CONFLICT and MUE_EXCEEDED. */
#include <stdlib.h>

#include "helpers.h"

static const char *INVOICE = EXAMPLE_INVOICE;

static int write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (f == NULL) return 0;
  fputs(text, f);
  fclose(f);
  return 1;
}

static int has_code(procode_problems *p, const char *code) {
  for (size_t i = 0; i < procode_problems_len(p); i++) {
    const char *c = procode_problems_code(p, i);
    if (c != NULL && strcmp(c, code) == 0) return 1;
  }
  return 0;
}

int main(void) {
  const char *ptp = "test_edits_ptp.tsv";
  const char *mue = "test_edits_mue.tsv";
  const char *idx = "test_edits.idx";
  CHECK(write_file(ptp,
                   "column1\tcolumn2\tdeletion_date\tmodifier_indicator\trationale\n"
                   "H0004\tG0444\t9999-12-31\t0\tMutually exclusive procedures\n"));
  CHECK(write_file(mue,
                   "code\tmue\tmai\trationale\teffective_date\n"
                   "H0004\t2\t3\tClinical: Data\t2024-07-01\n"));
  EXPECT(PROCODE_OK, procode_edits_build(ptp, mue, idx));

  procode_catalog *cat = NULL, *with = NULL;
  EXPECT(PROCODE_OK, procode_catalog_embedded(&cat));
  EXPECT(PROCODE_OK, procode_catalog_with_ncci(cat, idx, &with));

  /* Without edits the invoice is ready; with them it is not. */
  procode_problems *p = NULL;
  EXPECT(PROCODE_OK, procode_readiness(cat, INVOICE, NULL, &p));
  CHECK(errors_len(p) == 0);
  procode_problems_free(p);
  EXPECT(PROCODE_OK, procode_readiness(with, INVOICE, NULL, &p));
  CHECK(has_code(p, "NCCI_PTP_CONFLICT"));
  CHECK(has_code(p, "MUE_EXCEEDED"));
  procode_problems_free(p);

  /* Errors: a bad row names file, line and column; a foreign file and a
   * missing one are refused; NULLs are errors. */
  CHECK(write_file(mue, "code\tmue\tmai\trationale\teffective_date\nH0004\tmany\t3\tx\t2024-07-01\n"));
  EXPECT(PROCODE_NCCI_ERROR, procode_edits_build(NULL, mue, "unused.idx"));
  char msg[512];
  procode_last_error_message(msg, sizeof msg, NULL);
  CHECK(strstr(msg, "test_edits_mue.tsv") != NULL);
  EXPECT(PROCODE_NULL_ARGUMENT, procode_edits_build(NULL, NULL, "unused.idx"));
  EXPECT(PROCODE_NULL_ARGUMENT, procode_edits_build(ptp, NULL, NULL));
  procode_catalog *bad = (procode_catalog *)0x1;
  EXPECT(PROCODE_NCCI_ERROR, procode_catalog_with_ncci(cat, ptp, &bad));
  EXPECT(PROCODE_IO, procode_catalog_with_ncci(cat, "/nonexistent/edits.idx", &bad));
  CHECK(bad == (procode_catalog *)0x1);
  EXPECT(PROCODE_NULL_ARGUMENT, procode_catalog_with_ncci(NULL, idx, &bad));

  procode_catalog_free(with);
  procode_catalog_free(cat);
  remove(ptp);
  remove(mue);
  remove(idx);
  return check_summary("test_edits");
}
