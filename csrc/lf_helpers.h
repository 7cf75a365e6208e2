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
#define LF_CLIP_PROB(T, p) ((p) < LF_PLO(T) ? LF_PLO(T) : ((p) > LF_PHI(T) ? LF_PHI(T) : (p)))
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
