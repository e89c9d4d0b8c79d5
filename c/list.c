/* list.c - `ptear list`: every reader, writer and barrier of this build, as
 * they behave on this CPU; one line each, or with --json the ptear-list/1
 * document the Rust tool prints too (same keys, order and words). */
#include <stdio.h>

#include "barrier.h"
#include "config.h"
#include "layout.h"
#include "json.h"
#include "list.h"
#include "report.h"
#include "selftest.h"

/* reader_help, writer_help and writer_kernels (each writer profile's
 * kernels and source files) are generated.h's: src/config.rs's tables. */

/* The plain list's own words. */
static const char *const reader_text[READER_NKINDS] = {
    "ptep_get_lockless(): low, smp_rmb, high, smp_rmb, again until low is unchanged (retries counted)",
    "low, smp_rmb, high, no re-check: a known-broken control",
    "one 64-bit atomic load of the pair (x86-64: mov; i686: lock cmpxchg8b): the reference",
    "gup_fast_pte_range(): ptep_get_lockless(), an atomic reference, re-check high then low (no barrier), "
    "fall back on a change",
    "__get_spte_lockless(): clear counter, low, high, again while low or the counter changed (retries counted)",
};
static const char *const writer_text[WRITER_NKINDS] = {
    "set_pte: high, smp_wmb, low; pte_clear: low = 0, smp_wmb, high = 0 (what the reader assumes; x86 PAE)",
    "set_pte as documented; clear = native_ptep_get_and_clear: one 64-bit exchange with 0 (x86 PAE, v4.19+)",
    "set_pte as documented; clear = xchg(low, 0), then a plain high = 0 (x86 PAE up to v4.18)",
    "set_pte as documented; pte_clear = set_pte(0): high = 0 first, then low (arch/mips pgtable.h)",
    "set_pte as documented; pte_clear = set_pte(0): high = 0 first, then low (arch/sh pgtable_32.h)",
    "install: low, then high, no barrier; clear as documented: a known-broken control",
};

/* --clear-to and --level, as the plain list words them. */
static const char *const clear_to_text[CLEAR_TO_N] = {
    "clear(E); install(E'): the slot holds 0 between two entries (zap_pte_range, then a fault)",
    "clear(E); install(S); install(E') over S: a swap entry (try_to_unmap_one, do_swap_page)",
    "clear(E); install(M); install(E') over M: a migration entry (try_to_migrate_one, remove_migration_pte)",
    "clear(E); install(PN); clear(PN); install(E'): E made PROT_NONE and back (change_pte_range); x86 layouts",
};
static const char *const level_text[LEVEL_N] = {
    "page-table entries (the default)",
    "x86 PAE 2 MiB PMDs (pmdp_get_lockless): layouts x86-pae*, not the mips or sh writers, --clear-to zero",
};

/* Why this CPU cannot run a reader or writer kind: NULL if it can. */
static const char *reader_unavailable(enum reader_kind k)
{
#if defined(PTEAR_HAS_ATOMIC64)
    (void)k;
    return NULL;
#else
    return k == READER_ATOMIC64 ? PTEAR_NO_ATOMIC64 : NULL;
#endif
}

static const char *writer_unavailable(enum writer_kind k)
{
#if defined(PTEAR_HAS_ATOMIC64)
    (void)k;
    return NULL;
#else
    return k == WRITER_X86_PAE ? PTEAR_NO_ATOMIC64 : NULL;
#endif
}

/* One of "readers" or "writers": kernels and source are a writer
 * profile's (NULL: null, as for every reader). */
static void json_kind(struct json *j, const char *name, const char *help, const char *unavailable,
                      const char *kernels, const char *source)
{
    json_obj_begin(j, NULL);
    json_str(j, "name", name);
    json_str(j, "help", help);
    json_str_or_null(j, "unavailable", unavailable);
    json_str_or_null(j, "kernels", kernels);
    json_str_or_null(j, "source", source);
    json_obj_end(j);
}

/* "readers", "writers" and "barriers": this build's kinds, with why this
 * CPU cannot run one (null if it can). */
static void json_kinds(struct json *j)
{
    int k;

    json_arr_begin(j, "readers");
    for (k = 0; k < READER_NKINDS; k++)
        json_kind(j, reader_names[k], reader_help[k], reader_unavailable((enum reader_kind)k), NULL, NULL);
    json_arr_end(j);
    json_arr_begin(j, "writers");
    for (k = 0; k < WRITER_NKINDS; k++)
        json_kind(j, writer_names[k], writer_help[k], writer_unavailable((enum writer_kind)k), writer_kernels[k][0],
                  writer_kernels[k][1]);
    json_arr_end(j);
    json_arr_begin(j, "barriers");
    for (k = 0; k < BARRIER_NKINDS; k++) {      /* kernel, full, the arch's own, compiler, none */
        struct barrier_info bi;
        if (!barrier_info_get((enum barrier_kind)k, &bi))
            continue;
        json_obj_begin(j, NULL);
        json_str(j, "name", barrier_names[k]);
        json_str(j, "detail", bi.detail);
        json_str_or_null(j, "unavailable", bi.unavailable);
        json_obj_end(j);
    }
    json_arr_end(j);
}

static void json_limits(struct json *j)
{
    json_obj_begin(j, "limits");
    json_u64(j, "max_threads", PTEAR_MAX_THREADS);
    json_u64(j, "max_pairs", PTEAR_MAX_PAIRS);
    json_u64(j, "max_gap", PTEAR_MAX_GAP);
    json_u64(j, "max_low_period", PTEAR_MAX_LOW_PERIOD);
    json_u64(j, "max_duration_s", PTEAR_MAX_DURATION_S);
    json_u64(j, "max_samples", PTEAR_MAX_SAMPLES);
    json_u64(j, "kind_first", PTEAR_KIND_FIRST);
    json_u64(j, "exact_retries", PTEAR_EXACT_RETRIES);
    json_u64(j, "rare_retry_slots", PTEAR_RARE_SLOTS);
    json_obj_end(j);
}

/* One of "controls": selftest.c's table, src/selftest.rs Control. */
static void json_control(struct json *j, const struct control *c)
{
    json_obj_begin(j, NULL);
    json_str(j, "name", c->name);
    json_str(j, "reader", reader_names[c->reader]);
    json_str(j, "writer", writer_names[c->writer]);
    json_str(j, "barrier", barrier_names[c->barrier]);
    if (c->low_period)
        json_u64(j, "low_period", c->low_period);
    else
        json_null(j, "low_period");
    json_u64(j, "writer_gap", c->writer_gap);
    json_u64(j, "reader_gap", c->reader_gap);
    json_str(j, "expect", c->expect_torn ? "torn" : "clean");
    json_bool(j, "needs_two_cpus", c->needs_two_cpus);
    json_bool(j, "needs_atomic64", c->needs_atomic64);
    json_str_or_null(j, "layout", c->layout >= 0 ? layout_table[c->layout].name : NULL);
    json_str(j, "clear_to", clear_to_names[c->clear_to]);
    json_str(j, "level", level_names[c->level]);
    json_str_or_null(j, "expect_class", expect_class_names[c->expect_class]);
    json_bool(j, "expect_caught", c->expect_caught);
    json_obj_end(j);
}

/* One of layout.h's two-word arrays: [data, text] flags, or an entry's
 * [low, high]. */
static void json_pair(struct json *j, const char *key, const uint32_t v[2])
{
    json_arr_begin(j, key);
    json_u64(j, NULL, v[0]);
    json_u64(j, NULL, v[1]);
    json_arr_end(j);
}

/* One of "layouts": a row of layout.h's table (docs/layouts.md), with its
 * PMD row or null. */
static void json_layout(struct json *j, const struct layout *l)
{
    json_obj_begin(j, NULL);
    json_str(j, "name", l->name);
    json_str(j, "help", l->help);
    json_u64(j, "present", l->present);
    json_u64(j, "low_shift", l->low_shift);
    json_u64(j, "low_bits", l->low_bits);
    json_pair(j, "low_flags", l->low_flags);
    json_u64(j, "high_shift", l->high_shift);
    json_u64(j, "high_bits", l->high_bits);
    json_u64(j, "pfn_high_bits", l->pfn_high_bits);
    json_u64(j, "states", l->states);
    json_u64(j, "high_add", l->high_add);
    json_pair(j, "high_flags", l->high_flags);
    json_u64(j, "nx_mask", l->nx_mask);
    json_u64(j, "perm_mask", l->perm_mask);
    json_u64(j, "max_low_period", l->max_low_period);
    json_u64(j, "protnone", l->protnone);
    json_pair(j, "protnone_low_flags", l->protnone_low_flags);
    json_pair(j, "swap", l->swap);
    json_pair(j, "migration", l->migration);
    if (l->pmd.exists) {
        json_obj_begin(j, "pmd");
        json_u64(j, "low_shift", l->pmd.low_shift);
        json_u64(j, "low_bits", l->pmd.low_bits);
        json_pair(j, "low_flags", l->pmd.low_flags);
        json_u64(j, "max_low_period", l->pmd.max_low_period);
        json_obj_end(j);
    } else {
        json_null(j, "pmd");
    }
    json_obj_end(j);
}

static int list_json(void)
{
    struct json j;
    const struct control *ctl;
    const char *text;
    size_t n, i;
    int k;

    json_init(&j);
    json_obj_begin(&j, NULL);
    json_str(&j, "schema", PTEAR_LIST_SCHEMA);
    report_json_tool(&j);
    json_str(&j, "arch", ARCH_NAME);
    json_kinds(&j);
    json_limits(&j);
    json_arr_begin(&j, "controls");
    ctl = selftest_controls(&n);
    for (i = 0; i < n; i++)
        json_control(&j, &ctl[i]);
    json_arr_end(&j);
    json_arr_begin(&j, "layouts");
    for (k = 0; k < LAYOUT_N; k++)
        json_layout(&j, &layout_table[k]);
    json_arr_end(&j);
    json_obj_end(&j);
    text = json_done(&j);
    if (!text) {
        json_free(&j);
        fprintf(stderr, "ptear: runtime failure: out of memory building the JSON\n");
        return 3;
    }
    fputs(text, stdout);
    json_free(&j);
    return 0;
}

int cmd_list(int json)
{
    char buf[320];
    int i;
    if (json)
        return list_json();
    for (i = 0; i < READER_NKINDS; i++) {
        const char *why = reader_unavailable((enum reader_kind)i);
        printf("reader   %-11s %s%s%s%s\n", reader_names[i], reader_text[i], why ? "  [not available: " : "",
               why ? why : "", why ? "]" : "");
    }
    for (i = 0; i < WRITER_NKINDS; i++) {
        const char *why = writer_unavailable((enum writer_kind)i);
        printf("writer   %-11s %s%s%s%s\n", writer_names[i], writer_text[i], why ? "  [not available: " : "",
               why ? why : "", why ? "]" : "");
        if (writer_kernels[i][0])
            printf("%-21skernels: %s; %s\n", "", writer_kernels[i][0], writer_kernels[i][1]);
    }
    for (i = 0; i < BARRIER_NKINDS; i++) {
        const char *d = barrier_describe((enum barrier_kind)i, buf, sizeof buf);
        if (d)
            printf("barrier  %-11s %s\n", barrier_names[i], d);
    }
    for (i = 0; i < LAYOUT_N; i++) {
        const struct layout *l = &layout_table[i];
        printf("layout   %-17s %s (max low period %u)\n", l->name, l->help, l->max_low_period);
        if (l->pmd.exists)
            printf("%-26s--level pmd: PSE, page frame from bit %u (max low period %u)\n", "", l->pmd.low_shift,
                   l->pmd.max_low_period);
        if (l->protnone)
            printf("%-26s--clear-to protnone: PROTNONE 0x%x, page frame inverted\n", "", l->protnone);
    }
    for (i = 0; i < CLEAR_TO_N; i++)
        printf("clear-to %-11s %s\n", clear_to_names[i], clear_to_text[i]);
    for (i = 0; i < LEVEL_N; i++)
        printf("level    %-11s %s\n", level_names[i], level_text[i]);
    return 0;
}
