/* A small deterministic generator (splitmix64) and the Fisher-Yates shuffle
 * of a row-index buffer on it: the row orders of the per-sample solvers
 * (sgd.c, svm_dual.c).  Header-only: static inline, no exported symbol. */
#ifndef LF_SHUFFLE_H
#define LF_SHUFFLE_H

#include <stdint.h>

static inline uint64_t lf_splitmix64(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* a uniformly random permutation of idx[0..m) (whatever its order on entry);
 * the modulo's bias is below m / 2^64 */
static inline void lf_shuffle_rows(int64_t *idx, int64_t m, uint64_t *s) {
    for (int64_t r = 0; r + 1 < m; r++) {
        const int64_t k = r + (int64_t)(lf_splitmix64(s) % (uint64_t)(m - r));
        const int64_t t = idx[r];
        idx[r] = idx[k];
        idx[k] = t;
    }
}

#endif
