"""``python -m lossfast demo``: fit the estimators on the shipped datasets with
every solver and print a table of objective, accuracy / R^2, iterations and
time; optionally plot the optimizers' loss curves side by side."""
import sys
import time
import warnings

import numpy as np

# every solver at its defaults (the mini-batch optimizers pick their learning
# rate from the curvature of the data), with mini-batches of 32 rows
_BATCH = {"batch_size": 32}
REGRESSION_SOLVERS = [
    ("normal", {}),
    ("lbfgs", {}),
    ("sgd", _BATCH),
    ("momentum", _BATCH),
    ("adam", _BATCH),
]
CLASSIFICATION_SOLVERS = [
    ("newton", {}),
    ("lbfgs", {}),
    ("sgd", _BATCH),
    ("momentum", _BATCH),
    ("rmsprop", _BATCH),
    ("adagrad", _BATCH),
    ("adam", _BATCH),
]


def split_standardize(X, y, test_fraction=0.25, seed=0):
    """A seeded train/test split and z-scoring with the training statistics."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(X))
    n_test = int(round(test_fraction * len(X)))
    test, train = order[:n_test], order[n_test:]
    mean = X[train].mean(axis=0)
    std = X[train].std(axis=0)
    std[std == 0] = 1.0
    return (X[train] - mean) / std, (X[test] - mean) / std, y[train], y[test]


class Progress:
    """A one-line progress bar on `file` (redrawn in place on a terminal;
    nothing when file is None)."""

    def __init__(self, total, file, width=24):
        self.total, self.file, self.width, self.done = total, file, width, 0
        self.tty = getattr(file, "isatty", lambda: False)()

    def update(self, label):
        self.done += 1
        if self.file is None:
            return
        filled = int(self.width * self.done / self.total)
        bar = "#" * filled + "." * (self.width - filled)
        text = f"fitting [{bar}] {self.done}/{self.total} {label:<28}"
        if self.tty:
            end = "\n" if self.done == self.total else ""
            print("\r" + text, end=end, file=self.file, flush=True)
        else:
            print(text, file=self.file)


def _fit_all(make, solvers, X_train, y_train, progress, max_iter):
    """Fit each solver; a ConvergenceWarning is recorded (est.converged_ = False)
    and shown in the table rather than printed."""
    from .linear_model import ConvergenceWarning
    fitted = []
    for solver, params in solvers:
        est = make(solver, params, max_iter)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            start = time.perf_counter()
            est.fit(X_train, y_train)
            elapsed = time.perf_counter() - start
        converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
        for w in caught:
            if not issubclass(w.category, ConvergenceWarning):
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        progress.update(f"{est.__class__.__name__}({solver})")
        fitted.append((solver, est, elapsed, converged))
    return fitted


def run_demo(plot=None, max_iter=200, file=None, progress_file=None):
    """Fit every solver; print the tables to `file` (stdout) and a progress bar
    to `progress_file` (none when None); return
    {task: [(solver, estimator, seconds, converged)]}.
    Times are wall-clock per fit after one untimed warm-up fit."""
    from . import LinearRegression, LogisticRegression, datasets
    from .linear_model._solvers import OBJECTIVE_FORMAT
    from .losses import BinaryCrossEntropy, MeanSquaredError
    file = sys.stdout if file is None else file
    progress = Progress(len(REGRESSION_SOLVERS) + len(CLASSIFICATION_SOLVERS), progress_file)

    Xr, Xr_test, yr, yr_test = split_standardize(*datasets.load_diabetes())
    Xc, Xc_test, yc, yc_test = split_standardize(*datasets.load_breast_cancer())

    def make_reg(solver, params, max_iter):
        kwargs = dict(params)
        if solver != "normal":
            kwargs.update(max_iter=max_iter, random_state=0)
        return LinearRegression(solver=solver, **kwargs)

    def make_clf(solver, params, max_iter):
        return LogisticRegression(solver=solver, C=1.0, max_iter=max_iter, random_state=0,
                                  **params)

    # warm-up: every solver once on a few rows, untimed, so that first-call costs
    # (thread pool, imports) are charged to no solver
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for make, solvers, X, y in [(make_reg, REGRESSION_SOLVERS, Xr, yr),
                                    (make_clf, CLASSIFICATION_SOLVERS, Xc, yc)]:
            for solver, params in solvers:
                make(solver, params, 2).fit(X[:64], y[:64])
    reg = _fit_all(make_reg, REGRESSION_SOLVERS, Xr, yr, progress, max_iter)
    clf = _fit_all(make_clf, CLASSIFICATION_SOLVERS, Xc, yc, progress, max_iter)

    mse = MeanSquaredError()
    bce = BinaryCrossEntropy(from_logits=True)
    tables = [
        (f"LinearRegression on diabetes ({len(Xr)} train / {len(Xr_test)} test samples, "
         f"{Xr.shape[1]} features)", "test R^2", reg, Xr, yr, Xr_test, yr_test,
         lambda est: mse(yr, est.predict(Xr))),
        (f"LogisticRegression on breast cancer ({len(Xc)} train / {len(Xc_test)} test "
         f"samples, {Xc.shape[1]} features, C=1)", "test acc", clf, Xc, yc, Xc_test, yc_test,
         lambda est: (bce(yc, est.decision_function(Xc), reduction="mean")
                      + 0.5 * float(np.sum(est.coef_.astype(np.float64) ** 2)) / len(yc))),
    ]
    for title, score_name, fitted, X, y, X_test, y_test, objective in tables:
        print(f"\n{title}", file=file)
        head = (f"{'solver':<10} {'objective':>12} {score_name:>9} {'iterations':>10} "
                f"{'converged':>9} {'time ms':>9}")
        print(head + "\n" + "-" * len(head), file=file)
        for solver, est, seconds, converged in fitted:
            print(f"{solver:<10} {objective(est):>12{OBJECTIVE_FORMAT}} "
                  f"{est.score(X_test, y_test):>9.4f} "
                  f"{_iterations(est):>10} {'yes' if converged else 'no':>9} "
                  f"{seconds * 1e3:>9.1f}", file=file)
    print("\nobjective: (sum of the sample losses + penalty) / n_samples on the training data, "
          "the quantity loss_curve_ and verbose=1 report (regression: the MSE, alpha = 0; "
          "logistic: (C * sum of log-losses + 0.5 ||coef||^2) / (C n)); iterations: epochs "
          "for the mini-batch optimizers", file=file)

    if plot:
        plot_curves(plot, reg, clf)
        print(f"\nloss curves written to {plot}", file=file)
    return {"regression": reg, "classification": clf}


def _iterations(est):
    n = getattr(est, "n_iter_", None)
    if n is None:
        return "-"
    return str(int(np.max(n)))


def plot_curves(path, reg, clf):
    """Loss curves of the iterative solvers, regression and classification side by side."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise RuntimeError("--plot needs matplotlib: pip install 'lossfast[plot]'") from exc
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    for ax, fitted, title in [(axes[0], reg, "LinearRegression (diabetes)"),
                              (axes[1], clf, "LogisticRegression (breast cancer)")]:
        for solver, est, _, _ in fitted:
            curve = getattr(est, "loss_curve_", None)
            if curve is not None and len(curve) > 1:
                ax.plot(np.arange(1, len(curve) + 1), curve, label=solver)
        ax.set_xlabel("iteration (epoch for mini-batch optimizers)")
        ax.set_ylabel("objective (loss_curve_)")
        ax.set_yscale("log")
        ax.set_title(title)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
