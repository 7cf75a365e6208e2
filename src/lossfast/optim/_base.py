"""The optimizer machinery shared by every lossfast optimizer.

An optimizer holds parameter groups of NumPy arrays and updates them in place,
all of them in one C call per ``step`` (per dtype: a "multi-tensor" step over
every group; the pointer arrays are built once, a step checks each gradient
through the buffer protocol and allocates nothing of parameter size).

**One declaration per optimizer.**  A subclass declares its hyper-parameters
once, as a tuple of :class:`Hyper` (name, default, check, description, the C
struct fields it fills), plus the C kernel's name and which state slots an
option set uses.  The constructor's signature, its validation, the class
docstring's parameter list, attribute access, ``param_groups`` handling and the
functional form (:mod:`lossfast.optim.functional`) are all derived from that
declaration; the C kernel publishes its struct's fields by name
(``csrc/optim.h``), so adding an optimizer is its C kernel plus its declaration.

Choices where PyTorch has no direct equivalent or NumPy differs:

- ``params`` is a list of arrays or of parameter groups (dicts with ``"params"``
  and any hyper-parameter, the rest taken from the constructor), as PyTorch.  A
  single array is a TypeError (iterating it would give its rows).  An array in
  two groups, an unknown key in a group, and overlapping arrays are ValueErrors.
  Parameters may mix float32 and float64 (one C call per dtype).
- ``step(grads, grad_scale=1.0)`` takes one gradient per parameter, in the order
  of the groups' parameter lists; ``grad_scale`` multiplies every gradient inside
  the fused step (gradient clipping folded into the step: see
  :func:`lossfast.optim.clip_coef`).  A gradient that is not C-contiguous or not
  an ndarray is converted (a copy).  Gradients are checked before anything is
  updated.
- One step count per group (PyTorch keeps one per parameter; they are equal
  whenever every parameter of a group is stepped).  State arrays are allocated
  when a parameter joins the optimizer and filled with their initial values at
  its group's first step (as PyTorch's lazy state, so a learning rate set by a
  scheduler's constructor is the one Rprop's step sizes start from).
- Hyper-parameters live in ``param_groups[i][name]`` and may be changed between
  steps (schedulers do); a changed value is validated at the next step.  The
  attribute ``opt.lr`` (any hyper-parameter) reads the value shared by all
  groups and sets it in every group.  A change that would add or remove state
  (SGD / RMSprop momentum switched on or off, ``amsgrad``, ``centered``) is a
  ValueError: build a new optimizer.
- Keras-style names are accepted as aliases: ``learning_rate`` (lr),
  ``epsilon`` (eps), ``beta_1`` / ``beta_2`` (betas), ``rho`` (RMSprop's alpha).
- ``state_dict()`` follows PyTorch's layout: ``{"state": {i: {"step": int,
  <state name>: array copy, ...}}, "param_groups": [{<hyper-parameters>,
  "params": [indices]}]}`` with parameters numbered across groups in order.
  ``load_state_dict`` copies the arrays into the optimizer's own state (casting
  to the parameter dtype) and restores the hyper-parameters and step counts; a
  state dict of another optimizer class is a ValueError.
  :func:`lossfast.optim.from_torch_state_dict` converts a saved
  ``torch.optim`` state dict.
- Optimizers pickle and ``copy.deepcopy`` (the copy owns copies of the
  parameters and state and continues the same trajectory).
"""
import inspect as _inspect

import numpy as _np

from .. import _lossfast as _core
from .._validation import check_grad_array as _check_grad_array
from .._validation import check_number as _check_number

_KERNELS = _core.optim_kernels()  # name -> {"states": (...), "fields": {...}}
_ALIGN = 64  # state arrays start on a cache line

__all__ = ["Optimizer", "Hyper"]


# ---- checks used by the declarations ----

def check_flag(value, name):
    if isinstance(value, (bool, _np.bool_)) or value in (0, 1):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {value!r}")


def nonneg(value, name):
    return _check_number(value, name, low=0.0)


def real(value, name):
    return _check_number(value, name)


def unit_open(value, name):
    """A number in [0, 1)."""
    return _check_number(value, name, low=0.0, high=1.0, high_open=True)


def unit_closed(value, name):
    return _check_number(value, name, low=0.0, high=1.0)


def pair(check):
    """A check for a pair of numbers, each checked by `check` as name[0] / name[1]."""
    def check_pair(value, name):
        try:
            a, b = value
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be a pair ({name}[0], {name}[1]), "
                             f"got {value!r}") from None
        return (check(a, f"{name}[0]"), check(b, f"{name}[1]"))
    check_pair.__name__ = f"pair of {check.__name__}"
    return check_pair


class Hyper:
    """One hyper-parameter of an optimizer: ``Hyper(name, default, check, doc, c=name,
    alias=None, functional=True)``.

    ``check(value, name)`` returns the normalised value or raises ValueError /
    TypeError; ``c`` is the C struct field it fills (a tuple of fields for a pair such
    as ``betas`` -> ``("beta1", "beta2")``; None when it only sets an initial state
    value); ``functional=False`` leaves it out of the functional form (initial state
    values, which the caller fills there).
    """

    __slots__ = ("name", "default", "check", "doc", "c", "functional")

    def __init__(self, name, default, check, doc, c=None, functional=True):
        self.name, self.default, self.check, self.doc = name, default, check, doc
        self.c = name if c is None else c
        self.functional = functional

    def fields(self, value):
        """{C field: value} for this hyper-parameter's (normalised) value."""
        if self.c == ():
            return {}
        if isinstance(self.c, tuple):
            return dict(zip(self.c, value))
        return {self.c: int(value) if isinstance(value, bool) else value}

    def __repr__(self):
        return f"Hyper({self.name!r}, {self.default!r})"


# ---- parameters ----

def _state_arena(requests):
    """Allocate state arrays: ``requests`` is a list of (shape, dtype, fill value); returns
    one C-contiguous array per request, each starting on a 64-byte boundary.

    The arrays of one dtype are disjoint views of one allocation: a step streams every
    state array, and one large buffer is what NumPy backs with transparent huge pages
    (it asks the kernel for them from 4 MiB on), where 200 separate arrays of 400 kB
    each get 4 KiB pages and pay a TLB miss and a cold hardware prefetcher every 4 KiB
    of every stream (measured: a 200 x 5e4 float64 Adam step 12-25 % faster on one
    thread, AMD EPYC AVX2).  The buffer lives as long as any of its arrays."""
    out = [None] * len(requests)
    by_dtype = {}
    for k, (shape, dtype, value) in enumerate(requests):
        by_dtype.setdefault(_np.dtype(dtype), []).append(k)
    for dtype, ks in by_dtype.items():
        offsets, total = [], 0
        for k in ks:
            nbytes = int(_np.prod(requests[k][0], dtype=_np.int64)) * dtype.itemsize
            offsets.append((total, nbytes))
            total += -(-nbytes // _ALIGN) * _ALIGN
        raw = _np.empty(total + _ALIGN, dtype=_np.uint8)
        base = (-raw.__array_interface__["data"][0]) % _ALIGN
        for k, (start, nbytes) in zip(ks, offsets):
            shape, _, value = requests[k]
            arr = raw[base + start:base + start + nbytes].view(dtype).reshape(shape)
            arr.fill(value)
            out[k] = arr
    return out


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


def _dtype_hint(p):
    """The NumPy dtype to suggest for converting a non-ndarray parameter `p`."""
    dt = str(getattr(p, "dtype", ""))
    return "np.float32" if dt.endswith("float32") or dt.endswith("float16") \
        or dt.endswith("bfloat16") else "np.float64"


def check_param_array(p, name):
    """An optimizer parameter is updated in place: it must be a writeable, C-contiguous
    float32/float64 ndarray (anything else would make the update land on a copy)."""
    if not isinstance(p, _np.ndarray):
        raise ValueError(f"{name} must be a numpy.ndarray updated in place, got "
                         f"{type(p).__name__}; convert it once with "
                         f"np.asarray(..., dtype={_dtype_hint(p)}) and keep a reference to "
                         "that array")
    if p.dtype != _np.float32 and p.dtype != _np.float64:
        hint = "float32" if p.dtype.kind == "f" and p.dtype.itemsize < 4 else "float64"
        raise ValueError(f"{name} has dtype {p.dtype}; an optimizer updates float32 or float64 "
                         "arrays in place (a converted copy would not be your parameter): "
                         f"convert it once with {name}.astype(np.{hint}) and keep that array")
    if not p.flags.c_contiguous:
        raise ValueError(f"{name} is not C-contiguous; an optimizer updates parameters in place, "
                         "so it needs a C-contiguous array (np.ascontiguousarray makes a copy: "
                         "optimise that copy and keep it)")
    if not p.flags.writeable:
        raise ValueError(f"{name} is read-only; an optimizer updates parameters in place")
    if not p.flags.aligned:
        raise ValueError(f"{name} is not aligned to its element size")
    return p


def _param_list(params, what):
    if isinstance(params, _np.ndarray):
        raise TypeError(f"{what} must be a list of arrays (e.g. [W, b]), not one array")
    try:
        return list(params)
    except TypeError:
        raise TypeError(f"{what} must be a list of arrays, got {type(params).__name__}") from None


# ---- the optimizer ----

class Optimizer:
    """Base class of the fused optimizers (see the module docstring).

    A subclass declares ``_KERNEL`` (the C step's name), ``_HYPER`` (a tuple of
    :class:`Hyper` in signature order), and may override ``_uses(h)`` (which state
    slots an option set uses), ``_initial(name, h)`` (a state's initial value),
    ``_check(h)`` (checks across hyper-parameters), ``_step_optional(h)``
    (functional form: whether ``step`` may be omitted) and, for state that is one
    number per group, ``_SCALARS`` with ``_scalar_fields(h, t, scalars)``.
    """

    _KERNEL = None
    _HYPER = ()
    _ALIASES = {"learning_rate": "lr", "epsilon": "eps"}
    _SCALARS = {}        # per-group scalar state: name -> initial value
    _FUNCTIONAL_NAMES = {}  # state name -> argument name of the functional form

    # ---- the declaration, read by everything below ----
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls._KERNEL is None:
            return
        kernel = _KERNELS[cls._KERNEL]
        cls._STATES = kernel["states"]
        cls._DEFAULTS = {h.name: h.default for h in cls._HYPER}
        cls._BY_NAME = {h.name: h for h in cls._HYPER}
        fields = {}
        for h in cls._HYPER:
            fields.update(h.fields(h.default))
        extra = set(kernel["fields"]) - set(fields) - set(cls._scalar_field_names())
        missing = set(fields) - set(kernel["fields"])
        if extra or missing:
            raise TypeError(f"{cls.__name__}: declaration and C kernel {cls._KERNEL!r} differ "
                            f"(C only: {sorted(extra)}, Python only: {sorted(missing)})")
        for h in cls._HYPER:
            if h.name not in cls.__dict__:
                setattr(cls, h.name, property(
                    lambda self, _n=h.name: self._shared(_n),
                    lambda self, value, _n=h.name: self._set_all(_n, value),
                    doc=f"{h.doc} (the value of every group; setting it sets every group)."))
        params = [_inspect.Parameter("params", _inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        params += [_inspect.Parameter(h.name, _inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                      default=h.default) for h in cls._HYPER]
        cls.__signature__ = _inspect.Signature(params)
        cls._SIGNATURE = cls.__signature__
        if cls.__doc__ and "Parameters\n" not in cls.__doc__:
            cls.__doc__ = _inspect.cleandoc(cls.__doc__) + "\n\n" + cls._parameter_doc()

    @classmethod
    def _parameter_doc(cls):
        lines = ["Parameters", "----------",
                 "params : list of arrays, or of parameter groups (dicts with \"params\")",
                 "    The parameters, updated in place (writeable C-contiguous float32/float64)."]
        for h in cls._HYPER:
            lines.append(f"{h.name} : default {h.default!r}")
            lines.append(f"    {h.doc}")
        aliases = [f"{a} ({t})" for a, t in cls._ALIASES.items() if t in cls._DEFAULTS]
        if aliases:
            lines.append("")
            lines.append("Keras-style aliases: " + ", ".join(aliases) + ".")
        lines.append("")
        lines.append(f"State per parameter: {', '.join(map(repr, cls._STATES))}"
                     + (f"; per group: {', '.join(map(repr, cls._SCALARS))}"
                        if cls._SCALARS else "") + ".")
        return "\n".join(lines)

    @classmethod
    def _scalar_field_names(cls):
        return ()

    @classmethod
    def _uses(cls, h):
        """The state slots (names) the option set `h` uses."""
        return cls._STATES

    @classmethod
    def _initial(cls, name, h):
        return 0.0

    @classmethod
    def _check(cls, h):
        return h

    @classmethod
    def _step_optional(cls, h):
        return False

    @classmethod
    def _scalar_fields(cls, h, t, scalars):
        """Extra C fields of a step at step number t; may update `scalars` (the group's
        scalar state).  Called once per group and step."""
        return {}

    @classmethod
    def validate(cls, hyper):
        """The normalised hyper-parameters (every declared name), or ValueError /
        TypeError naming the bad one."""
        out = {}
        for h in cls._HYPER:
            out[h.name] = h.check(hyper.get(h.name, h.default), h.name)
        return cls._check(out)

    @classmethod
    def _c_fields(cls, h):
        fields = {}
        for decl in cls._HYPER:
            fields.update(decl.fields(h[decl.name]))
        return fields

    @classmethod
    def _resolve(cls, args, kwargs):
        """Constructor arguments -> hyper-parameter dict (aliases folded in)."""
        aliases = {k: kwargs.pop(k) for k in list(kwargs)
                   if k not in cls._DEFAULTS and k in cls._ALIASES}
        try:
            bound = cls._SIGNATURE.bind(None, *args, **kwargs)
        except TypeError as e:
            raise TypeError(f"{cls.__name__}(): {e}") from None
        hyper = {k: v for k, v in bound.arguments.items() if k != "params"}
        for alias, value in aliases.items():
            target = cls._ALIASES[alias]
            if target not in cls._DEFAULTS:
                raise TypeError(f"{cls.__name__}() got an unexpected keyword argument {alias!r}")
            if target == "betas":  # beta_1 / beta_2 set one half of betas
                k = 0 if alias == "beta_1" else 1
                betas = list(hyper.get("betas", cls._DEFAULTS["betas"]))
                if betas[k] != cls._DEFAULTS["betas"][k]:
                    raise TypeError(f"{cls.__name__}() got both betas[{k}] and {alias}")
                betas[k] = value
                hyper["betas"] = tuple(betas)
                continue
            if target in hyper and hyper[target] != cls._DEFAULTS[target]:
                raise TypeError(f"{cls.__name__}() got both {target!r} and its alias {alias!r}")
            hyper[target] = value
        for k in kwargs:
            if k not in cls._DEFAULTS:
                raise TypeError(f"{cls.__name__}() got an unexpected keyword argument {k!r}")
        return {**cls._DEFAULTS, **hyper}

    def __init__(self, params, *args, **kwargs):
        if type(self)._KERNEL is None:
            raise TypeError("Optimizer is a base class; use SGD, Adam, ...")
        self.defaults = self.validate(self._resolve(args, kwargs))
        self.param_groups = []
        self.state = []          # one dict of state arrays per parameter, in order
        self._group_steps = []   # per group: steps taken
        self._scalars = []       # per group: scalar state
        self.step_count = 0
        items = _param_list(params, "params")
        if not items:
            raise ValueError("the optimizer got an empty parameter list")
        if all(isinstance(x, dict) for x in items):
            groups = items
        elif any(isinstance(x, dict) for x in items):
            raise TypeError("params must be a list of arrays or a list of parameter groups "
                            "(dicts), not a mix of both")
        else:
            groups = [{"params": items}]
        for g in groups:
            self._add_group(g)
        self._build()

    # ---- groups ----
    def _add_group(self, group):
        if not isinstance(group, dict):
            raise TypeError(f"a parameter group must be a dict, got {type(group).__name__}")
        if "params" not in group:
            raise ValueError("a parameter group needs a 'params' entry")
        unknown = [k for k in group if k != "params" and k not in self._DEFAULTS
                   and k not in self._ALIASES and k not in _SCHEDULER_KEYS]
        if unknown:
            raise ValueError(f"unknown key(s) {unknown} in a parameter group of "
                             f"{type(self).__name__}; known: {sorted(self._DEFAULTS)}")
        gi = len(self.param_groups)
        params = _param_list(group["params"], f"param_groups[{gi}]['params']")
        n0 = sum(len(g["params"]) for g in self.param_groups)
        for k, p in enumerate(params):
            if isinstance(p, dict):
                raise TypeError("a parameter group's 'params' must be arrays, not groups")
            check_param_array(p, f"params[{n0 + k}]")
        seen = {id(p): i for i, p in enumerate(self.params)}  # earlier groups
        for k, p in enumerate(params):
            if id(p) in seen:
                raise ValueError(f"params[{n0 + k}] is already in another parameter group "
                                 f"(parameter {seen[id(p)]}); a parameter belongs to one group")
        check_no_overlap(self.params + params,
                         [f"params[{i}]" for i in range(n0 + len(params))])
        given = {self._ALIASES.get(k, k): v for k, v in group.items() if k != "params"}
        hyper = self.validate({**self.defaults, **given})
        self.param_groups.append({**group, **hyper, "params": params})
        for alias in set(group) - set(self._DEFAULTS) - {"params"} - set(_SCHEDULER_KEYS):
            del self.param_groups[-1][alias]
        self._group_steps.append(0)
        self._scalars.append(dict(self._SCALARS))
        self.state.extend({} for _ in params)

    def add_param_group(self, param_group):
        """Add a group (a dict with ``"params"`` and any hyper-parameters; the others
        are the constructor's), as ``torch.optim.Optimizer.add_param_group``.  Its
        parameters start at step 0."""
        self._add_group(dict(param_group))
        self._build()

    # ---- construction of the C steps ----
    def _group_hyper(self, g):
        return {k: g[k] for k in self._DEFAULTS}

    def _build(self):
        """Allocate missing state arrays and build the pointer arrays of the C step
        (one MultiTensorStep per dtype over all groups)."""
        self._snap = []
        self._uses_cache = []
        by_dtype = {}
        missing, requests = [], []  # state arrays to allocate: (state dict, name), (shape, ...)
        k = 0
        for gi, g in enumerate(self.param_groups):
            h = self._group_hyper(g)
            uses = self._uses(h)
            self._snap.append(h)
            self._uses_cache.append(uses)
            for p in g["params"]:
                s = self.state[k]
                for name in list(s):
                    if name not in uses:
                        del s[name]
                for name in uses:
                    if name not in s:
                        missing.append((s, name))
                        requests.append((p.shape, p.dtype, self._initial(name, h)))
                by_dtype.setdefault(p.dtype, []).append((k, gi, p))
                k += 1
        for (s, name), arr in zip(missing, _state_arena(requests)):
            s[name] = arr
        self._flat = self.params
        self._n = k
        self._steps = [
            _core.MultiTensorStep(
                self._KERNEL, [p for _, _, p in items],
                self._state_lists(items), [i for i, _, _ in items], [gi for _, gi, _ in items],
                len(self.param_groups), self._fix_grad)
            for items in by_dtype.values()]
        for gi, h in enumerate(self._snap):
            self._pack(gi, h)

    def _state_lists(self, items):
        lists = []
        for name in self._STATES:
            if not any(name in self.state[i] for i, _, _ in items):
                lists.append(None)
                continue
            lists.append([self.state[i].get(name, _EMPTY_STATE) for i, _, _ in items])
        lists += [None] * (_core.OPTIM_MAX_STATE - len(lists))
        return lists

    def _pack(self, gi, h):
        fields = self._c_fields(h)
        fields.update(self._scalar_fields(h, max(self._group_steps[gi], 1),
                                          dict(self._scalars[gi])))
        for s in self._steps:
            s.set_hyper(gi, fields)

    def _fix_grad(self, k, g):
        return _check_grad_array(g, self._flat[k], f"grads[{k}]", f"params[{k}]")

    def _sync(self):
        """Validate and pass to C the hyper-parameters users or schedulers changed in
        ``param_groups`` since the last step."""
        for gi, g in enumerate(self.param_groups):
            snap = self._snap[gi]
            for name in snap:
                if g[name] is not snap[name] and g[name] != snap[name]:
                    break
            else:
                continue
            h = self.validate(self._group_hyper(g))
            uses = self._uses(h)
            if uses != self._uses_cache[gi]:
                changed = ", ".join(f"{k}={g[k]!r}" for k in snap if g[k] != snap[k])
                raise ValueError(f"setting {changed} would add or remove optimizer state "
                                 f"({self._uses_cache[gi]} -> {uses}); create a new "
                                 f"{type(self).__name__} instead")
            g.update(h)
            self._snap[gi] = dict(h)
            self._pack(gi, h)

    def _shared(self, name):
        values = [g[name] for g in self.param_groups]
        if any(v != values[0] for v in values[1:]):
            raise ValueError(f"the parameter groups have different {name} ({values}); read "
                             f"param_groups[i][{name!r}]")
        return values[0]

    def _set_all(self, name, value):
        for gi, g in enumerate(self.param_groups):
            h = self.validate({**self._group_hyper(g), name: value})
            if self._uses(h) != self._uses_cache[gi]:
                raise ValueError(f"setting {name}={value!r} would add or remove optimizer "
                                 f"state ({self._uses_cache[gi]} -> {self._uses(h)}); create "
                                 f"a new {type(self).__name__} instead")
        for g in self.param_groups:
            g[name] = value
        self._sync()

    # ---- public API ----
    @property
    def params(self):
        """The parameter arrays of every group, in order (updated in place by ``step``)."""
        return [p for g in self.param_groups for p in g["params"]]

    @property
    def hyperparameters(self):
        """A copy of the hyper-parameters shared by every group, by name."""
        return {name: self._shared(name) for name in self._DEFAULTS}

    def step(self, grads, grad_scale=1.0):
        """Update every parameter in place from its gradient ``grads[i]`` (a list or
        tuple, one array of the parameter's shape and dtype per parameter, in the order
        of :attr:`params`), in one fused pass over memory.  Every gradient is
        multiplied by ``grad_scale`` first (inside the same pass; e.g.
        ``lossfast.optim.clip_coef(max_norm, total_norm)``).  Returns None."""
        if not isinstance(grads, (list, tuple)):
            raise TypeError(f"grads must be a list or tuple with one gradient per parameter, "
                            f"got {type(grads).__name__}")
        if len(grads) != self._n:
            raise ValueError(f"got {len(grads)} gradients for {self._n} parameters")
        if grad_scale != 1.0:
            grad_scale = _check_number(grad_scale, "grad_scale")
        self._sync()
        steps = [t + 1 for t in self._group_steps]
        for s in self._steps:   # every gradient is checked before anything is updated
            s.prepare(grads)
        self._first_step_state(steps)
        if self._SCALARS:
            for gi, g in enumerate(self.param_groups):
                fields = self._scalar_fields(self._snap[gi], steps[gi], self._scalars[gi])
                for s in self._steps:
                    s.set_hyper(gi, {**self._c_fields(self._snap[gi]), **fields})
        for s in self._steps:
            s.launch(steps, grad_scale)
        self._group_steps = steps
        self.step_count += 1

    def _first_step_state(self, steps):
        k = 0
        for gi, g in enumerate(self.param_groups):
            n = len(g["params"])
            if steps[gi] == 1:
                h = self._snap[gi]
                for s in self.state[k:k + n]:
                    for name, arr in s.items():
                        arr.fill(self._initial(name, h))
                self._scalars[gi] = dict(self._SCALARS)
            k += n

    def zero_grad(self, set_to_none=True):
        """Nothing to do: lossfast optimizers take gradients as ``step``'s argument
        (kept for code written for PyTorch)."""

    def state_dict(self):
        """Step counts, state arrays (copies) and hyper-parameters, in PyTorch's layout
        (parameters numbered across groups in order)."""
        state, groups, k = {}, [], 0
        for gi, g in enumerate(self.param_groups):
            idx = []
            for _ in g["params"]:
                entry = {"step": self._group_steps[gi]}
                entry.update({name: arr.copy() for name, arr in self.state[k].items()})
                entry.update(self._scalars[gi])
                state[k] = entry
                idx.append(k)
                k += 1
            group = {key: (list(v) if isinstance(v, list) else v) for key, v in g.items()
                     if key != "params"}
            group["params"] = idx
            groups.append(group)
        return StateDict(type(self).__name__, {"state": state, "param_groups": groups})

    def load_state_dict(self, state_dict):
        """Restore what ``state_dict`` returned (the same groups of the same shapes):
        the hyper-parameters, the step counts and the state arrays (copied in)."""
        try:
            groups = state_dict["param_groups"]
            states = state_dict["state"]
        except (KeyError, TypeError):
            raise ValueError("state_dict must be a dict with 'state' and 'param_groups', as "
                             "returned by state_dict()") from None
        owner = getattr(state_dict, "optimizer", None)
        if owner is not None and owner != type(self).__name__:
            raise ValueError(f"state_dict is from a {owner}, not a {type(self).__name__}")
        if len(groups) != len(self.param_groups):
            raise ValueError(f"state_dict has {len(groups)} parameter groups, this optimizer "
                             f"has {len(self.param_groups)}")
        new_hyper, rows, steps, scalars = [], [], [], []
        k = 0
        for gi, (group, mine) in enumerate(zip(groups, self.param_groups)):
            n_saved = len(group.get("params", ()))
            if n_saved != len(mine["params"]):
                raise ValueError(f"state_dict group {gi} is for {n_saved} parameters, this "
                                 f"optimizer's has {len(mine['params'])}")
            unknown = [key for key in group if key != "params" and key not in self._DEFAULTS
                       and key not in _SCHEDULER_KEYS]
            if unknown:
                raise ValueError(f"state_dict group {gi} has hyper-parameters {unknown} that "
                                 f"{type(self).__name__} does not have: it is another "
                                 "optimizer's")
            h = self.validate({**self._group_hyper(mine),
                               **{key: v for key, v in group.items() if key in self._DEFAULTS}})
            uses = self._uses(h)
            gsteps, gscal = set(), None
            for j, p in zip(group["params"], mine["params"]):
                entry = states.get(j, states.get(str(j)))
                if entry is None:
                    entry = {}
                extra = [key for key in entry if key != "step" and key not in self._STATES
                         and key not in self._SCALARS]
                if extra:
                    raise ValueError(f"state_dict has state {extra} for parameter {k}, which "
                                     f"{type(self).__name__} does not keep: it is another "
                                     "optimizer's")
                gsteps.add(int(entry.get("step", 0)))
                row = {}
                for name in uses:
                    if entry.get(name) is None:
                        if int(entry.get("step", 0)) == 0:
                            continue
                        raise ValueError(f"state_dict has no {name!r} for parameter {k}")
                    a = _np.asarray(entry[name])
                    if a.shape != p.shape:
                        raise ValueError(f"state {name!r} of parameter {k} has shape {a.shape}, "
                                         f"expected {p.shape}")
                    row[name] = a
                rows.append(row)
                if self._SCALARS:
                    gscal = {name: float(entry.get(name, v)) for name, v in self._SCALARS.items()}
                k += 1
            if len(gsteps) > 1:
                raise ValueError(f"the parameters of group {gi} have different step counts "
                                 f"{sorted(gsteps)}; a lossfast optimizer keeps one per group")
            new_hyper.append(h)
            steps.append(gsteps.pop() if gsteps else 0)
            scalars.append(gscal if gscal is not None else dict(self._SCALARS))
        for group, mine, h in zip(groups, self.param_groups, new_hyper):
            mine.update(h)
            for key in _SCHEDULER_KEYS:
                if key in group:
                    mine[key] = group[key]
        self._group_steps = steps
        self._scalars = scalars
        self._build()
        for s, row in zip(self.state, rows):
            for name, a in row.items():
                _np.copyto(s[name], a, casting="same_kind")
        self.step_count = max(steps) if steps else 0

    # ---- copies ----
    def __getstate__(self):
        return {"cls": type(self), "defaults": self.defaults,
                "param_groups": self.param_groups, "state": self.state,
                "group_steps": self._group_steps, "scalars": self._scalars,
                "step_count": self.step_count}

    def __setstate__(self, st):
        self.defaults = st["defaults"]
        self.param_groups = st["param_groups"]
        self.state = st["state"]
        self._group_steps = st["group_steps"]
        self._scalars = st["scalars"]
        self.step_count = st["step_count"]
        self._build()

    def __repr__(self):
        n = self._n
        what = f"{n} parameter" + ("" if n == 1 else "s")
        if len(self.param_groups) == 1:
            args = ", ".join(f"{k}={v!r}" for k, v in self._group_hyper(self.param_groups[0])
                             .items())
            return f"{type(self).__name__}({what}, {args})"
        parts = []
        for g in self.param_groups:
            diff = {k: v for k, v in self._group_hyper(g).items() if v != self.defaults[k]}
            parts.append(f"{len(g['params'])}: " + (", ".join(f"{k}={v!r}"
                                                             for k, v in diff.items())
                                                   or "defaults"))
        args = ", ".join(f"{k}={v!r}" for k, v in self.defaults.items())
        return (f"{type(self).__name__}({what} in {len(self.param_groups)} groups "
                f"[{'; '.join(parts)}], defaults {args})")


_EMPTY_STATE = _np.zeros(0)  # never read: placeholder for a slot another group uses
# keys PyTorch's schedulers add to parameter groups (kept by state_dict / load_state_dict)
_SCHEDULER_KEYS = ("initial_lr", "max_lr", "min_lr", "max_momentum", "base_momentum",
                   "initial_momentum")


class StateDict(dict):
    """The dict ``Optimizer.state_dict()`` returns (PyTorch's layout); it also records
    the optimizer class (``.optimizer``) so loading it into another class is an error."""

    def __init__(self, optimizer, data=()):
        super().__init__(data)
        self.optimizer = optimizer

    def __reduce__(self):
        return (StateDict, (self.optimizer, dict(self)))
