/* pte.c - the cold parts of the encoding: valid_high and its checks. */
#include "pte.h"

int pte_valid_high(const struct pte_enc *e, uint32_t lo, uint32_t hi, uint32_t out[2])
{
    uint64_t P = e->period, m, k0, below, above;
    int n = 0;
    if (!(lo & PTE_PRESENT))
        return 0;
    m = lo >> 1;                        /* the k mod P that lo stands for */
    if (m >= P)
        return 0;                       /* no state ever has this low half */
    k0 = fmix32_inv(hi);
    if (k0 >= m) {
        below = k0 - (k0 - m) % P;      /* largest k <= k0 with k mod P == m */
        if (below != 0)
            out[n++] = pte_high((uint32_t)below);
        above = below + P;
    } else {
        above = m;                      /* k0 < m: m itself is the next one */
    }
    if (above <= UINT32_MAX && above != 0)
        out[n++] = pte_high((uint32_t)above);
    return n;
}

const char *pte_selfcheck(void)
{
    struct pte_enc e2 = pte_enc_make(2), eb = pte_enc_make(2147483648u), e3 = pte_enc_make(3);
    uint32_t x, v[2];
    if (fmix32(0) != 0)
        return "fmix32(0) != 0";
    if (fmix32(1) != 0x514e28b7u)
        return "fmix32(1) != 0x514e28b7";
    if (fmix32(2) != 0x30f4c306u)
        return "fmix32(2) != 0x30f4c306";
    for (x = 0; x < 100000u; x++) {
        uint32_t y = x * 2654435761u;
        if (fmix32_inv(fmix32(y)) != y || fmix32(fmix32_inv(y)) != y)
            return "fmix32_inv is not the inverse of fmix32";
    }
    if (pte_low(&eb, 1) != 3 || pte_low(&eb, 0x80000001u) != 3 || pte_low(&e2, 3) != 3 || pte_low(&e3, 7) != 3)
        return "low(k) is wrong";
    if (pte_classify(&eb, pte_low(&eb, 5), pte_high(5)) != PTE_VALID)
        return "an installed state is not valid";
    if (pte_classify(&eb, 0, 0x12345678u) != PTE_NOT_PRESENT)
        return "a not-present low half is not not-present";
    if (pte_classify(&eb, pte_low(&eb, 1), 0) != PTE_TORN)
        return "(low(1), 0) is not torn";
    if (pte_classify(&eb, pte_low(&eb, 5), pte_high(6)) != PTE_TORN)
        return "(low(5), high(6)) is not torn";
    if (pte_classify(&e2, pte_low(&e2, 5), pte_high(7)) != PTE_VALID)
        return "with period 2, (low(5), high(7)) should be valid";
    if (pte_valid_high(&eb, pte_low(&eb, 1), 0, v) != 1 || v[0] != pte_high(1))
        return "valid_high of (low(1), 0) is not [high(1)]";
    if (pte_valid_high(&e2, pte_low(&e2, 5), pte_high(6), v) != 2 || v[0] != pte_high(5) || v[1] != pte_high(7))
        return "valid_high of (low(5), high(6)) with period 2 is not [high(5), high(7)]";
    return 0;
}
