/* hammer_writer.c - the writer hot loop of one writer per entry
 * (hammer_internal.h's writer_loop()), one copy per (kind, barrier, gap
 * on/off), and hammer_writer(), which picks the copy: one of these, or
 * for --reader kvm-count one of hammer_writer_kvm.c's, or with
 * --writers-per-entry N > 1 one of hammer_writer_ptl.c's. */
#include "hammer_internal.h"

/* One copy per (writer, barrier, gap). */
#define WRITER_FNS(kind, b) \
    static void wr_##kind##_##b##_0(struct writer_ctx *wc) { writer_loop_ct(wc, kind, b, 0, 0); } \
    static void wr_##kind##_##b##_1(struct writer_ctx *wc) { writer_loop_ct(wc, kind, b, 1, 0); }
#define WRITER_ROW(kind, b) [b] = { wr_##kind##_##b##_0, wr_##kind##_##b##_1 },
#define WRITER_ROW_KIND(kind) [kind] = { FOR_EACH_BAR_EFF(WRITER_ROW, kind) },
#define WRITER_FNS_KIND(kind) FOR_EACH_BAR_EFF(WRITER_FNS, kind)
FOR_EACH_WK(WRITER_FNS_KIND)
static const writer_fn writer_fns[WK_N][BAR_NEFF][2] = {
    FOR_EACH_WK(WRITER_ROW_KIND)
};

void hammer_writer(struct writer_ctx *wc)
{
    const struct run_shared *sh = wc->sh;
    enum writer_kind w = sh->cfg->writer;
    const int pmd = sh->cfg->level == LEVEL_PMD;
    enum wkind kind = w == WRITER_UNORDERED ? WK_UNORDERED
                    : (w == WRITER_MIPS || w == WRITER_SH) ? WK_HIGH_FIRST
                    : w == WRITER_X86_PAE ? (pmd ? WK_X86_PAE_PMD : WK_X86_PAE)
                    : w == WRITER_X86_PAE_V26 ? (pmd ? WK_X86_PAE_V26_PMD : WK_X86_PAE_V26)
                    : WK_DOCUMENTED;        /* documented at pmd: set_pmd and pmd_clear are set_pte's and pte_clear's moves */
    const int gap = sh->cfg->writer_gap != 0, count = sh->cfg->reader == READER_KVM_COUNT;
    if (sh->ptl)
        writer_ptl_fns[kind][sh->bar.eff][gap][count](wc);
    else
        (count ? writer_kvm_fns : writer_fns)[kind][sh->bar.eff][gap](wc);
}
