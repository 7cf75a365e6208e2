"""Slow, obviously-correct NumPy twins of the regression losses (float64).

Each returns (per-element loss, per-element derivative d loss / d y_pred)."""
import numpy as np

# SIMD width in elements of the widest path (AVX-512 float32): sizes around it
# exercise both the vector body and the scalar tail.
W = 16
EDGE_SIZES = [0, 1, W - 1, W, W + 1, 4 * W + 3]


def _r(y_true, y_pred):
    return np.asarray(y_pred, np.float64) - np.asarray(y_true, np.float64)


def mse(y_true, y_pred):
    r = _r(y_true, y_pred)
    return r * r, 2 * r


def mae(y_true, y_pred):
    r = _r(y_true, y_pred)
    return np.abs(r), np.sign(r)


def huber(y_true, y_pred, delta=1.0):
    r = _r(y_true, y_pred)
    a = np.abs(r)
    loss = np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta))
    return loss, np.clip(r, -delta, delta)


def smooth_l1(y_true, y_pred, beta=1.0):
    r = _r(y_true, y_pred)
    a = np.abs(r)
    if beta == 0:
        return a, np.sign(r)
    loss = np.where(a < beta, 0.5 * r * r / beta, a - 0.5 * beta)
    return loss, np.where(a < beta, r / beta, np.sign(r))


def log_cosh(y_true, y_pred):
    r = _r(y_true, y_pred)
    # log(cosh r): log1p(2 sinh(r/2)^2) (= log1p(cosh r - 1) without cancellation) for
    # small r, logaddexp(r, -r) - log 2 (no overflow) for large r
    small = np.abs(r) < 1
    rs = np.where(small, r, 0.0)
    loss = np.where(small, np.log1p(2 * np.sinh(rs / 2) ** 2), np.logaddexp(r, -r) - np.log(2.0))
    return loss, np.tanh(r)


def gaussian(y_true, y_pred, sigma=1.0):
    r = _r(y_true, y_pred)
    s2 = sigma * sigma
    return -s2 * np.expm1(-r * r / (2 * s2)), r * np.exp(-r * r / (2 * s2))


def quantile(y_true, y_pred, q=0.5):
    e = -_r(y_true, y_pred)
    loss = np.maximum(q * e, (q - 1) * e)
    return loss, np.where(e > 0, -q, np.where(e < 0, 1 - q, 0.0))


REGRESSION = {
    "mse": (mse, {}), "mae": (mae, {}), "huber": (huber, {"delta": 1.0}),
    "huber_d03": (huber, {"delta": 0.3}), "smooth_l1": (smooth_l1, {"beta": 1.0}),
    "smooth_l1_b0": (smooth_l1, {"beta": 0.0}), "log_cosh": (log_cosh, {}),
    "gaussian": (gaussian, {"sigma": 1.0}), "gaussian_s2": (gaussian, {"sigma": 2.5}),
    "quantile": (quantile, {"q": 0.5}), "quantile_09": (quantile, {"q": 0.9}),
}


def reduce(per_elem, sample_weight, reduction, shape):
    """Reduce (loss or gradient) arrays the way docs/losses.md defines."""
    loss, grad = per_elem
    if sample_weight is None:
        w = np.ones(shape)
    else:
        w = np.asarray(sample_weight, np.float64).reshape((-1,) + (1,) * (len(shape) - 1))
        w = np.broadcast_to(w, shape)
    if reduction == "none":
        return w * loss, w * grad
    if reduction == "sum":
        return np.sum(w * loss), w * grad
    if w.size == 0:
        return np.nan, w * grad
    return np.sum(w * loss) / np.sum(w), w * grad / np.sum(w)
