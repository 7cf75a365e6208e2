"""The objective of a linear model, evaluated by the fused C kernel.

For coefficients W (k x d), intercept b (k) and decision values
z_i = W x_i + b, the kernel returns sum_i w_i l(y_i, z_i) and its gradient
R^T X, sum_i R_i (R_i = w_i dl/dz_i) in one pass over X
(csrc/linear_model.c).  The solvers minimise the normalised objective

    F(theta) = (sum_i w_i l(y_i, z_i) + 0.5 * l2 * ||W||^2) / sum_i w_i

with theta = [W.ravel(), b] (float64): the intercept is not penalised.
LinearRegression uses l2 = 2 * alpha (sum w r^2 + alpha ||W||^2), and
LogisticRegression l2 = 1 / C (scikit-learn's C sum w l + 0.5 ||W||^2
divided by C).  Dividing by sum(w) keeps gradients O(1) whatever n, so one
tolerance fits all data sizes (scikit-learn does the same).
"""
import numpy as np

from .. import _lossfast as _core
from ._base import check_finite_after

class LossSpec:
    """The loss-engine kernel a model uses, by name, with its named
    hyper-parameters (the fields of lf_loss_params the kernel reads, e.g.
    ``LossSpec("huber", {"delta": 1.0})``), packed once for the C kernel."""
    __slots__ = ("kernel", "params")

    def __init__(self, name, params=None):
        self.kernel = _core.kernel("loss", name)
        self.params = _core.LossParams(self.kernel, params)

    @classmethod
    def of(cls, loss):
        """The spec of an elementwise or row-wise lossfast loss object."""
        return cls(loss._kernel_name(), loss._kernel_params())

    @property
    def rowwise(self):
        """True for a row-wise (softmax family) kernel: y is int64 labels."""
        return self.kernel.rowwise


class LinearObjective:
    """F(theta) and its gradient over (X, y, sample_weight) for k outputs.

    ``y_kernel`` is what the loss kernel takes: an (n, k) array of X's dtype
    (elementwise losses) or an int64 (n,) label vector (row-wise losses).
    ``total_weight`` normalises F (sum of the weights of the full data set:
    for mini-batches it stays the full one for the penalty).
    """

    def __init__(self, X, y_kernel, sample_weight, n_outputs, spec, fit_intercept, l2,
                 total_weight=None):
        self.X = X
        self.y = y_kernel
        self.sw = sample_weight
        self.k = int(n_outputs)
        self.d = X.shape[1]
        self.spec = spec
        self.fit_intercept = bool(fit_intercept)
        self.l2 = float(l2)
        sw_sum = float(X.shape[0]) if sample_weight is None else float(
            np.sum(sample_weight, dtype=np.float64))
        self.sw_sum = sw_sum
        self.total_weight = sw_sum if total_weight is None else float(total_weight)
        self.n_params = self.k * self.d + (self.k if self.fit_intercept else 0)
        self._gc = np.empty((self.k, self.d))
        self._gb = np.empty(self.k)
        self.n_evals = 0
        # fit() may defer the NaN/inf check of X to the first gradient
        # evaluation (validate_X(finite=False)): see check_finite_after.
        self.check_X_on_first_gradient = False

    def split(self, theta):
        kd = self.k * self.d
        coef = theta[:kd].reshape(self.k, self.d)
        b = theta[kd:] if self.fit_intercept else None
        return coef, b

    def raw(self, theta, *, grad=True, z_out=None):
        """(sum_i w_i l_i, grad_coef, grad_intercept) without the penalty or
        the normalisation."""
        coef, b = self.split(np.ascontiguousarray(theta, dtype=np.float64))
        s = self.spec
        self.n_evals += 1
        val = _core.lm_loss_gradient(
            self.X, self.y, self.sw, np.ascontiguousarray(coef),
            None if b is None else np.ascontiguousarray(b), s.kernel, s.params,
            self._gc if grad else None,
            self._gb if grad and self.fit_intercept else None, z_out)
        if grad and self.check_X_on_first_gradient:
            self.check_X_on_first_gradient = False
            check_finite_after(self.X, self._gc)
        return val, self._gc, self._gb

    def _penalised(self, theta, val, gc, gb, grad):
        kd = self.k * self.d
        coef = theta[:kd]
        norm = self.sw_sum
        f = val / norm + 0.5 * self.l2 * float(coef @ coef) / self.total_weight
        if not grad:
            return f
        g = np.empty(self.n_params)
        g[:kd] = gc.reshape(-1) / norm + (self.l2 / self.total_weight) * coef
        if self.fit_intercept:
            g[kd:] = gb / norm
        return f, g

    def loss_grad(self, theta, z_out=None):
        """F(theta) and its gradient (float64)."""
        val, gc, gb = self.raw(theta, grad=True, z_out=z_out)
        return self._penalised(theta, val, gc, gb, True)

    def loss(self, theta):
        val, _, _ = self.raw(theta, grad=False)
        return self._penalised(theta, val, None, None, False)
