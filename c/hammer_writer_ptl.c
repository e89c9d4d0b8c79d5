/* hammer_writer_ptl.c - the writer hot loop of --writers-per-entry N > 1
 * (writer_ptl_loop(), under the entries' page-table locks), one copy per
 * (kind, barrier, gap on/off, kvm-count's clear counter or not), in the
 * table writer_ptl_fns for hammer_writer() (hammer_writer.c). */
#include "hammer_internal.h"

/* With the page-table locks: a thread's clears and its installs, apart. */
static __attribute__((noinline, cold)) void writer_ptl_publish(struct writer_ctx *wc, uint64_t clears,
                                                               uint64_t installs)
{
    const struct writer_counts c = { clears, installs };
    seq_publish(&wc->seq, wc->pub, &c, sizeof c);
}

/* --writers-per-entry N > 1: one of the N threads of a group, which take
 * turns on each of the group's pairs as CPUs that zap and re-install the
 * same entry do (B zaps, C installs, D zaps and installs: the ABA of a
 * reader that reads low, high, low). Round-robin over the group's pairs:
 * take the entry's page-table lock (sh->ptl[p]), do its next step (clear
 * it if installed, else install the state after the one it held), drop
 * the lock. Which thread does which step is up to who gets the lock, so
 * every pair keeps its own j and h, under its lock. With `count` the clear
 * bumps the pair's clear counter, under the lock as KVM's under mmu_lock.
 * With --clear-to other than zero the clear step also installs S, M or
 * PN(j, h) of the entry it cleared, and with protnone the install step
 * first clears that PN (and bumps the counter). The Rust tool's
 * writer_ptl (src/engine/hammer.rs). */
static PTEAR_ALWAYS_INLINE void writer_ptl_loop(struct writer_ctx *wc, const enum wkind kind, const enum bar_eff b,
                                                const int gap, const int count)
{
    struct run_shared *const sh = wc->sh;
    struct pte_pair *const pairs = sh->pairs;
    struct pte_ptl *const ptls = sh->ptl;
    uint32_t *const side = sh->side;
    const struct pte_enc enc = sh->enc;
    const uint32_t npairs = sh->cfg->pairs, stride = sh->cfg->writers, first = wc->group;
    const uint32_t *const stop = &sh->stop;
    const uint32_t batch = gap ? 1 : STOP_CHECK_CYCLES;
    const uint32_t step = wc->publish_step;
    struct gap_stream g = { wc->gap_table, 0 };
    const struct clear_target ct = clear_target_of(sh);
    uint32_t p = first;
    uint64_t clears = 0, installs = 0, next_pub = step;

    while (!__atomic_load_n(stop, __ATOMIC_RELAXED)) {
        uint32_t i;
        for (i = 0; i < batch; i++) {
            struct pte_pair *const ptep = &pairs[p];
            struct pte_ptl *const ptl = &ptls[p];
            spin_lock(&ptl->lock);
            if (ptl->installed) {
                writer_clear(ptep, kind, b, gap, &g);
                if (count)
                    count_spte_clear(&side[p], b);
                if (__builtin_expect(ct.ct != CLEAR_TO_ZERO, 0)) {
                    if (ct.ct == CLEAR_TO_PROTNONE)
                        writer_install(ptep, pte_PN_L(&enc, ptl->j), pte_PN_H(&enc, ptl->h), kind, b, gap, &g);
                    else
                        writer_install(ptep, ct.lo, ct.hi, kind, b, gap, &g);
                }
                ptl->installed = 0;
                clears++;
            } else {
                uint32_t j = ptl->j, h = ptl->h;
                if (__builtin_expect(ct.ct == CLEAR_TO_PROTNONE, 0)) {
                    writer_clear(ptep, kind, b, gap, &g);           /* PN(j, h) */
                    if (count)
                        count_spte_clear(&side[p], b);
                }
                pte_step(&enc, &j, &h);
                writer_install(ptep, pte_L(&enc, j), pte_H(&enc, h, j & 1), kind, b, gap, &g);
                ptl->j = j;
                ptl->h = h;
                ptl->installed = 1;
                installs++;
            }
            spin_unlock(&ptl->lock);
            p += stride;
            if (p >= npairs)
                p = first;
        }
        if (clears + installs >= next_pub) {
            writer_ptl_publish(wc, clears, installs);
            next_pub = clears + installs + step;
        }
    }
    writer_ptl_publish(wc, clears, installs);
}

/* Its own copy per (writer, barrier, gap, count), as the loop above. */
#define WRITER_PTL_FNS(kind, b) \
    static void wp_##kind##_##b##_0(struct writer_ctx *wc) { writer_ptl_loop(wc, kind, b, 0, 0); } \
    static void wp_##kind##_##b##_1(struct writer_ctx *wc) { writer_ptl_loop(wc, kind, b, 1, 0); } \
    static void wp_##kind##_##b##_0c(struct writer_ctx *wc) { writer_ptl_loop(wc, kind, b, 0, 1); } \
    static void wp_##kind##_##b##_1c(struct writer_ctx *wc) { writer_ptl_loop(wc, kind, b, 1, 1); }
#define WRITER_PTL_ROW(kind, b) [b] = { { wp_##kind##_##b##_0, wp_##kind##_##b##_0c }, \
                                        { wp_##kind##_##b##_1, wp_##kind##_##b##_1c } },
#define WRITER_PTL_ROW_KIND(kind) [kind] = { FOR_EACH_BAR_EFF(WRITER_PTL_ROW, kind) },
#define WRITER_PTL_FNS_KIND(kind) FOR_EACH_BAR_EFF(WRITER_PTL_FNS, kind)
FOR_EACH_WK(WRITER_PTL_FNS_KIND)
const writer_fn writer_ptl_fns[WK_N][BAR_NEFF][2][2] = {
    FOR_EACH_WK(WRITER_PTL_ROW_KIND)
};
