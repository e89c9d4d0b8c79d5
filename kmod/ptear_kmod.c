// SPDX-License-Identifier: GPL-2.0
/*
 * ptear_kmod.c - ptear's kernel engine (docs/kernel-engine.md).
 *
 * The writers and readers here are the kernel's own inline functions,
 * compiled from the headers this module is built against, with that
 * kernel's config and flags:
 *
 *   install   set_pte()                       arch/x86/include/asm/pgtable-3level.h native_set_pte
 *   clear     pte_clear()                     native_pte_clear            (--writer documented)
 *             ptep_get_and_clear()            native_ptep_get_and_clear   (--writer x86-pae)
 *   read      ptep_get_lockless()             include/linux/pgtable.h     (--reader lockless)
 *             ptep_get()                      include/linux/pgtable.h     (--reader once: no re-check)
 *             ptep_get_lockless() + re-check  mm/gup.c gup_pte_range      (--reader gup-fast)
 *   entries   pfn_pte(), pte_modify(.., PAGE_NONE), swp_entry_to_pte(swp_entry()),
 *             make_writable_migration_entry(), pmd_mkhuge(pfn_pmd())
 *   level=1 (huge PMDs): set_pmd(), pmd_clear() (documented),
 *             pmdp_huge_get_and_clear() (x86-pae); reads pmdp_get_lockless()
 *             where the headers have it (v6.2 on), pmd_read_atomic() (up to
 *             v6.4) or pmdp_get() for once
 *
 * Two writers are ptear's controls, not the kernel's, and the results say
 * so: `unordered` installs low first with no barrier (the kernel's
 * pte_clear clears), `mips`/`sh` clear high first (the kernel's set_pte
 * installs).
 *
 * The encoding of the entries and the classifier of a read (never
 * installed? mixed or transient? consequences) are the C port's code,
 * c/layout.h, c/pte.h and c/config.h (with c/generated.h, the tables
 * generated from the Rust definitions), included unchanged
 * (compat/stdint.h maps their types onto the kernel's).
 *
 * One writer kthread, bound to cpus[0]; readers bound to cpus[1..]. Each
 * read runs with interrupts off (local_irq_save/restore) as gup_fast()
 * does around its walk (irqs_off=0 leaves them on). Hot loops: no
 * allocation, no lock, no printk; counters in the reader's own struct,
 * read by the debugfs file only once every thread has finished.
 *
 * Control and results: module parameters (below) and debugfs
 * /sys/kernel/debug/ptear/{state,results,encodings,control}. The module
 * starts the run when loaded; `echo stop > control` ends it early; the
 * threads end by themselves at duration_ms or when the readers' reads quota
 * is met. ptear (src/kernel/) loads it, waits for `state` to say done,
 * reads `results` and unloads it.
 */
#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/irqflags.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/pgtable.h>
#include <linux/sched.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#include <linux/uaccess.h>
#include <linux/utsname.h>
#include <linux/vmalloc.h>
#include <linux/version.h>
#include <generated/utsrelease.h>

/* c/layout.h's pte_pfn(enc, lo, hi) would clash with the kernel's
 * pte_pfn(pte_t) (arch/x86/include/asm/pgtable.h): renamed for the C
 * port's headers only, then the kernel's name is the kernel's again. */
#define pte_pfn ptear_pte_pfn
#include "config.h"     /* c/: writer and reader kinds, writer_half_cleared() */
#include "pte.h"        /* c/: the encoding, pte_step(), the classifier */
#include "rng.h"        /* c/: splitmix64 for the visiting order and gaps */
/* c/samples.c: which wrong values a reader keeps whole (samples by kind),
 * the C port's code compiled in here; a 32-bit kernel has no u64 '%'. */
static inline u64 ptear_mod64(u64 a, u64 b)
{
	u64 rem;

	div64_u64_rem(a, b, &rem);
	return rem;
}
#define SAMPLES_MOD64(a, b) ptear_mod64((a), (b))
#include "samples.c"
#undef pte_pfn

MODULE_LICENSE("GPL");  /* pfn_pte() reads the GPL-only __supported_pte_mask */
MODULE_DESCRIPTION("ptear: the kernel's own page-table accessors under the hammer");

/* The split reader exists only under this Kconfig symbol (renamed in v6.2);
 * without it pte_t is read as one word and there is nothing split to test. */
#if defined(CONFIG_X86_PAE) && (defined(CONFIG_GUP_GET_PTE_LOW_HIGH) || defined(CONFIG_GUP_GET_PXX_LOW_HIGH))
#define PTEAR_SPLIT 1
#else
#define PTEAR_SPLIT 0
#endif

#ifdef CONFIG_PAGE_TABLE_CHECK
/* ptep_get_and_clear() would hand our fake page frames to the page table
 * checker (mm/page_table_check.c), which looks up their struct page. */
#error "ptear_kmod: CONFIG_PAGE_TABLE_CHECK is on: ptep_get_and_clear() would check fake page frames"
#endif

/* ---- parameters (ptear passes every one; these defaults are for insmod by hand) */
static int reader = READER_LOCKLESS;        /* enum reader_kind: lockless, once, gup-fast */
static int writer = WRITER_DOCUMENTED;      /* enum writer_kind: documented, x86-pae, mips, sh, unordered */
static int layout = LAYOUT_X86_PAE;         /* enum layout_id: x86-pae, x86-pae-nohighmem */
static int clear_to = CLEAR_TO_ZERO;        /* enum clear_to */
static int level = LEVEL_PTE;               /* enum pte_level: 0 PTEs, 1 huge PMDs */
static uint low_period;                     /* 0: the layout's most */
static uint pairs = 1;
static uint readers = 1;
static int cpus[NR_CPUS];                   /* writer first, then readers, cycling; none: 0, 1, 2, ... */
static int ncpus;
static uint duration_ms = 2000;             /* 0: only the reads quota (or `stop`) ends the run */
static unsigned long long reads;            /* 0: no quota */
static uint writer_gap;                     /* spins between the two stores of ptear's own writers */
static unsigned long long seed = 1;
static bool irqs_off = true;                /* each read inside local_irq_save/restore, as gup_fast */

module_param(reader, int, 0444);
module_param(writer, int, 0444);
module_param(layout, int, 0444);
module_param(clear_to, int, 0444);
module_param(level, int, 0444);
module_param(low_period, uint, 0444);
module_param(pairs, uint, 0444);
module_param(readers, uint, 0444);
module_param_array(cpus, int, &ncpus, 0444);
module_param(duration_ms, uint, 0444);
module_param(reads, ullong, 0444);
module_param(writer_gap, uint, 0444);
module_param(seed, ullong, 0444);
module_param(irqs_off, bool, 0444);
MODULE_PARM_DESC(reader, "0 lockless (ptep_get_lockless), 1 once (ptep_get), 3 gup-fast (+ gup_pte_range's re-check)");
MODULE_PARM_DESC(writer, "0 documented (set_pte, pte_clear), 1 x86-pae (set_pte, ptep_get_and_clear); ptear's: 3 mips/4 sh (high-first clear), 5 unordered (low-first install)");
MODULE_PARM_DESC(cpus, "CPU of the writer, then of each reader, cycling");
MODULE_PARM_DESC(irqs_off, "read with interrupts off, as gup_fast() (default 1)");

#define BATCH           32u                 /* reads between two looks at stop */
#define GAPS            1024u               /* writer gap table (a power of two) */

/* One entry in a cache line of its own, with the number of installs it has
 * had: a reader loads that count just before and just after its read (the
 * same line it reads anyway), so a torn sample says how many installs
 * completed while the read ran. */
struct slot {
	union {
		pte_t pte;
		pmd_t pmd;
	};
	unsigned long installs;
} __aligned(64);

/* gup-fast's reference (try_grab_folio's atomic on the page): another line */
struct side {
	atomic_t ref;
} __aligned(64);

struct rstats {
	u64 reads, not_present, mixed, transient, cons[CONS_N];
	u64 recheck, caught;
	u64 torn, fam[SFAM_N];          /* wrong values, and by family (samples.h) */
	u64 first_torn_ns;
	struct sample_keeper keep;      /* the kept wrong values (c/samples.c) */
	/* the entry's install count just before and after each kept read, by
	 * the keeper's slot */
	unsigned long before[SAMPLES_MAX], after[SAMPLES_MAX];
	int cpu;
	u64 end_ns;
};

struct rctx {
	struct task_struct *task;
	u32 index;
	u64 quota;
	u32 *order;
	struct rstats st;
} ____cacheline_aligned;

static struct slot *slots;
static struct side *side;
static struct rctx *rctx;
static struct task_struct *wtask;
static int wcpu;
static u64 w_installs, w_clears;
static u32 gap_table[GAPS];
static struct pte_enc enc;
static pte_t swap_pte, migration_pte;
static u64 t0_ns, t_end_ns;
static int stop, go;
static atomic_t running, readers_left;
static int done;
static struct dentry *dir;
static int setup_error;                  /* a parameter was refused: the run never started */
static char setup_why[160];

/* ---- entries, from the kernel's own helpers --------------------------- */

#if PTEAR_SPLIT
/* The page frame of E(j, h) (docs/layouts.md): j in the low half's frame
 * bits from low_shift, h + high_add in the high half's bits from
 * high_shift, i.e. frame bit 20 + high_shift on (x86: the high half holds
 * frame bits 20..31). */
static inline u64 e_pfn(const struct pte_enc *e, u32 j, u32 h)
{
	return ((u64)j << (e->low_shift - PAGE_SHIFT)) | ((u64)(h + e->high_add) << (e->high_shift + 32 - PAGE_SHIFT));
}

/* E(j, h) as the kernel builds it: pfn_pte() with a data page's (j even:
 * present, writable, user, accessed, dirty, NX) or a text page's (present,
 * user, accessed) protection: c/layout.h's low_flags/high_flags. */
static inline pte_t k_entry(const struct pte_enc *e, u32 j, u32 h)
{
	return pfn_pte(e_pfn(e, j, h),
		       (j & 1) ? __pgprot(_PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED)
			       : __pgprot(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_NX));
}

/* PN(j, h): what mprotect(PROT_NONE) makes of E(j, h) (change_pte_range:
 * ptep_modify_prot_start, pte_modify(old, newprot)). */
static inline pte_t k_protnone(const struct pte_enc *e, u32 j, u32 h)
{
	return pte_modify(k_entry(e, j, h), PAGE_NONE);
}

/* A huge PMD E(j, h) at --level pmd: pfn_pmd() + pmd_mkhuge(). */
static inline pmd_t k_pmd(const struct pte_enc *e, u32 j, u32 h)
{
	return pmd_mkhuge(pfn_pmd(e_pfn(e, j, h),
				  (j & 1) ? __pgprot(_PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED)
					  : __pgprot(_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED |
						     _PAGE_DIRTY | _PAGE_NX)));
}

/* S: a swap entry of type 0, offset 1 (swp_entry_to_pte: x86's
 * __swp_entry, offset inverted against L1TF). M: a write migration entry
 * (SWP_MIGRATION_WRITE) of the page of E(first) (try_to_migrate_one). */
static void k_fixed(const struct pte_enc *e, pte_t *s, pte_t *m)
{
	*s = swp_entry_to_pte(swp_entry(0, 1));
	*m = swp_entry_to_pte(make_writable_migration_entry(e_pfn(e, pte_first_j(e), pte_first_h(e))));
}

/* ---- writers ------------------------------------------------------------ */

static inline void w_gap(u32 *g)
{
	u32 n = gap_table[*g & (GAPS - 1)];
	(*g)++;
	while (n--)
		barrier();
}

/* Install `v` as the writer profile does: the kernel's set_pte, or ptear's
 * low-first control (two WRITE_ONCE, no barrier: not the kernel's order). */
static __always_inline void w_install(pte_t *ptep, pte_t v, const int kind, u32 *g)
{
	if (kind == WRITER_UNORDERED) {
		WRITE_ONCE(ptep->pte_low, v.pte_low);
		w_gap(g);
		WRITE_ONCE(ptep->pte_high, v.pte_high);
	} else {
		set_pte(ptep, v);
	}
}

/* Clear as the writer profile does: the kernel's pte_clear (documented and
 * unordered), ptep_get_and_clear (x86-pae), or ptear's high-first clear
 * (mips, sh: what those kernels' set_pte(ptep, 0) does; not x86's). */
static __always_inline void w_clear(pte_t *ptep, const int kind, u32 *g)
{
	if (kind == WRITER_X86_PAE) {
		(void)ptep_get_and_clear(NULL, 0, ptep);
	} else if (kind == WRITER_MIPS || kind == WRITER_SH) {
		WRITE_ONCE(ptep->pte_high, 0);
		smp_wmb();
		w_gap(g);
		WRITE_ONCE(ptep->pte_low, 0);
	} else {
		pte_clear(NULL, 0, ptep);
	}
}

/* --level pmd: the same with the kernel's PMD accessors. ptear's
 * low-first install stores the two halves as native_pmd_clear addresses
 * them (u32 *); documented clears with pmd_clear (native_pmd_clear: low,
 * smp_wmb, high), x86-pae with pmdp_huge_get_and_clear (6.1: xchg of the
 * low half, then a plain high = 0; v6.2 on: one 64-bit exchange). */
static __always_inline void w_install_pmd(pmd_t *pmdp, pmd_t v, const int kind, u32 *g)
{
	if (kind == WRITER_UNORDERED) {
		WRITE_ONCE(((u32 *)pmdp)[0], (u32)pmd_val(v));
		w_gap(g);
		WRITE_ONCE(((u32 *)pmdp)[1], (u32)(pmd_val(v) >> 32));
	} else {
		set_pmd(pmdp, v);
	}
}

static __always_inline void w_clear_pmd(pmd_t *pmdp, const int kind)
{
	if (kind == WRITER_X86_PAE)
		(void)pmdp_huge_get_and_clear(NULL, 0, pmdp);
	else
		pmd_clear(pmdp);
}

static __always_inline void w_cycle_pmd(const int kind, u32 *j, u32 *h, u32 *g)
{
	const struct pte_enc e = enc;
	pmd_t next;
	u32 i;

	pte_step(&e, j, h);
	next = k_pmd(&e, *j, *h);
	for (i = 0; i < pairs; i++) {
		pmd_t *pmdp = &slots[i].pmd;
		w_clear_pmd(pmdp, kind);
		w_clears++;
		barrier();      /* as in w_cycle */
		w_install_pmd(pmdp, next, kind, g);
		barrier();
		WRITE_ONCE(slots[i].installs, slots[i].installs + 1);
		w_installs++;
	}
}

/* One pass over every pair: clear E_t (then, with --clear-to, install S, M
 * or PN_t, and clear PN_t again), install E_t+1, count it. */
static __always_inline void w_cycle(const int kind, const int ct, u32 *j, u32 *h, u32 *g)
{
	const struct pte_enc e = enc;
	u32 i, oj = *j, oh = *h;
	pte_t next;

	pte_step(&e, j, h);
	next = k_entry(&e, *j, *h);
	/* barrier() between two steps: in the kernel a zap and the next
	 * install of an entry are apart by at least the page-table lock and
	 * a TLB flush. native_pte_clear and native_set_pte (6.1) store with
	 * plain assignments, and without it gcc may sink pte_clear's
	 * `pte_high = 0` below the next install's first store or merge it
	 * away: store sequences no kernel path makes (seen: {new low, old
	 * high} from unordered's low-first install after pte_clear). */
	for (i = 0; i < pairs; i++) {
		pte_t *ptep = &slots[i].pte;
		w_clear(ptep, kind, g);
		w_clears++;
		barrier();
		if (ct == CLEAR_TO_SWAP) {
			w_install(ptep, swap_pte, kind, g);
			barrier();
		} else if (ct == CLEAR_TO_MIGRATION) {
			w_install(ptep, migration_pte, kind, g);
			barrier();
		} else if (ct == CLEAR_TO_PROTNONE) {
			w_install(ptep, k_protnone(&e, oj, oh), kind, g);
			barrier();
			w_clear(ptep, kind, g);  /* not counted: docs/json-schema.md `writers` */
			barrier();
		}
		w_install(ptep, next, kind, g);
		barrier();
		WRITE_ONCE(slots[i].installs, slots[i].installs + 1);
		w_installs++;
	}
}

static __always_inline void w_loop(const int kind, const int ct)
{
	u32 j = pte_first_j(&enc), h = pte_first_h(&enc), g = 0, n = 0;
	const u64 end = duration_ms ? t0_ns + (u64)duration_ms * NSEC_PER_MSEC : U64_MAX;

	while (!READ_ONCE(stop)) {
		if (ct < 0)
			w_cycle_pmd(kind, &j, &h, &g);
		else
			w_cycle(kind, ct, &j, &h, &g);
		if (unlikely(++n == 1024)) {
			n = 0;
			if (ktime_get_ns() >= end)
				WRITE_ONCE(stop, 1);
			cond_resched();
		}
	}
}

/* The loops per (writer, clear-to), so neither is a test in the cycle. */
#define W_CASE(k)                                                                               \
	case k:                                                                                 \
		if (level == LEVEL_PMD)                                                         \
			w_loop(k, -1);  /* --level pmd: --clear-to zero only */                 \
		else if (clear_to == CLEAR_TO_ZERO)                                             \
			w_loop(k, CLEAR_TO_ZERO);                                               \
		else if (clear_to == CLEAR_TO_SWAP)                                             \
			w_loop(k, CLEAR_TO_SWAP);                                               \
		else if (clear_to == CLEAR_TO_MIGRATION)                                        \
			w_loop(k, CLEAR_TO_MIGRATION);                                          \
		else                                                                            \
			w_loop(k, CLEAR_TO_PROTNONE);                                           \
		break

static noinline void w_run(void)
{
	switch (writer) {
		W_CASE(WRITER_DOCUMENTED);
		W_CASE(WRITER_X86_PAE);
		W_CASE(WRITER_MIPS);
		W_CASE(WRITER_SH);
		W_CASE(WRITER_UNORDERED);
	}
}

/* ---- readers ------------------------------------------------------------ */

/* A wrong value: class and consequences by the C port's classifier, and
 * the first samples whole, with the pair's install count around the read. */
static noinline void r_wrong(struct rstats *s, u32 pair, u32 lo, u32 hi, unsigned long before, unsigned long after)
{
	u32 c = pte_consequences(&enc, lo, hi), k;
	int transient = pte_classify(&enc, lo, hi) == PTE_TRANSIENT;
	enum sample_family f = sample_family_of(&enc, lo, hi);
	struct sample_raw *p;
	u64 now = ktime_get_ns() - t0_ns;

	if (transient)
		s->transient++;
	else
		s->mixed++;
	for (k = 0; k < CONS_N; k++)
		if (c & (1u << k))
			s->cons[k]++;
	s->fam[f]++;
	if (s->torn == 0)
		s->first_torn_ns = now;
	p = sample_slot(&s->keep, sample_key(transient, f, c), s->torn++);
	if (p) {
		u32 slot = p - s->keep.s;
		p->pair = pair;
		p->low = lo;
		p->high = hi;
		p->t_ns = now;
		p->family = f;
		s->before[slot] = before;
		s->after[slot] = after;
	}
}

/* A not-present low with PROTNONE (x86, --clear-to protnone): pte_present()
 * calls it present, so it is classified as the entries are. */
static noinline void r_protnone(struct rstats *s, u32 pair, u32 lo, u32 hi, unsigned long before, unsigned long after)
{
	if (!pte_valid_pn(&enc, lo, hi))
		r_wrong(s, pair, lo, hi, before, after);
}

/* The kernel's PMD readers, where these headers have them. */
#if defined(pmdp_get_lockless)
#define HAVE_PMD_LOCKLESS 1
#else
#define HAVE_PMD_LOCKLESS 0
#endif

static __always_inline pmd_t r_pmd(pmd_t *pmdp, const int kind)
{
	if (kind == READER_ONCE) {
#if defined(pmd_read_atomic)
		return pmd_read_atomic(pmdp);   /* low; if not 0, smp_rmb, high: no re-check */
#else
		return READ_ONCE(*pmdp);        /* what pmdp_get() (v6.5 on) is */
#endif
	}
#if HAVE_PMD_LOCKLESS
	return pmdp_get_lockless(pmdp);
#else
	return READ_ONCE(*pmdp);        /* never: setup() refuses lockless without it */
#endif
}

static __always_inline void r_loop(struct rctx *rc, const int kind, const int irqs, const int pmd)
{
	struct rstats *const s = &rc->st;
	const struct pte_enc e = enc;
	const u32 *const order = rc->order;
	const u64 quota = rc->quota;
	u64 nreads = 0, np = 0, recheck = 0, caught = 0;
	u32 pos = 0;

	while (!READ_ONCE(stop) && nreads < quota) {
		u32 i;
		for (i = 0; i < BATCH; i++) {
			const u32 idx = order[pos];
			struct slot *const sl = &slots[idx];
			pte_t *const ptep = &sl->pte;
			unsigned long flags = 0, before, after;
			pte_t pte;
			u32 lo, hi;
			int wrong = 0, fell_back = 0;

			if (++pos == pairs)
				pos = 0;
			if (irqs)
				local_irq_save(flags);
			before = READ_ONCE(sl->installs);
			smp_rmb();
			if (pmd) {
				pmd_t v = r_pmd(&sl->pmd, kind);
				pte.pte = pmd_val(v);
			} else if (kind == READER_ONCE) {
				pte = ptep_get(ptep);           /* READ_ONCE(*ptep): two loads, no re-check */
			} else {
				pte = ptep_get_lockless(ptep);
			}
			lo = pte.pte_low;
			hi = pte.pte_high;
			if (kind == READER_GUP_FAST && (lo & e.present)) {
				/* mm/gup.c gup_pte_range: take the reference
				 * (try_grab_folio), then "if (unlikely(pte_val(pte)
				 * != pte_val(ptep_get(ptep))))" drop it and fall back
				 * to the slow path. */
				atomic_inc(&side[idx].ref);
				if (unlikely(pte_val(pte) != pte_val(ptep_get(ptep))))
					fell_back = 1;
				atomic_dec(&side[idx].ref);
			}
			smp_rmb();
			after = READ_ONCE(sl->installs);
			if (irqs)
				local_irq_restore(flags);

			if (!(lo & e.present)) {
				/* gup-fast refuses not-present and PROT_NONE
				 * entries (pte_protnone): a fallback, counted here */
				if (kind != READER_GUP_FAST && (lo & e.protnone))
					r_protnone(s, idx, lo, hi, before, after);
				else
					np++;
				continue;
			}
			wrong = !pte_valid(&e, lo, hi);
			if (kind == READER_GUP_FAST && fell_back) {
				recheck++;
				caught += wrong;
			} else if (unlikely(wrong)) {
				r_wrong(s, idx, lo, hi, before, after);
			}
		}
		nreads += BATCH;
		cond_resched();
	}
	s->reads = nreads;
	s->not_present = np;
	s->recheck = recheck;
	s->caught = caught;
}

static noinline void r_run(struct rctx *rc)
{
#define R_CASE(k)                                       \
	case k:                                         \
		if (level == LEVEL_PMD)                 \
			r_loop(rc, k, irqs_off, 1);     \
		else if (irqs_off)                      \
			r_loop(rc, k, 1, 0);            \
		else                                    \
			r_loop(rc, k, 0, 0);            \
		break
	switch (reader) {
		R_CASE(READER_LOCKLESS);
		R_CASE(READER_ONCE);
		R_CASE(READER_GUP_FAST);
	}
#undef R_CASE
}
#endif /* PTEAR_SPLIT */

/* ---- threads -------------------------------------------------------------- */

static void thread_done(void)
{
	if (atomic_dec_and_test(&running)) {
		t_end_ns = ktime_get_ns();
		smp_wmb();
		WRITE_ONCE(done, 1);
	}
}

/* Park until module unload (kthread_stop). */
static void park(void)
{
	while (!kthread_should_stop())
		schedule_timeout_interruptible(HZ / 10);
}

static void wait_go(void)
{
	while (!READ_ONCE(go) && !kthread_should_stop())
		cpu_relax();
	smp_rmb();
}

static int writer_fn(void *unused)
{
	wait_go();
#if PTEAR_SPLIT
	w_run();
#endif
	thread_done();
	park();
	return 0;
}

static int reader_fn(void *arg)
{
	struct rctx *rc = arg;

	wait_go();
#if PTEAR_SPLIT
	r_run(rc);
#endif
	rc->st.end_ns = ktime_get_ns();
	/* the readers met their quota: the writer may stop too */
	if (atomic_dec_and_test(&readers_left))
		WRITE_ONCE(stop, 1);
	thread_done();
	park();
	return 0;
}

/* ---- debugfs ---------------------------------------------------------------- */

static const char *const w_source[WRITER_NKINDS] = {
	[WRITER_DOCUMENTED] = "kernel: set_pte, pte_clear",
	[WRITER_X86_PAE] = "kernel: set_pte, ptep_get_and_clear",
	[WRITER_X86_PAE_V26] = NULL,
	[WRITER_MIPS] = "ptear: high-first clear (not x86's); kernel set_pte",
	[WRITER_SH] = "ptear: high-first clear (not x86's); kernel set_pte",
	[WRITER_UNORDERED] = "ptear: low-first install, no barrier (not the kernel's); kernel pte_clear",
};

/* The kernel function the readers ran. */
static const char *r_source(void)
{
	if (level == LEVEL_PMD) {
		if (reader == READER_LOCKLESS)
			return "kernel: pmdp_get_lockless";
#if defined(pmd_read_atomic)
		return "kernel: pmd_read_atomic (low; if not 0, smp_rmb, high: no re-check)";
#else
		return "kernel: READ_ONCE(*pmdp) (pmdp_get, no re-check)";
#endif
	}
	if (reader == READER_ONCE)
		return "kernel: ptep_get (READ_ONCE, no re-check)";
	if (reader == READER_GUP_FAST)
		return "kernel: ptep_get_lockless, then gup_pte_range's re-check pte_val(pte) != pte_val(ptep_get(ptep))";
	return "kernel: ptep_get_lockless";
}

static int state_show(struct seq_file *m, void *v)
{
	if (setup_error)
		seq_printf(m, "error %s\n", setup_why);
	else
		seq_puts(m, READ_ONCE(done) ? "done\n" : "running\n");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(state);

/* Line-oriented, `key values...` (src/kernel/results.rs parses it). Only
 * once every thread is done: the counters are plain u64s a reader writes. */
static int results_show(struct seq_file *m, void *v)
{
	u32 i, k;

	seq_printf(m, "schema ptear-kmod/2\n");
	seq_printf(m, "headers_release %s\n", UTS_RELEASE);
	seq_printf(m, "running_release %s\n", init_utsname()->release);
	seq_printf(m, "pte_bytes %zu\n", sizeof(pte_t));
	seq_printf(m, "split %d\n", PTEAR_SPLIT);
	if (setup_error) {
		seq_printf(m, "error %s\n", setup_why);
		return 0;
	}
	if (!READ_ONCE(done)) {
		seq_puts(m, "state running\n");
		return 0;
	}
	smp_rmb();
	seq_puts(m, "state done\n");
	seq_printf(m, "irqs_off %d\n", irqs_off);
	seq_printf(m, "reader_source %s\n", r_source());
	if (level == LEVEL_PMD)
		seq_printf(m, "writer_source %s\n",
			   writer == WRITER_X86_PAE ? "kernel: set_pmd, pmdp_huge_get_and_clear"
			   : writer == WRITER_UNORDERED ? "ptear: low-first install, no barrier (not the kernel's); kernel pmd_clear"
			   : "kernel: set_pmd, pmd_clear");
	else
		seq_printf(m, "writer_source %s\n", w_source[writer] ? w_source[writer] : "?");
	seq_printf(m, "elapsed_ns %llu\n", t_end_ns - t0_ns);
	seq_printf(m, "writer %d %llu %llu\n", wcpu, w_installs, w_clears);
	for (i = 0; i < readers; i++) {
		const struct rstats *s = &rctx[i].st;
		seq_printf(m, "reader %u %d %llu %llu %llu %llu %llu %llu %llu", i, s->cpu, s->reads, s->not_present,
			   s->mixed, s->transient, s->recheck, s->caught, s->torn ? s->first_torn_ns : 0);
		for (k = 0; k < CONS_N; k++)
			seq_printf(m, " %llu", s->cons[k]);
		seq_putc(m, '\n');
		seq_printf(m, "families %u", i);
		for (k = 0; k < SFAM_N; k++)
			seq_printf(m, " %llu", s->fam[k]);
		seq_putc(m, '\n');
		/* slot order; the last two fields: how it was kept, its index
		 * among the reader's wrong values (the merge's "newest") */
		for (k = 0; k < s->keep.n; k++) {
			const struct sample_raw *p = &s->keep.s[k];
			seq_printf(m, "sample %u %u %u %u %llu %lu %lu %s %llu\n", i, p->pair, p->low, p->high, p->t_ns,
				   s->before[k], s->after[k], sample_chosen_names[p->chosen], p->nth);
		}
	}
	seq_puts(m, "end\n");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(results);

#if PTEAR_SPLIT
/* The kernel's encodings next to the C port's for a set of vectors:
 * `enc KIND LAYOUT j h kernel_lo kernel_hi c_lo c_hi`. ptear compares both
 * with its own layout (src/kernel/). */
static void enc_line(struct seq_file *m, const char *kind, int lay, u32 j, u32 h, u32 klo, u32 khi, u32 clo, u32 chi)
{
	seq_printf(m, "enc %s %s %u %u %#x %#x %#x %#x\n", kind, layout_table[lay].name, j, h, klo, khi, clo, chi);
}

static int encodings_show(struct seq_file *m, void *v)
{
	static const u32 js[] = { 1, 2, 3, 0x80000, 0x80001, 0xffffe, 0xfffff };
	static const u32 hs[] = { 0, 1, 2, 3, 1000, 2047 };
	static const u32 pmd_js[] = { 1, 2, 3, 1024, 2047 };
	int lay;
	u32 a, b;

	for (lay = LAYOUT_X86_PAE; lay <= LAYOUT_X86_PAE_NOHIGHMEM; lay++) {
		const struct pte_enc e = pte_enc_make(lay, layout_table[lay].max_low_period, 0);
		const struct pte_enc pe = pte_enc_make_at(lay, LEVEL_PMD, layout_table[lay].pmd.max_low_period, 0, 0);
		pte_t s, mg;
		for (a = 0; a < ARRAY_SIZE(js); a++)
			for (b = 0; b < ARRAY_SIZE(hs); b++) {
				const u32 j = js[a], h = hs[b] & (e.states - 1);
				pte_t k = k_entry(&e, j, h), pn = k_protnone(&e, j, h);
				enc_line(m, "entry", lay, j, h, k.pte_low, k.pte_high, pte_L(&e, j), pte_H(&e, h, j & 1));
				enc_line(m, "protnone", lay, j, h, pn.pte_low, pn.pte_high, pte_PN_L(&e, j), pte_PN_H(&e, h));
			}
		for (a = 0; a < ARRAY_SIZE(pmd_js); a++)
			for (b = 0; b < ARRAY_SIZE(hs); b++) {
				const u32 j = pmd_js[a], h = hs[b] & (pe.states - 1);
				pmd_t k = k_pmd(&pe, j, h);
				enc_line(m, "pmd", lay, j, h, (u32)pmd_val(k), (u32)(pmd_val(k) >> 32), pte_L(&pe, j),
					 pte_H(&pe, h, j & 1));
			}
		k_fixed(&e, &s, &mg);
		enc_line(m, "swap", lay, 0, 0, s.pte_low, s.pte_high, layout_table[lay].swap[0], layout_table[lay].swap[1]);
		enc_line(m, "migration", lay, 0, 0, mg.pte_low, mg.pte_high, layout_table[lay].migration[0],
			 layout_table[lay].migration[1]);
	}
	return 0;
}
#else
static int encodings_show(struct seq_file *m, void *v)
{
	return 0;
}
#endif
DEFINE_SHOW_ATTRIBUTE(encodings);

static ssize_t control_write(struct file *f, const char __user *buf, size_t len, loff_t *off)
{
	char cmd[8] = { 0 };

	if (copy_from_user(cmd, buf, min(len, sizeof(cmd) - 1)))
		return -EFAULT;
	if (strncmp(cmd, "stop", 4))
		return -EINVAL;
	WRITE_ONCE(stop, 1);
	return len;
}

static const struct file_operations control_fops = {
	.owner = THIS_MODULE,
	.write = control_write,
};

/* ---- set-up ------------------------------------------------------------------ */

static int refuse(const char *why)
{
	setup_error = 1;
	strscpy(setup_why, why, sizeof(setup_why));
	return 0;       /* loaded, so that ptear can read why; nothing runs */
}

static int cpu_at(u32 i)
{
	if (ncpus > 0)
		return cpus[i % ncpus];
	return i % num_online_cpus();
}

static void stop_threads(void)
{
	u32 i;

	WRITE_ONCE(stop, 1);
	WRITE_ONCE(go, 1);
	if (wtask)
		kthread_stop(wtask);
	for (i = 0; rctx && i < readers; i++)
		if (rctx[i].task)
			kthread_stop(rctx[i].task);
}

static int setup(void)
{
#if PTEAR_SPLIT
	u64 rng = seed;
	u32 i, k;
	const struct layout *l;

	if (layout != LAYOUT_X86_PAE && layout != LAYOUT_X86_PAE_NOHIGHMEM)
		return refuse("layout: the kernel engine builds x86 PAE entries only (x86-pae, x86-pae-nohighmem)");
	if (reader != READER_LOCKLESS && reader != READER_ONCE && reader != READER_GUP_FAST)
		return refuse("reader: the kernel engine has lockless, once and gup-fast");
	if (writer < 0 || writer >= WRITER_NKINDS || writer == WRITER_X86_PAE_V26)
		return refuse("writer: the kernel engine has documented, x86-pae, mips, sh and unordered");
	if (clear_to < 0 || clear_to >= CLEAR_TO_N)
		return refuse("clear_to: out of range");
	if (level != LEVEL_PTE && level != LEVEL_PMD)
		return refuse("level: out of range");
	if (level == LEVEL_PMD) {
		if (clear_to != CLEAR_TO_ZERO)
			return refuse("--clear-to: huge PMDs are cleared to zero only");
		if (reader == READER_GUP_FAST)
			return refuse("--reader gup-fast: no PMD re-check in the kernel engine");
		if (writer != WRITER_DOCUMENTED && writer != WRITER_X86_PAE && writer != WRITER_UNORDERED)
			return refuse("--writer: at --level pmd the kernel engine has documented, x86-pae and unordered");
		if (reader == READER_LOCKLESS && !HAVE_PMD_LOCKLESS)
			return refuse("--reader lockless at --level pmd: these headers have no pmdp_get_lockless "
				      "(v6.2 on); --reader once runs pmd_read_atomic");
	}
	if (writer_gap && (writer == WRITER_DOCUMENTED || writer == WRITER_X86_PAE))
		return refuse("writer_gap: the kernel's own writers are inline functions with no place for a gap");
	if (!pairs || pairs > (1u << 20) || !readers || readers > 1023)
		return refuse("pairs or readers out of range");
	l = &layout_table[layout];
	if (!low_period)
		low_period = level == LEVEL_PMD ? l->pmd.max_low_period : l->max_low_period;
	if (low_period > (level == LEVEL_PMD ? l->pmd.max_low_period : l->max_low_period))
		return refuse("low_period: more than the layout holds");
	for (i = 0; i < (u32)ncpus; i++)
		if (cpus[i] < 0 || cpus[i] >= nr_cpu_ids || !cpu_online(cpus[i]))
			return refuse("cpus: a CPU that is not online");

	/* c/config.h: a writer whose own order leaves {L(j), 0} (mips, sh,
	 * unordered) makes such values transient, not mixed */
	enc = pte_enc_make_at(layout, level, low_period, writer_half_cleared(writer),
			      writer_transient_high(writer, clear_to, layout));
	k_fixed(&enc, &swap_pte, &migration_pte);

	slots = vzalloc(array_size(pairs, sizeof(*slots)));
	side = vzalloc(array_size(pairs, sizeof(*side)));
	rctx = vzalloc(array_size(readers, sizeof(*rctx)));
	if (!slots || !side || !rctx)
		return -ENOMEM;
	for (i = 0; i < pairs; i++) {
		if (level == LEVEL_PMD)
			set_pmd(&slots[i].pmd, k_pmd(&enc, pte_first_j(&enc), pte_first_h(&enc)));
		else
			set_pte(&slots[i].pte, k_entry(&enc, pte_first_j(&enc), pte_first_h(&enc)));
		slots[i].installs = 1;
	}
	/* writer gap: N +- 50%, seeded, as c/gap.c */
	for (i = 0; i < GAPS; i++)
		gap_table[i] = writer_gap ? writer_gap - writer_gap / 2 + rng_below(&rng, writer_gap + 1) : 0;
	/* readers' quotas and seeded visiting orders (c/engine.c's way) */
	for (i = 0; i < readers; i++) {
		struct rctx *rc = &rctx[i];
		u64 r = rng_derive(seed, i + 1);
		u32 rem;
		u64 share = div_u64_rem(reads, readers, &rem);   /* no 64-bit '/' on i386 */

		rc->index = i;
		rc->quota = reads ? share + (i < rem) : U64_MAX;
		sample_keeper_init(&rc->st.keep, seed, i);
		rc->order = vmalloc(array_size(pairs, sizeof(u32)));
		if (!rc->order)
			return -ENOMEM;
		for (k = 0; k < pairs; k++)
			rc->order[k] = k;
		for (k = pairs; k > 1; k--) {
			u32 x = rng_below(&r, k), t = rc->order[k - 1];
			rc->order[k - 1] = rc->order[x];
			rc->order[x] = t;
		}
	}

	atomic_set(&running, readers + 1);
	atomic_set(&readers_left, readers);
	wcpu = cpu_at(0);
	wtask = kthread_create(writer_fn, NULL, "ptear-writer");
	if (IS_ERR(wtask)) {
		int err = PTR_ERR(wtask);
		wtask = NULL;
		return err;
	}
	kthread_bind(wtask, wcpu);
	for (i = 0; i < readers; i++) {
		struct rctx *rc = &rctx[i];
		rc->st.cpu = cpu_at(i + 1);
		rc->task = kthread_create(reader_fn, rc, "ptear-reader/%u", i);
		if (IS_ERR(rc->task)) {
			int err = PTR_ERR(rc->task);
			rc->task = NULL;
			return err;
		}
		kthread_bind(rc->task, rc->st.cpu);
	}
	wake_up_process(wtask);
	for (i = 0; i < readers; i++)
		wake_up_process(rctx[i].task);
	t0_ns = ktime_get_ns();
	smp_wmb();
	WRITE_ONCE(go, 1);
	return 0;
#else
	return refuse("this kernel's pte_t is one word (no CONFIG_X86_PAE with CONFIG_GUP_GET_PTE_LOW_HIGH / "
		      "CONFIG_GUP_GET_PXX_LOW_HIGH): nothing split to test");
#endif
}

static void release(void)
{
	u32 i;

	stop_threads();
	for (i = 0; rctx && i < readers; i++)
		vfree(rctx[i].order);
	vfree(rctx);
	vfree(side);
	vfree(slots);
}

static int __init ptear_init(void)
{
	int err;

	dir = debugfs_create_dir("ptear", NULL);
	debugfs_create_file("state", 0444, dir, NULL, &state_fops);
	debugfs_create_file("results", 0444, dir, NULL, &results_fops);
	debugfs_create_file("encodings", 0444, dir, NULL, &encodings_fops);
	debugfs_create_file("control", 0200, dir, NULL, &control_fops);
	err = setup();
	if (err) {
		release();
		debugfs_remove_recursive(dir);
	}
	return err;
}

static void __exit ptear_exit(void)
{
	debugfs_remove_recursive(dir);
	release();
}

module_init(ptear_init);
module_exit(ptear_exit);
