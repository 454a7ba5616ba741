/* The story of procode, from C: a practice picks codes from the embedded
 * catalog, saves them on a paid-in-advance service, books a session,
 * reviews and confirms it, completes it, edits and pays the invoice, and is
 * refused when it tries to edit the paid invoice.
 *
 *   cc -std=c99 -Iinclude story.c target/debug/libprocode.a -lpthread -ldl -lm
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "procode.h"

/* Prints the last error and exits. */
static void fail(const char *what, procode_result rc) {
  char msg[512];
  procode_last_error_message(msg, sizeof msg, NULL);
  fprintf(stderr, "%s: %s: %s\n", what, procode_result_name(rc), msg);
  exit(1);
}

#define TRY(call)                                                            \
  do {                                                                       \
    procode_result rc_ = (call);                                             \
    if (rc_ != PROCODE_OK) fail(#call, rc_);                                 \
  } while (0)

/* Copies the string value after `"key":{"amount":"` in a JSON text (a host
 * would use its JSON library). */
static void amount_of(const char *json, const char *key, char *out, size_t n) {
  char pattern[64];
  const char *p;
  size_t i = 0;
  snprintf(pattern, sizeof pattern, "\"%s\":{\"amount\":\"", key);
  p = strstr(json, pattern);
  if (p != NULL) {
    for (p += strlen(pattern); *p != '"' && i + 1 < n; p++) out[i++] = *p;
  }
  out[i] = '\0';
}

static void print_invoice(const procode_encounter *enc) {
  char *json = NULL, total[32], balance[32];
  TRY(procode_encounter_invoice_json(enc, &json));
  amount_of(json, "total", total, sizeof total);
  amount_of(json, "balance", balance, sizeof balance);
  printf("  invoice INV-7: %s, total %s USD, balance %s USD\n",
         procode_encounter_invoice_state(enc), total, balance);
  procode_string_free(json);
}

int main(void) {
  procode_catalog *cat = NULL;
  procode_results *found = NULL;
  procode_entry *h0004 = NULL, *f411 = NULL;
  procode_pricing *fees = NULL;
  procode_encounter *enc = NULL;
  procode_problems *problems = NULL;
  char *op = NULL, *service = NULL, *out = NULL, *json = NULL;
  char batch[4096], payment[256], balance[32], msg[512];
  const char *state = NULL;
  size_t i;
  procode_result rc;

  printf("procode %s\n", procode_version());
  TRY(procode_catalog_embedded(&cat));

  /* 1. The typeahead box and exact lookups. */
  TRY(procode_catalog_search(cat, "annual wellness", NULL, 5, NULL, &found));
  printf("search \"annual wellness\":\n");
  for (i = 0; i < procode_results_len(found); i++) {
    const procode_entry *e = procode_results_get(found, i);
    printf("  %-8s %-7s %s\n", procode_entry_display_code(e),
           procode_entry_system(e), procode_entry_description(e));
  }
  procode_results_free(found);

  TRY(procode_catalog_lookup(cat, "H0004", "hcpcs", NULL, &h0004));
  TRY(procode_catalog_lookup(cat, "f41.1", "icd10cm", NULL, &f411));
  printf("lookup: %s %s (effective %s)\n", procode_entry_display_code(h0004),
         procode_entry_description(h0004),
         procode_entry_effective(h0004) ? procode_entry_effective(h0004) : "-");
  printf("lookup: %s %s (billable: %s)\n", procode_entry_display_code(f411),
         procode_entry_description(f411),
         procode_entry_billable(f411) ? "yes" : "no");

  /* 2. Put the codes on a paid-in-advance service. */
  TRY(procode_entry_add_op(h0004,
                           "{\"units\":4,\"modifiers\":[\"HO\"],"
                           "\"diagnoses\":[\"F41.1\"],\"place_of_service\":\"11\"}",
                           &op));
  snprintf(batch, sizeof batch, "{\"ops\":[%s]}", op);
  procode_string_free(op);
  TRY(procode_service_edit("{\"id\":\"SVC-1\",\"name\":\"Counseling, 60 minutes\","
                           "\"price\":{\"amount\":\"120.00\",\"currency\":\"USD\"},"
                           "\"paid_in_advance\":true,\"insurance_billable\":true}",
                           batch, "admin", "2025-03-01T08:00:00Z", NULL, NULL,
                           &service, NULL));
  printf("service SVC-1 saved with H0004 x4 (HO) for %s\n",
         procode_entry_display_code(f411));

  /* 3. Fee schedule of the payer, then book. */
  TRY(procode_pricing_new(&fees));
  TRY(procode_pricing_add_csv(fees, "AETNA-2025", "AETNA", "USD",
                              "code,modifiers,rate,effective,terminated\n"
                              "H0004,HO,30.125,2025-01-01,\n"
                              "H0004,,28.00,2025-01-01,\n"
                              "G0444,,21.50,,\n",
                              ','));
  TRY(procode_encounter_book(service,
                             "{\"session_id\":\"S-1\",\"client_id\":\"C-9\","
                             "\"date\":\"2025-03-03\",\"payer_id\":\"AETNA\","
                             "\"invoice_id\":\"INV-7\"}",
                             fees, &enc));
  printf("booked: session %s\n", procode_encounter_session_state(enc));
  print_invoice(enc);

  /* 4. Review: add a depression screening picked from the catalog. */
  TRY(procode_catalog_add_op(cat, "G0444", "hcpcs", "2025-03-03",
                             "{\"diagnoses\":[\"F32.9\"],\"place_of_service\":\"11\"}",
                             &op));
  snprintf(batch, sizeof batch, "{\"ops\":[%s]}", op);
  procode_string_free(op);
  TRY(procode_encounter_review(enc, batch, "front-desk", "2025-03-02T09:00:00Z",
                               fees, NULL, &out));
  printf("reviewed: %s\n", out);
  procode_string_free(out);
  print_invoice(enc);

  /* 5. Confirm (no payment yet): booked, invoice sent. */
  TRY(procode_encounter_confirm(enc, NULL, &state));
  printf("confirmed: session %s, invoice %s\n",
         procode_encounter_session_state(enc), state);

  /* 6. Complete: the counseling took 5 units; the sent invoice follows. */
  TRY(procode_encounter_complete(
      enc, "{\"ops\":[{\"op\":\"edit\",\"line_id\":\"L1\",\"changes\":{\"units\":5}}]}",
      NULL, "dr.lee", "2025-03-03T11:00:00Z", fees, NULL, &out));
  printf("completed: %s\n", out);
  procode_string_free(out);

  /* 7. Edit the invoice in billing, then re-send it. */
  TRY(procode_encounter_edit_invoice(
      enc, "{\"ops\":[{\"op\":\"edit\",\"line_id\":\"L2\",\"changes\":"
           "{\"description\":\"Annual depression screening\"}}]}",
      "billing", "2025-03-04T09:00:00Z", fees, NULL, &out));
  printf("invoice edited: %s\n", out);
  procode_string_free(out);
  TRY(procode_encounter_send_invoice(enc, NULL));
  print_invoice(enc);

  /* 8. Readiness of the invoice. */
  TRY(procode_encounter_invoice_json(enc, &json));
  TRY(procode_readiness(cat, json, fees, &problems));
  printf("readiness: %zu problem(s)\n", procode_problems_len(problems));
  for (i = 0; i < procode_problems_len(problems); i++) {
    const char *line = procode_problems_line_id(problems, i);
    printf("  %s (%s): %s\n", procode_problems_code(problems, i),
           line ? line : "document", procode_problems_message(problems, i));
  }
  procode_problems_free(problems);

  /* 9. Pay the balance. */
  amount_of(json, "balance", balance, sizeof balance);
  procode_string_free(json);
  snprintf(payment, sizeof payment,
           "{\"id\":\"P1\",\"amount\":{\"amount\":\"%s\",\"currency\":\"USD\"},"
           "\"received_at\":\"2025-03-05T10:00:00Z\"}",
           balance);
  TRY(procode_encounter_record_payment(enc, payment, &state));
  printf("paid %s USD: invoice %s\n", balance, state);

  /* 10. Editing a paid invoice is refused, and nothing changes. */
  rc = procode_encounter_edit_invoice(
      enc, "{\"ops\":[{\"op\":\"remove\",\"line_id\":\"L2\"}]}", "billing",
      "2025-03-06T09:00:00Z", fees, NULL, NULL);
  procode_last_error_message(msg, sizeof msg, NULL);
  printf("edit after payment: %s: %s\n", procode_result_name(rc), msg);
  print_invoice(enc);

  procode_encounter_free(enc);
  procode_pricing_free(fees);
  procode_string_free(service);
  procode_entry_free(f411);
  procode_entry_free(h0004);
  procode_catalog_free(cat);
  return rc == PROCODE_EDIT_NOT_ALLOWED ? 0 : 1;
}
