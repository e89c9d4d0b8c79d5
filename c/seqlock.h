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

/* Writer side (the only writer of `words`). n is a multiple of 4. */
static inline void seq_publish(uint32_t *seq, uint32_t *words, const void *src, size_t n)
{
    const unsigned char *s = src;
    uint32_t v = __atomic_load_n(seq, __ATOMIC_RELAXED);
    size_t i;
    __atomic_store_n(seq, v + 1, __ATOMIC_RELAXED);
    smp_mb_runtime();
    for (i = 0; i < n / 4; i++) {
        uint32_t w;
        memcpy(&w, s + 4 * i, 4);
        __atomic_store_n(&words[i], w, __ATOMIC_RELAXED);
    }
    smp_mb_runtime();
    __atomic_store_n(seq, v + 2, __ATOMIC_RELAXED);
}

/* Reader side: a consistent copy into dst. */
static inline void seq_snapshot(uint32_t *seq, const uint32_t *words, void *dst, size_t n)
{
    unsigned char *d = dst;
    for (;;) {
        uint32_t a = __atomic_load_n(seq, __ATOMIC_RELAXED), b;
        size_t i;
        if (a & 1) {
            sched_yield();          /* the thread is mid-publish */
            continue;
        }
        smp_mb_runtime();
        for (i = 0; i < n / 4; i++) {
            uint32_t w = __atomic_load_n(&words[i], __ATOMIC_RELAXED);
            memcpy(d + 4 * i, &w, 4);
        }
        smp_mb_runtime();
        b = __atomic_load_n(seq, __ATOMIC_RELAXED);
        if (a == b)
            return;
    }
}

#endif
