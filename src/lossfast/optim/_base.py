"""The optimizer API shared by SGD, RMSprop, Adagrad, Adam and AdamW.

An optimizer holds a list of NumPy parameter arrays and updates them in place,
all of them in one C call per ``step`` (a "multi-tensor" step: the pointer
arrays are built once, at construction; a step checks each gradient through
the buffer protocol and allocates nothing of parameter size).

Choices where SPEC 2.3 is silent (what a PyTorch user expects):

- ``params`` is a list (or other iterable) of arrays.  Parameter groups (dicts)
  are not supported: use one optimizer per group.  A single array is a
  TypeError (iterating it would give its rows).  Parameters may mix float32 and
  float64 (one C call per dtype); they must not overlap in memory.
- ``step(grads)`` takes one gradient per parameter, in order, each of its
  parameter's shape and dtype (a mismatch is a ValueError naming both).  A
  gradient that is not C-contiguous, or not an ndarray, is converted (a copy).
  Gradients are checked before any parameter is touched.
- One step count ``step_count`` for all parameters (PyTorch keeps one per
  parameter, always equal when every parameter is stepped).  SGD's momentum
  buffer is set to the gradient on the first step, as in PyTorch.
- Every hyper-parameter is an attribute (``opt.lr``, ``opt.betas``, ...) and may
  be changed between steps; it is validated like the constructor argument.  A
  change that would add or remove state (SGD / RMSprop momentum switched on or
  off, ``amsgrad``, ``centered``) is a ValueError: build a new optimizer.
- Keras-style names are accepted as aliases: ``learning_rate`` (lr),
  ``epsilon`` (eps), ``beta_1`` / ``beta_2`` (betas), ``rho`` (RMSprop's alpha).
- ``state_dict()`` follows PyTorch's layout:
  ``{"state": {i: {"step": int, <state name>: array copy}}, "param_groups":
  [{<hyper-parameters>, "params": [0, ..., n-1]}]}``.  ``load_state_dict`` copies
  the arrays into the optimizer's own state (casting to the parameter dtype),
  restores the hyper-parameters and the step count.
"""
import numpy as np

from .. import _lossfast as _core
from .._validation import check_grad_array, check_number, check_param_array

_KERNELS = {name: i for i, name in enumerate(_core.optim_names())}
_ALIGN = 64  # state arrays start on a cache line


def _aligned_full(shape, dtype, value):
    """A C-contiguous array of `shape` and `dtype` filled with `value`, whose data
    starts on a 64-byte boundary."""
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    raw = np.empty(nbytes + _ALIGN, dtype=np.uint8)
    offset = (-raw.__array_interface__["data"][0]) % _ALIGN
    arr = raw[offset:offset + nbytes].view(dtype).reshape(shape)
    arr.fill(value)
    return arr


def _address_range(a):
    start = a.__array_interface__["data"][0]
    return start, start + a.nbytes


def check_no_overlap(arrays, names):
    """ValueError when two of the (C-contiguous) arrays share memory."""
    spans = sorted((*_address_range(a), k) for k, a in enumerate(arrays) if a.nbytes)
    for (s0, e0, k0), (s1, e1, k1) in zip(spans, spans[1:]):
        if s1 < e0:
            a, b = sorted((k0, k1))
            raise ValueError(f"{names[a]} and {names[b]} share memory; every array an optimizer "
                             "updates in place must be distinct")


def check_params(params):
    """The parameter list of an optimizer (see the module docstring)."""
    if isinstance(params, np.ndarray):
        raise TypeError("params must be a list of arrays (e.g. [W, b]), not one array")
    if isinstance(params, dict):
        raise TypeError("params must be a list of arrays; parameter groups (dicts) are not "
                        "supported, create one optimizer per group")
    try:
        params = list(params)
    except TypeError:
        raise TypeError(f"params must be a list of arrays, got {type(params).__name__}") from None
    if not params:
        raise ValueError("the optimizer got an empty parameter list")
    for i, p in enumerate(params):
        if isinstance(p, dict):
            raise TypeError("parameter groups (dicts) are not supported; create one optimizer "
                            "per group")
        check_param_array(p, f"params[{i}]")
    check_no_overlap(params, [f"params[{i}]" for i in range(len(params))])
    return params


def check_flag(value, name):
    if isinstance(value, (bool, np.bool_)) or value in (0, 1):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {value!r}")


def check_lr(value, name="lr"):
    return check_number(value, name, low=0.0)


def check_beta(value, name):
    return check_number(value, name, low=0.0, high=1.0, high_open=True)


def resolve_aliases(cls, hyper, aliases):
    """Fold Keras-style aliases (``learning_rate=...``) into ``hyper``; an alias given
    together with a non-default value of its canonical name is a TypeError."""
    for alias, value in aliases.items():
        target = cls._ALIASES.get(alias)
        if target is None or target not in cls._DEFAULTS:
            raise TypeError(f"{cls.__name__}() got an unexpected keyword argument {alias!r}")
        if target == "betas":  # beta_1 / beta_2 set one half of betas
            k = 0 if alias == "beta_1" else 1
            betas = list(hyper["betas"])
            if betas[k] != cls._DEFAULTS["betas"][k]:
                raise TypeError(f"{cls.__name__}() got both betas[{k}] and {alias}")
            betas[k] = value
            hyper["betas"] = tuple(betas)
            continue
        if hyper[target] != cls._DEFAULTS[target]:
            raise TypeError(f"{cls.__name__}() got both {target!r} and its alias {alias!r}")
        hyper[target] = value
    return hyper


class Optimizer:
    """Base class of the fused optimizers (see the module docstring).

    Subclasses define ``_KERNEL`` (the C step), ``_DEFAULTS`` (hyper-parameters in
    signature order), ``_ALIASES``, ``validate(hyper)`` (a classmethod returning the
    normalised hyper-parameters or raising ValueError), ``_slots(hyper)`` (the names
    of the C state slots 0..2, None when unused), ``_initial(name)`` and
    ``_c_hyper(hyper)`` (the C call's hyper-parameters).
    """

    _KERNEL = None
    _DEFAULTS = {}
    _ALIASES = {"learning_rate": "lr", "epsilon": "eps"}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in cls._DEFAULTS:
            if name not in cls.__dict__:
                setattr(cls, name, property(
                    lambda self, _n=name: self._hyper[_n],
                    lambda self, value, _n=name: self._set_hyper(**{_n: value}),
                    doc=f"The hyper-parameter {name!r}; may be changed between steps."))

    def __init__(self, params, **hyper):
        params = check_params(params)
        hyper = self.validate(hyper)
        self._params = params
        self._hyper = hyper
        self._n = len(params)
        self.step_count = 0
        self._build()

    # ---- subclass interface ----
    @classmethod
    def validate(cls, hyper):
        raise NotImplementedError

    @classmethod
    def _slots(cls, hyper):
        raise NotImplementedError

    def _initial(self, name):
        return 0.0

    @classmethod
    def _c_hyper(cls, hyper):
        """(lr, weight_decay, momentum, dampening, alpha, beta1, beta2, eps, lr_decay, flags)."""
        raise NotImplementedError

    # ---- construction ----
    def _build(self):
        """Allocate the state arrays for the current hyper-parameters and the pointer
        arrays of the C step (one MultiTensorStep per dtype)."""
        slots = self._slots(self._hyper)
        self._slot_names = slots
        self.state = [{name: _aligned_full(p.shape, p.dtype, self._initial(name))
                       for name in slots if name is not None} for p in self._params]
        by_dtype = {}
        for i, p in enumerate(self._params):
            by_dtype.setdefault(p.dtype, []).append(i)
        self._groups = [
            _core.MultiTensorStep([self._params[i] for i in idx],
                                  [None if name is None else [self.state[i][name] for i in idx]
                                   for name in slots],
                                  idx, self._fix_grad)
            for idx in by_dtype.values()]
        self._args = (_KERNELS[self._KERNEL], *self._c_hyper(self._hyper))

    def _fix_grad(self, k, g):
        return check_grad_array(g, self._params[k], f"grads[{k}]", f"params[{k}]")

    def _set_hyper(self, **changes):
        hyper = self.validate({**self._hyper, **changes})
        if self._slots(hyper) != self._slot_names:
            what = ", ".join(f"{k}={v!r}" for k, v in changes.items())
            raise ValueError(f"setting {what} would add or remove optimizer state "
                             f"({self._slot_names} -> {self._slots(hyper)}); create a new "
                             f"{type(self).__name__} instead")
        self._hyper = hyper
        self._args = (_KERNELS[self._KERNEL], *self._c_hyper(hyper))

    # ---- public API ----
    @property
    def params(self):
        """The parameter arrays (updated in place by ``step``)."""
        return list(self._params)

    @property
    def hyperparameters(self):
        """A copy of the hyper-parameters, by name."""
        return dict(self._hyper)

    def step(self, grads):
        """Update every parameter in place from its gradient ``grads[i]`` (a list or
        tuple, one array of the parameter's shape and dtype per parameter), in one
        fused pass over memory.  Returns None."""
        if not isinstance(grads, (list, tuple)):
            raise TypeError(f"grads must be a list or tuple with one gradient per parameter, "
                            f"got {type(grads).__name__}")
        if len(grads) != self._n:
            raise ValueError(f"got {len(grads)} gradients for {self._n} parameters")
        t = self.step_count + 1
        kernel, *hyper = self._args
        groups = self._groups
        if len(groups) == 1:
            groups[0].run(grads, kernel, t, *hyper)
        else:
            for g in groups:        # every gradient is checked before anything is updated
                g.prepare(grads)
            for g in groups:
                g.launch(kernel, t, *hyper)
        self.step_count = t

    def state_dict(self):
        """Step count, state arrays (copies) and hyper-parameters, in PyTorch's layout."""
        state = {i: {"step": self.step_count, **{k: v.copy() for k, v in s.items()}}
                 for i, s in enumerate(self.state)}
        group = dict(self._hyper)
        group["params"] = list(range(self._n))
        return {"state": state, "param_groups": [group]}

    def load_state_dict(self, state_dict):
        """Restore what ``state_dict`` returned (the same parameters' shapes): the
        hyper-parameters, the step count and the state arrays (copied in)."""
        try:
            groups = state_dict["param_groups"]
            states = state_dict["state"]
        except (KeyError, TypeError):
            raise ValueError("state_dict must be a dict with 'state' and 'param_groups', as "
                             "returned by state_dict()") from None
        if len(groups) != 1:
            raise ValueError(f"state_dict has {len(groups)} parameter groups; lossfast "
                             "optimizers have one")
        group = groups[0]
        if len(group.get("params", ())) != self._n:
            raise ValueError(f"state_dict is for {len(group.get('params', ()))} parameters, "
                             f"this optimizer has {self._n}")
        hyper = self.validate({**self._hyper,
                               **{k: v for k, v in group.items() if k in self._DEFAULTS}})
        slots = [name for name in self._slots(hyper) if name is not None]
        arrays, steps = [], set()
        for i, p in enumerate(self._params):
            entry = states.get(i, states.get(str(i)))
            if entry is None:
                raise ValueError(f"state_dict has no state for parameter {i}")
            steps.add(int(entry.get("step", 0)))
            row = {}
            for name in slots:
                if name not in entry or entry[name] is None:
                    raise ValueError(f"state_dict has no {name!r} for parameter {i}")
                a = np.asarray(entry[name])
                if a.shape != p.shape:
                    raise ValueError(f"state {name!r} of parameter {i} has shape {a.shape}, "
                                     f"expected {p.shape}")
                row[name] = a
            arrays.append(row)
        if len(steps) > 1:
            raise ValueError(f"the parameters have different step counts {sorted(steps)}; "
                             "a lossfast optimizer keeps one")
        rebuild = self._slots(hyper) != self._slot_names
        self._hyper = hyper
        if rebuild:
            self._build()
        else:
            self._args = (_KERNELS[self._KERNEL], *self._c_hyper(hyper))
        for s, row in zip(self.state, arrays):
            for name, a in row.items():
                np.copyto(s[name], a, casting="same_kind")
        self.step_count = steps.pop() if steps else 0

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self._hyper.items())
        return f"{type(self).__name__}({self._n} parameters, {args})"
