/* hammer_writer_kvm.c - the writer hot loop of one writer per entry for
 * --reader kvm-count: hammer_internal.h's writer_loop() with `count`, which
 * bumps the pair's clear counter after every clear (count_spte_clear(),
 * protocol.h), one copy per (kind, barrier, gap on/off), in the table
 * writer_kvm_fns for hammer_writer() (hammer_writer.c). */
#include "hammer_internal.h"

/* One copy per (writer, barrier, gap), as hammer_writer.c's, with the clear
 * counter. */
#define WRITER_FNS(kind, b) \
    static void wr_##kind##_##b##_0c(struct writer_ctx *wc) { writer_loop_ct(wc, kind, b, 0, 1); } \
    static void wr_##kind##_##b##_1c(struct writer_ctx *wc) { writer_loop_ct(wc, kind, b, 1, 1); }
#define WRITER_ROW(kind, b) [b] = { wr_##kind##_##b##_0c, wr_##kind##_##b##_1c },
#define WRITER_ROW_KIND(kind) [kind] = { FOR_EACH_BAR_EFF(WRITER_ROW, kind) },
#define WRITER_FNS_KIND(kind) FOR_EACH_BAR_EFF(WRITER_FNS, kind)
FOR_EACH_WK(WRITER_FNS_KIND)
const writer_fn writer_kvm_fns[WK_N][BAR_NEFF][2] = {
    FOR_EACH_WK(WRITER_ROW_KIND)
};
