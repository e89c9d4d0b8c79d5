/* seqlock.h - how a hammer thread hands its 64-bit counters to the main
 * thread without tearing them on a 32-bit CPU (sh4 has no 64-bit atomics):
 * the thread copies a snapshot of its private counters, as 32-bit words
 * with relaxed atomic stores, between two increments of a sequence number;
 * the main thread copies the words out and retries while the number was odd
 * or changed. Fences are smp_mb_runtime(): a real fence on SH-4A too, where
 * gcc's -m4 C11 fences are empty. Cold path: every few thousand reads. */
#ifndef PTEAR_SEQLOCK_H
#define PTEAR_SEQLOCK_H

#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "barrier.h"

static inline void seq_store_words(uint32_t *words, const void *src, size_t n)
{
    const unsigned char *s = src;
    size_t i;
    for (i = 0; i < n / 4; i++) {
        uint32_t w;
        memcpy(&w, s + 4 * i, 4);
        __atomic_store_n(&words[i], w, __ATOMIC_RELAXED);
    }
}

/* Writer side (the only writer of `words`): n0 bytes from src0, then n1
 * from src1, into words under one sequence number. n0, n1: multiples of 4. */
static inline void seq_publish2(uint32_t *seq, uint32_t *words, const void *src0, size_t n0, const void *src1,
                                size_t n1)
{
    uint32_t v = __atomic_load_n(seq, __ATOMIC_RELAXED);
    __atomic_store_n(seq, v + 1, __ATOMIC_RELAXED);
    smp_mb_runtime();
    seq_store_words(words, src0, n0);
    seq_store_words(words + n0 / 4, src1, n1);
    smp_mb_runtime();
    __atomic_store_n(seq, v + 2, __ATOMIC_RELAXED);
}

/* Writer side (the only writer of `words`). n is a multiple of 4. */
static inline void seq_publish(uint32_t *seq, uint32_t *words, const void *src, size_t n)
{
    uint32_t v = __atomic_load_n(seq, __ATOMIC_RELAXED);
    __atomic_store_n(seq, v + 1, __ATOMIC_RELAXED);
    smp_mb_runtime();
    seq_store_words(words, src, n);
    smp_mb_runtime();
    __atomic_store_n(seq, v + 2, __ATOMIC_RELAXED);
}

/* Reader side, in three steps for copies whose length depends on what was
 * copied (a reader's rare-retry table): wait for an even sequence number,
 * copy words out, then check that the number did not move. */
static inline uint32_t seq_read_begin(const uint32_t *seq)
{
    for (;;) {
        uint32_t a = __atomic_load_n(seq, __ATOMIC_RELAXED);
        if (!(a & 1)) {
            smp_mb_runtime();
            return a;
        }
        sched_yield();              /* the thread is mid-publish */
    }
}

/* n bytes (a multiple of 4) from word offset `from` */
static inline void seq_copy_out(const uint32_t *words, void *dst, size_t from, size_t n)
{
    unsigned char *d = dst;
    size_t i;
    for (i = from / 4; i < (from + n) / 4; i++) {
        uint32_t w = __atomic_load_n(&words[i], __ATOMIC_RELAXED);
        memcpy(d + 4 * i, &w, 4);
    }
}

/* 1 if the copy since seq_read_begin() may be torn: start again */
static inline int seq_read_retry(const uint32_t *seq, uint32_t start)
{
    smp_mb_runtime();
    return __atomic_load_n(seq, __ATOMIC_RELAXED) != start;
}

/* Reader side: a consistent copy of n bytes into dst. */
static inline void seq_snapshot(const uint32_t *seq, const uint32_t *words, void *dst, size_t n)
{
    uint32_t a;
    do {
        a = seq_read_begin(seq);
        seq_copy_out(words, dst, 0, n);
    } while (seq_read_retry(seq, a));
}

#endif
