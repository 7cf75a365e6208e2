"""Slow, obviously-correct NumPy twins of the linear-model kernels and
objectives (float64), for tests/test_linear_model*.py."""
import numpy as np

from reference import REGRESSION


def decision(X, coef, intercept=None):
    """Z = X coef^T + intercept, float64, (n, k)."""
    Z = np.asarray(X, np.float64) @ np.asarray(coef, np.float64).T
    if intercept is not None:
        Z = Z + np.asarray(intercept, np.float64)
    return Z


def bce_logits(y, z):
    """Logistic loss from logits: softplus(z) - y z; derivative sigmoid(z) - y."""
    y = np.asarray(y, np.float64)
    z = np.asarray(z, np.float64)
    return np.logaddexp(0.0, z) - y * z, 0.5 * (1.0 + np.tanh(0.5 * z)) - y


def softmax_xent(labels, Z):
    """Per-row loss logsumexp(z) - z[y] and gradient softmax(z) - onehot(y)."""
    Z = np.asarray(Z, np.float64)
    m = Z.max(axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(Z - m).sum(axis=1))
    rows = np.arange(Z.shape[0])
    loss = lse - Z[rows, labels]
    G = np.exp(Z - lse[:, None])
    G[rows, labels] -= 1.0
    return loss, G


def loss_gradient(X, y, sample_weight, coef, intercept, loss):
    """(sum_i w_i l_i, R^T X, sum_i R_i, Z) of a linear model.

    `loss` is a name of reference.REGRESSION or a (function, params) pair of
    that kind (y: (n, k) targets), "bce" (y: (n, 1) 0/1) or "softmax"
    (y: (n,) labels)."""
    X = np.asarray(X, np.float64)
    Z = decision(X, coef, intercept)
    n = X.shape[0]
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, np.float64)
    if loss == "softmax":
        lrow, G = softmax_xent(y, Z)
        total = float(np.sum(w * lrow))
        R = w[:, None] * G
    else:
        if loss == "bce":
            l, g = bce_logits(y, Z)
        else:
            fn, params = loss if isinstance(loss, tuple) else REGRESSION[loss]
            l, g = fn(y, Z, **params)
        total = float(np.sum(w[:, None] * l))
        R = w[:, None] * g
    return total, R.T @ X, R.sum(axis=0), Z


def gram(X, Y=None, weights=None, shift=None, ones=False):
    """A^T diag(w_m) A for each weight column m, A = [X, Y] - shift (, 1)."""
    A = np.asarray(X, np.float64)
    if Y is not None:
        A = np.hstack([A, np.asarray(Y, np.float64)])
    if shift is not None:
        A = A - shift
    if ones:
        A = np.hstack([A, np.ones((A.shape[0], 1))])
    if weights is None:
        weights = np.ones((A.shape[0], 1))
    W = np.asarray(weights, np.float64)
    return np.stack([A.T @ (W[:, [m]] * A) for m in range(W.shape[1])])


def ridge(X, y, sample_weight=None, alpha=0.0, fit_intercept=True):
    """argmin sum_i w_i (y_i - x_i coef - b)^2 + alpha ||coef||^2 by least
    squares on the explicitly centred, sqrt(w)-scaled data with sqrt(alpha) I
    rows (minimum-norm solution when rank deficient).  Returns (coef (k, d),
    intercept (k,))."""
    X = np.asarray(X, np.float64)
    Y = np.asarray(y, np.float64).reshape(X.shape[0], -1)
    w = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight, np.float64)
    if fit_intercept:
        xm = np.average(X, axis=0, weights=w)
        ym = np.average(Y, axis=0, weights=w)
    else:
        xm, ym = np.zeros(X.shape[1]), np.zeros(Y.shape[1])
    r = np.sqrt(w)[:, None]
    A = (X - xm) * r
    B = (Y - ym) * r
    if alpha > 0:
        A = np.vstack([A, np.sqrt(alpha) * np.eye(X.shape[1])])
        B = np.vstack([B, np.zeros((X.shape[1], Y.shape[1]))])
    coef = np.linalg.lstsq(A, B, rcond=None)[0]
    return coef.T, ym - xm @ coef


def logistic_objective(X, y, coef, intercept, C=1.0, sample_weight=None, penalty="l2"):
    """scikit-learn's objective C * sum_i w_i logloss_i + 0.5 ||coef||^2
    (classes are the sorted unique labels; two classes use one logit)."""
    classes, idx = np.unique(y, return_inverse=True)
    coef = np.atleast_2d(np.asarray(coef, np.float64))
    Z = decision(X, coef, intercept)
    w = np.ones(len(idx)) if sample_weight is None else np.asarray(sample_weight, np.float64)
    if len(classes) == 2:
        l, _ = bce_logits((idx == 1).astype(float), Z[:, 0])
    else:
        l, _ = softmax_xent(idx, Z)
    pen = 0.5 * float(np.sum(coef ** 2)) if penalty == "l2" else 0.0
    return C * float(np.sum(w * l)) + pen
