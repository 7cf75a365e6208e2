"""Slow, obviously-correct NumPy twins of the classification losses and the
activations, plus the helpers the tests share (SIMD levels, reductions,
finite differences).

References compute in ``np.longdouble`` (80-bit on x86-64) from the textbook
formulas, without the numerical tricks of the C kernels, so they check the
kernels rather than repeat them.  Each elementwise reference returns the
per-element loss ``l`` and derivative ``g = dl/dy_pred``; each row reference
returns the per-row loss ``l`` (shape (n,)) and ``g = d l_r / d y_pred[r]``
(shape (n, C)).
"""
import contextlib

import numpy as np

from lossfast import _lossfast as core

LD = np.longdouble
EPS = 1e-7
SIMD_LEVELS = ("baseline", "avx2", "avx512")
W = 16  # the widest SIMD width in elements (float32, AVX-512)
SIZES = (0, 1, W - 1, W, W + 1, 4 * W + 3)


def supported_simd_levels():
    best = SIMD_LEVELS.index(core.simd_level_supported())
    return SIMD_LEVELS[:best + 1]


@contextlib.contextmanager
def simd_level(name):
    """Run the block on SIMD path `name`, restoring the previous one after."""
    previous = core.simd_level()
    core.set_simd_level(name)
    try:
        yield
    finally:
        core.set_simd_level(previous)


def _ld(x):
    return np.asarray(x, dtype=LD)


def _clip(p, lo=EPS, hi=1 - EPS):
    return np.minimum(np.maximum(p, LD(lo)), LD(hi))


def _inside(p, lo=EPS, hi=1 - EPS):
    return (p >= lo) & (p <= hi)


def _clip_bounds(dtype):
    """The clip bounds as the kernel of `dtype` holds them."""
    dtype = np.dtype(dtype)
    return LD(dtype.type(EPS)), LD(dtype.type(1 - EPS))


def softplus(x):
    """log(1 + exp(x)) in long double, without overflow."""
    x = _ld(x)
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def sigmoid(x):
    x = _ld(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


# ----------------------------------------------------------- elementwise

def bce_logits(t, z, pos_weight=1.0, label_smoothing=0.0):
    """PyTorch binary_cross_entropy_with_logits (per element)."""
    t = _ld(t) * (1 - LD(label_smoothing)) + LD(label_smoothing) / 2
    z = _ld(z)
    pw = LD(pos_weight)
    lsig = -softplus(-z)          # log sigmoid(z)
    l1sig = -softplus(z)          # log(1 - sigmoid(z))
    loss = -(pw * t * lsig + (1 - t) * l1sig)
    grad = (1 - t) * sigmoid(z) - pw * t * sigmoid(-z)
    return loss, grad


def bce_prob(t, p, pos_weight=1.0, label_smoothing=0.0, dtype=np.float64):
    """Keras binary_crossentropy (clipped probabilities), per element."""
    lo, hi = _clip_bounds(dtype)
    t = _ld(t) * (1 - LD(label_smoothing)) + LD(label_smoothing) / 2
    p = _ld(p)
    pc = _clip(p, lo, hi)
    pw = LD(pos_weight)
    loss = -(pw * t * np.log(pc) + (1 - t) * np.log(1 - pc))
    grad = np.where(_inside(p, lo, hi), -pw * t / pc + (1 - t) / (1 - pc), 0)
    return loss, grad


def focal(t, y_pred, gamma=2.0, alpha=0.25, from_logits=True, dtype=np.float64):
    """torchvision sigmoid_focal_loss (from logits) or its probability form,
    per element: alpha_t * ce * m**gamma with m = 1 - p_t; the gradient by the
    product rule, with dp/dz = p (1 - p) for logits (1 - p computed as
    sigmoid(-z), so it does not round to 0 for large z)."""
    t = _ld(t)
    y = _ld(y_pred)
    gamma = LD(gamma)
    if from_logits:
        p, q = sigmoid(y), sigmoid(-y)
        ce = t * softplus(-y) + (1 - t) * softplus(y)
        dce = (1 - t) * p - t * q               # d ce / dz
        dm = (1 - 2 * t) * p * q                # d m / dz
        inside = np.ones_like(y, dtype=bool)
    else:
        lo, hi = _clip_bounds(dtype)
        p = _clip(y, lo, hi)
        q = 1 - p
        ce = -(t * np.log(p) + (1 - t) * np.log(q))
        dce = -t / p + (1 - t) / q              # d ce / dp
        dm = 1 - 2 * t                          # d m / dp
        inside = _inside(y, lo, hi)
    m = t * q + (1 - t) * p
    a_t = np.ones_like(t) if alpha is None else LD(alpha) * t + (1 - LD(alpha)) * (1 - t)
    with np.errstate(divide="ignore", invalid="ignore"):
        mod = np.where(m > 0, m ** gamma, 1 if gamma == 0 else 0)
        dmod = np.where(m > 0, gamma * m ** (gamma - 1), 0) * dm
    loss = a_t * ce * mod
    grad = a_t * (dce * mod + ce * dmod)
    return loss, np.where(inside, grad, 0)


def _sign_labels(t):
    t = _ld(t)
    return np.where(t == 0, -1, t)


def hinge(t, f):
    t, f = _sign_labels(t), _ld(f)
    m = 1 - t * f
    return np.maximum(m, 0), np.where(m > 0, -t, 0)


def squared_hinge(t, f):
    t, f = _sign_labels(t), _ld(f)
    m = 1 - t * f
    return np.maximum(m, 0) ** 2, np.where(m > 0, -2 * t * m, 0)


def perceptron(t, f):
    t, f = _sign_labels(t), _ld(f)
    s = -t * f
    return np.maximum(s, 0), np.where(s > 0, -t, 0)


def modified_huber(t, f):
    t, f = _sign_labels(t), _ld(f)
    z = t * f
    m = np.maximum(1 - z, 0)
    lin = z < -1
    return np.where(lin, -4 * z, m ** 2), np.where(lin, -4 * t, -2 * t * m)


def zero_one_labels(t, y):
    return (_ld(t) != _ld(y)).astype(LD), None


def kl_terms(t, p):
    """Keras kl_divergence terms (summed over a row by kl_rows)."""
    t, p = _ld(t), _ld(p)
    tc, pc = _clip(t, EPS, 1), _clip(p, EPS, 1)
    return tc * np.log(tc / pc), np.where(_inside(p, EPS, 1), -tc / pc, 0)


# ------------------------------------------------------------- row-wise

def _onehot(y, C):
    out = np.zeros((len(y), C), dtype=LD)
    out[np.arange(len(y)), y] = 1
    return out


def _logsumexp(z):
    m = np.max(z, axis=1, keepdims=True)
    return (m + np.log(np.sum(np.exp(z - m), axis=1, keepdims=True)))[:, 0]


def softmax_rows(z):
    z = _ld(z)
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


def softmax_xent_sparse(y, z):
    """PyTorch cross_entropy with class indices."""
    z = _ld(z)
    y = np.asarray(y)
    loss = _logsumexp(z) - z[np.arange(len(y)), y]
    return loss, softmax_rows(z) - _onehot(y, z.shape[1])


def softmax_xent(t, z, label_smoothing=0.0):
    """PyTorch cross_entropy with probability targets (Keras categorical
    crossentropy from logits), label smoothing t (1 - ls) + ls / C."""
    z, t = _ld(z), _ld(t)
    C = z.shape[1]
    t = t * (1 - LD(label_smoothing)) + LD(label_smoothing) / C
    logp = z - _logsumexp(z)[:, None]
    loss = -np.sum(t * logp, axis=1)
    grad = softmax_rows(z) * np.sum(t, axis=1, keepdims=True) - t
    return loss, grad


def cce_prob(t, p, label_smoothing=0.0, dtype=np.float64):
    """Keras categorical_crossentropy on probabilities: rows renormalised,
    clipped, -sum t log p; the gradient by the explicit Jacobian of the
    renormalisation (dq_j/dp_k = (delta_jk - q_j) / S)."""
    lo, hi = _clip_bounds(dtype)
    p, t = _ld(p), _ld(t)
    C = p.shape[1]
    t = t * (1 - LD(label_smoothing)) + LD(label_smoothing) / C
    S = np.sum(p, axis=1, keepdims=True)
    q = p / S
    qc = _clip(q, lo, hi)
    loss = -np.sum(t * np.log(qc), axis=1)
    dl_dq = np.where(_inside(q, lo, hi), -t / qc, 0)                     # (n, C)
    jac = (np.eye(C, dtype=LD)[None, :, :] - q[:, :, None]) / S[:, :, None]  # [r, j, k]
    grad = np.einsum("rj,rjk->rk", dl_dq, jac)
    return loss, grad


def cce_prob_sparse(y, p, dtype=np.float64):
    return cce_prob(_onehot(np.asarray(y), np.shape(p)[1]), p, dtype=dtype)


def multi_margin(y, f, margin=1.0):
    """PyTorch multi_margin_loss (p=1, no weight), row by row."""
    f = _ld(f)
    n, C = f.shape
    loss = np.zeros(n, dtype=LD)
    grad = np.zeros((n, C), dtype=LD)
    for r in range(n):
        fy = f[r, y[r]]
        for j in range(C):
            if j == y[r]:
                continue
            v = LD(margin) - fy + f[r, j]
            if v > 0:
                loss[r] += v / C
                grad[r, j] += LD(1) / C
                grad[r, y[r]] -= LD(1) / C
    return loss, grad


def kl_rows(t, p):
    terms, grad = kl_terms(t, p)
    return np.sum(terms, axis=1), grad


def zero_one_argmax(y, f):
    return (np.argmax(np.asarray(f), axis=1) != np.asarray(y)).astype(LD), None


# ------------------------------------------------------------ reductions

def reduce(loss, grad, weight=None, reduction="mean"):
    """Expected (loss, gradient) of a per-sample loss array and its per-sample
    gradient under a reduction: `loss` has one value per element (elementwise)
    or per row (row-wise, then grad has one more axis); `weight` one value per
    row of y_pred."""
    loss = _ld(loss)
    grad = None if grad is None else _ld(grad)
    if weight is None:
        wl, wg, total = loss, grad, LD(loss.size)
    else:
        w = _ld(weight)
        wl_shape = (-1,) + (1,) * (loss.ndim - 1)
        wl = loss * w.reshape(wl_shape)
        wg = None if grad is None else grad * w.reshape((-1,) + (1,) * (grad.ndim - 1))
        total = np.sum(w) * (loss.size // max(len(w), 1) if loss.ndim else 1)
    if reduction == "none":
        return wl, wg
    if reduction == "sum":
        return np.sum(wl), wg
    if loss.size == 0:
        return LD(np.nan), wg
    return np.sum(wl) / total, (None if wg is None else wg / total)


def finite_difference(f, x, h=None):
    """Central differences of the scalar function f at float64 array x."""
    x = np.array(x, dtype=np.float64)
    g = np.zeros_like(x)
    flat, gflat = x.reshape(-1), g.reshape(-1)
    for i in range(flat.size):
        step = (1e-6 * max(1.0, abs(flat[i]))) if h is None else h
        old = flat[i]
        flat[i] = old + step
        fp = f(x)
        flat[i] = old - step
        fm = f(x)
        flat[i] = old
        gflat[i] = (fp - fm) / (2 * step)
    return g


# ----------------------------------------------------------- activations

def act_sigmoid(x):
    return sigmoid(x)


def act_softmax(x):
    x = _ld(x)
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def act_log_softmax(x):
    x = _ld(x)
    m = np.max(x, axis=-1, keepdims=True)
    return x - m - np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True))


# ------------------------------------------------------------- ulps

def ulp_error(actual, exact, mantissa_bits, min_exponent):
    """|actual - exact| in units in the last place of `exact` for a binary
    format with `mantissa_bits` (24 / 53) and smallest normal exponent
    `min_exponent` (-126 / -1022); the ulp of a subnormal is the format's
    smallest subnormal."""
    exact = _ld(exact)
    _, e = np.frexp(np.abs(exact))
    e = np.maximum(e.astype(np.int64) - 1, min_exponent)
    ulp = np.ldexp(LD(1), e - (mantissa_bits - 1))
    return np.abs(_ld(actual) - exact) / ulp
