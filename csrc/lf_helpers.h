/* Constants and small helpers shared by the loss and activation kernels
 * (elementwise and row-wise): one definition each. */
#ifndef LF_HELPERS_H
#define LF_HELPERS_H

#include "lossfast.h"
#include "lf_math.h"

/* Probabilities are clipped to [LF_PEPS, 1 - LF_PEPS] (Keras' epsilon). */
#define LF_PEPS 1e-7
#define LF_PLO(T) ((T)LF_PEPS)
#define LF_PHI(T) ((T)(1.0 - LF_PEPS))
/* clip(p) = min(max(p, LF_PLO), LF_PHI) by an integer min / max of the bit
 * pattern: the order of floats >= 0 is the order of their bits, and every
 * negative float (sign bit set: a negative int) clips to LF_PLO.  A NaN clips
 * to one of the bounds: the losses put NaN back themselves (LF_NAN_KEEP).
 * Written as float compares, GCC threaded the two clipped cases through the
 * rest of the loss body (constants folded per case) and the vectoriser
 * blended the intermediate values of the three (about 20 blends per vector
 * of bce_prob's weighted loop).  AVX2 has no 64-bit integer min / max: the
 * float64 form there costs two compares and two blends. */
LF_INLINE float lf_clip_prob_f32(float p) {
    const int32_t lo = (int32_t)lf_bits_f32((float)LF_PEPS);
    const int32_t hi = (int32_t)lf_bits_f32((float)(1.0 - LF_PEPS));
    int32_t u = (int32_t)lf_bits_f32(p);
    u = u < lo ? lo : u;
    u = u > hi ? hi : u;
    return lf_f32_from_bits((uint32_t)u);
}
LF_INLINE double lf_clip_prob_f64(double p) {
    const int64_t lo = (int64_t)lf_bits_f64(LF_PEPS);
    const int64_t hi = (int64_t)lf_bits_f64(1.0 - LF_PEPS);
    int64_t u = (int64_t)lf_bits_f64(p);
    u = u < lo ? lo : u;
    u = u > hi ? hi : u;
    return lf_f64_from_bits((uint64_t)u);
}
#define LF_CLIP_PROB(T, p) _Generic((T)0, float: lf_clip_prob_f32, double: lf_clip_prob_f64)(p)
/* v, or x where x is NaN: "NaN in gives NaN out" for a value computed from a
 * clipped x */
#define LF_NAN_KEEP(x, v) ((x) == (x) ? (v) : (x))
#define LF_IN_CLIP(T, p) ((p) >= LF_PLO(T) && (p) <= LF_PHI(T))

/* x if it is NaN, else 0: keeps "NaN in gives NaN out" through a select. */
#define LF_NAN_OR_ZERO(T, x) ((x) == (x) ? (T)0 : (x))

/* sign(x) with sign(0) = 0 and NaN kept. */
#define LF_SIGN(T, x) ((x) == (x) ? (T)((x) > 0) - (T)((x) < 0) : (x))

/* The weight of row r as a double: w[r], or 1 without weights. */
#define LF_ROW_WEIGHT(w, r) ((w) ? (double)(w)[r] : 1.0)

/* Strips one pair of parentheses: LF_UNPAREN (a; b;) is a; b; */
#define LF_UNPAREN(...) __VA_ARGS__

#endif
