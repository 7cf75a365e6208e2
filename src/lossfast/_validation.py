"""Input checks and conversions shared by the Python API.

Every public function converts its inputs through here, so the rules are the
same everywhere: complex / object / string / datetime dtypes are a TypeError,
integer and bool inputs are converted as NumPy would, shapes must agree
(ValueError naming both), and arrays handed to C are C-contiguous.
"""
import numpy as np

def show(value):
    """``repr`` for error messages, with NumPy scalars shown as plain numbers
    (``1.5``, not ``np.float64(1.5)``)."""
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value)


def is_sparse(x):
    """True for SciPy sparse matrices / arrays (and other sparse containers with
    ``nnz`` and ``format`` or ``tocsr``), without importing SciPy."""
    if isinstance(x, np.ndarray):
        return False
    module = type(x).__module__ or ""
    if module.startswith("scipy.sparse") or module.split(".")[0] == "sparse":
        return True
    return hasattr(x, "nnz") and (hasattr(x, "tocsr") or hasattr(x, "format"))


_BAD_KINDS = {"c": "complex", "O": "object", "U": "string", "S": "bytes", "V": "void",
              "M": "datetime", "m": "timedelta"}
REDUCTIONS = ("mean", "sum", "none")


def check_dtype_kind(arr, name):
    kind = arr.dtype.kind
    if kind in _BAD_KINDS:
        raise TypeError(f"{name} has dtype {arr.dtype} ({_BAD_KINDS[kind]}); "
                        "expected real numbers (float32, float64, int or bool)")


def as_array(x, name):
    """np.asarray with the dtype-kind check; sparse input is a TypeError."""
    if is_sparse(x):
        raise TypeError(f"{name} is a sparse {type(x).__name__}; sparse input is not supported "
                        f"here: pass a dense array ({name}.toarray())")
    arr = np.asarray(x)
    check_dtype_kind(arr, name)
    return arr


def compute_dtype(y_pred, *others):
    """The dtype a kernel runs in: y_pred's if it is float32/float64 (so the
    gradient has y_pred's dtype), otherwise NumPy's promotion with float64
    (float16 computes in float32)."""
    dt = y_pred.dtype
    if dt == np.float32 or dt == np.float64:
        return dt
    if dt == np.float16:
        return np.dtype(np.float32)
    return np.result_type(np.float64, *[o.dtype for o in others if o is not None])


def as_contiguous(arr, dtype):
    """C-contiguous array of `dtype` (no copy when it already is one).  Keeps
    0-d arrays 0-d (np.ascontiguousarray would make them 1-d, and a scalar loss
    would then return a gradient of shape (1,))."""
    return np.asarray(arr, dtype=dtype, order="C")


def check_same_shape(a, b, name_a="y_true", name_b="y_pred"):
    if a.shape != b.shape:
        raise ValueError(f"{name_a} and {name_b} must have the same shape, got "
                         f"{name_a}.shape={a.shape} and {name_b}.shape={b.shape}")


def check_reduction(reduction, allowed=REDUCTIONS):
    if reduction not in allowed:
        raise ValueError(f"reduction must be one of {allowed}, got {show(reduction)}")


def sample_weight_rows(sample_weight, n_rows, dtype):
    """Per-row weights as a contiguous 1-D array of `dtype` with n_rows entries.

    A scalar is broadcast to every row.  Returns (weights, total) where total
    is the float64 sum of the weights.
    """
    w = as_array(sample_weight, "sample_weight")
    if w.ndim == 0:
        w = np.full(n_rows, w, dtype=dtype)
    elif w.shape != (n_rows,):
        raise ValueError(f"sample_weight must have shape ({n_rows},) (one weight per sample, "
                         f"i.e. per row of y_pred), got shape {w.shape}")
    w = as_contiguous(w, dtype)
    return w, float(np.sum(w, dtype=np.float64))


def check_out(out, shape, dtype, name="out", *, contiguous=True):
    """An `out=` buffer must be a writeable ndarray of the result's shape and
    dtype, and C-contiguous unless `contiguous=False` (the caller then writes
    through a contiguous temporary)."""
    if not isinstance(out, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(out).__name__}")
    if out.shape != tuple(shape):
        raise ValueError(f"{name} has shape {out.shape}, expected {tuple(shape)}")
    if out.dtype != dtype:
        raise ValueError(f"{name} has dtype {out.dtype}, expected {np.dtype(dtype)}")
    if not out.flags.writeable:
        raise ValueError(f"{name} must be writeable")
    if contiguous and not out.flags.c_contiguous:
        raise ValueError(f"{name} must be a writeable C-contiguous array")
    return out


def check_positive(value, name, *, allow_zero=False):
    value = float(value)
    ok = value >= 0 if allow_zero else value > 0
    if not ok or not np.isfinite(value):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value}")
    return value


def check_open_unit(value, name):
    value = float(value)
    if not 0.0 < value < 1.0:
        raise ValueError(f"{name} must be in the open interval (0, 1), got {value}")
    return value


# ---- optimizers (lossfast.optim) ----

def check_param_array(p, name):
    """An optimizer parameter is updated in place: it must be a writeable, C-contiguous
    float32/float64 ndarray (anything else would make the update land on a copy)."""
    if not isinstance(p, np.ndarray):
        raise ValueError(f"{name} must be a numpy.ndarray updated in place, got "
                         f"{type(p).__name__}; convert it once with np.asarray(..., dtype=np.float64) "
                         "and keep a reference to that array")
    if p.dtype != np.float32 and p.dtype != np.float64:
        raise ValueError(f"{name} has dtype {p.dtype}; an optimizer updates float32 or float64 "
                         "arrays in place (a converted copy would not be your parameter)")
    if not p.flags.c_contiguous:
        raise ValueError(f"{name} is not C-contiguous; an optimizer updates parameters in place, "
                         "so it needs a C-contiguous array (np.ascontiguousarray makes a copy: "
                         "optimise that copy and keep it)")
    if not p.flags.writeable:
        raise ValueError(f"{name} is read-only; an optimizer updates parameters in place")
    if not p.flags.aligned:
        raise ValueError(f"{name} is not aligned to its element size")
    return p


def check_grad_array(g, p, name, param_name):
    """A gradient for parameter `p`: an array of p's shape and dtype.  Returns a
    C-contiguous array (a copy only when `g` is not already one)."""
    if isinstance(g, np.ndarray):
        check_dtype_kind(g, name)
        if g.dtype != p.dtype:
            raise ValueError(f"{name} has dtype {g.dtype}, but {param_name} has dtype {p.dtype}; "
                             "gradients must have the dtype of their parameter")
    else:
        g = as_array(g, name)
        if g.shape == p.shape:
            g = g.astype(p.dtype)
    if g.shape != p.shape:
        raise ValueError(f"{name} and {param_name} must have the same shape, got "
                         f"{name}.shape={g.shape} and {param_name}.shape={p.shape}")
    return np.asarray(g, order="C")  # not ascontiguousarray: it makes 0-d arrays 1-d


def check_number(value, name, *, low=None, high=None, low_open=False, high_open=False):
    """A finite real number in [low, high] (a bound is open when *_open); returns a float."""
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a real number, got {show(value)}") from None
    ok = np.isfinite(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        bounds = []
        if low is not None:
            bounds.append(f"{'>' if low_open else '>='} {low}")
        if high is not None:
            bounds.append(f"{'<' if high_open else '<='} {high}")
        raise ValueError(f"{name} must be a finite number {' and '.join(bounds)}, got {value}")
    return value
