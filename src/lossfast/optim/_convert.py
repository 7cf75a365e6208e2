"""Conversion of a saved ``torch.optim`` state dict to lossfast's layout."""
import numpy as _np

__all__ = ["from_torch_state_dict"]

# keys of torch.optim parameter groups that select an implementation, not a formula
_TORCH_ONLY = {"foreach", "capturable", "differentiable", "fused"}


def _to_numpy(x):
    if hasattr(x, "detach"):  # a torch.Tensor (no torch import needed)
        x = x.detach().cpu().numpy()
    return _np.asarray(x)


def from_torch_state_dict(state_dict, optimizer=None):
    """Convert ``torch_optimizer.state_dict()`` (or what ``torch.load`` returned) to
    the dict :meth:`lossfast.optim.Optimizer.load_state_dict` takes.

    The layouts are the same (state keyed by parameter index, groups with their
    hyper-parameters and parameter indices); this turns tensors into NumPy arrays,
    ``"step"`` tensors into ints and scalar tensors (NAdam's ``mu_product``) into
    floats (torch's SGD keeps no step count: a parameter with a momentum buffer gets
    ``"step": 1``, so the buffer continues rather than restarting), and drops the keys that choose PyTorch's implementation (``foreach``,
    ``capturable``, ``differentiable``, ``fused``).  With ``optimizer`` (a lossfast
    optimizer or class) it also drops group keys that class does not have but whose
    value is PyTorch's default for the formula it implements (``decoupled_weight_decay``
    False in Adam, True in AdamW, ``amsgrad`` False ...) and raises ValueError for any
    other unknown key.  Usage::

        opt = lf.optim.Adam(params, lr=1e-3)
        opt.load_state_dict(lf.optim.from_torch_state_dict(torch.load(path), opt))

    The parameters must be given to the lossfast optimizer in the order of the torch
    optimizer's groups (state index i is the i-th parameter across groups).
    """
    try:
        groups, states = state_dict["param_groups"], state_dict["state"]
    except (KeyError, TypeError):
        raise ValueError("a torch optimizer state dict has 'state' and 'param_groups'") from None
    known = None
    if optimizer is not None:
        cls = optimizer if isinstance(optimizer, type) else type(optimizer)
        known = set(cls._DEFAULTS)
        implied = {"decoupled_weight_decay": cls.__name__ == "AdamW", "amsgrad": False,
                   "nesterov": False, "maximize": False, "centered": False}
    out_groups = []
    for gi, g in enumerate(groups):
        ng = {}
        for k, v in g.items():
            if k in _TORCH_ONLY:
                continue
            if k == "params":
                ng[k] = [int(i) for i in v]
                continue
            if known is not None and k not in known and k not in ("initial_lr", "max_lr",
                                                                   "min_lr", "max_momentum",
                                                                   "base_momentum"):
                if k in implied and bool(v) == implied[k]:
                    continue
                raise ValueError(f"torch state dict group {gi} has {k}={v!r}, which "
                                 f"{cls.__name__} does not implement")
            if hasattr(v, "detach"):
                v = float(v.item()) if v.numel() == 1 else _to_numpy(v)
            ng[k] = tuple(v) if isinstance(v, list) and k in ("betas", "etas",
                                                                "step_sizes") else v
        out_groups.append(ng)
    out_state = {}
    for i, s in states.items():
        entry = {}
        for k, v in s.items():
            if k == "step":
                entry[k] = int(_to_numpy(v))
            elif hasattr(v, "detach") and v.dim() == 0:
                entry[k] = float(v.item())
            elif v is None:
                entry[k] = None
            else:
                entry[k] = _to_numpy(v).copy()
        if "step" not in entry and any(v is not None for v in entry.values()):
            entry["step"] = 1  # torch's SGD keeps no count: its buffer exists, so not step 1
        out_state[int(i)] = entry
    return {"state": out_state, "param_groups": out_groups}
