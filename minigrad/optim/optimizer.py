"""Optimizer: the bookkeeping every optimiser shares, as ``torch.optim.Optimizer``.

The parameters live in ``param_groups``: a list of dicts, each holding ``'params'`` (a list
of Tensors) and that group's options (``lr``, ``momentum``...). The options live there and
only there, so ``opt.param_groups[0]['lr'] = 0.01`` (what a scheduler does) changes the
next step. ``state`` maps each parameter to its own buffers (``momentum_buffer``,
``exp_avg``...), made on its first step.

A subclass writes one method, ``_update(param, grad, state, group)``, in plain NumPy:
``param`` is the parameter's array (updated in place, outside the graph), ``grad`` its
gradient, ``state`` its buffers as arrays (update them in place, or add new ones), and
``group`` the options of its group. ``step()`` calls it for every parameter with a gradient
(negated first when the group has ``maximize=True``, which climbs the objective instead).

``state_dict()`` has PyTorch's layout, so a checkpoint reads the same in both libraries:
``{'state': {0: {'step': tensor(3.), 'exp_avg': ...}, ...}, 'param_groups': [{'lr': 0.001,
..., 'params': [0, 1, ...]}]}``, parameters numbered in the order the groups list them.
"""
from collections import defaultdict

import numpy as np

from ..autograd import enable_grad
from ..nn.module import zero_grads
from ..tensor import Tensor


class Optimizer:
    def __init__(self, params, defaults):
        _check_learning_rate(defaults.get("lr"))
        self.defaults = defaults
        self.state = defaultdict(dict)
        self.param_groups = []
        groups = _as_list(params)
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own options; unset options take the defaults
        the optimiser was built with (``opt.add_param_group({'params': head.parameters(),
        'lr': 1e-2})`` for a layer that learns faster)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        params = param_group["params"]
        params = [params] if isinstance(params, Tensor) else _as_list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is "
                                f"{type(p).__name__}: pass model.parameters()")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor: optimise the leaf it was "
                                 "computed from (a Parameter, or a tensor made with requires_grad=True)")
        seen = {id(p) for group in self.param_groups for p in group["params"]}
        if len({id(p) for p in params}) != len(params) or seen & {id(p) for p in params}:
            raise ValueError("some parameters appear in more than one parameter group: give "
                             "each parameter to one group only")
        group = {**self.defaults, **{k: v for k, v in param_group.items() if k != "params"}}
        group["params"] = params
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients of every parameter of every group; see nn.module.zero_grads."""
        for group in self.param_groups:
            zero_grads(group["params"], set_to_none)

    def step(self, closure=None):
        """Update every parameter that has a gradient, by the optimiser's rule.

        ``closure`` (optional) re-evaluates the model and returns the loss, as in PyTorch;
        it is called first, with gradients enabled, and its loss is returned.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            maximize = group.get("maximize")
            for p in group["params"]:
                if p._grad is None:
                    continue
                grad = p._grad._data
                if maximize:
                    grad = -grad                     # ascend: follow +grad
                tensors = self.state[p]
                arrays = {name: t._data for name, t in tensors.items()} if tensors else {}
                self._update(p._data, grad, arrays, group)
                p._version_counter.value += 1        # an in-place write: a stale graph's backward says so
                for name, array in arrays.items():   # buffers made on this step become Tensors
                    if name not in tensors:
                        tensors[name] = Tensor(array)
        return loss

    def _update(self, param, grad, state, group):
        raise NotImplementedError(f"{type(self).__name__} must define _update(param, grad, state, group)")

    # ------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict:
        """``{'state': {index: {name: Tensor}}, 'param_groups': [{option: value, 'params':
        [index, ...]}]}``, PyTorch's layout. The buffers are copies (minigrad's
        ``Module.state_dict`` copies too), so later steps do not change a saved dict."""
        index = {}
        groups = []
        for group in self.param_groups:
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: {name: t.clone() for name, t in buffers.items()}
                 for p, buffers in self.state.items() if buffers}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict) -> None:
        """Restore options and buffers saved by ``state_dict()`` (ours, or PyTorch's with its
        tensors turned into minigrad ones) onto this optimiser's parameters, matched by
        position: build it over the same parameters, in the same groups, first."""
        saved = state_dict["param_groups"]
        if len(saved) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups "
                             f"({len(saved)}, this optimizer has {len(self.param_groups)}): build "
                             "the optimizer with the same param_groups as the one that was saved")
        if any(len(s["params"]) != len(g["params"]) for s, g in zip(saved, self.param_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the "
                             "size of optimizer's group: build the optimizer over the same model")
        by_index = {}
        for s, group in zip(saved, self.param_groups):
            by_index.update(zip(s["params"], group["params"]))
        self.state = defaultdict(dict)
        for i, buffers in state_dict["state"].items():
            p = by_index[int(i)]
            self.state[p] = {name: _buffer_like(p, name, value) for name, value in buffers.items()}
        for s, group in zip(saved, self.param_groups):
            params = group["params"]
            group.clear()
            group.update({**self.defaults, **{k: v for k, v in s.items() if k != "params"}})
            group["params"] = params

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {group[k]}" for k in sorted(group) if k != "params"]
        return "\n".join(lines + [")"])


def _as_list(params) -> list:
    if isinstance(params, Tensor) or not hasattr(params, "__iter__"):
        raise TypeError("params argument given to the optimizer should be an iterable of Tensors "
                        f"or dicts, but got {type(params).__name__}: pass model.parameters()")
    params = list(params)
    if not params:
        raise ValueError(
            "optimizer got an empty parameter list: pass model.parameters(). If you did, "
            "the model has no parameters (are its layers attributes, set after "
            "super().__init__()?) or the generator was used up (call model.parameters() again)")
    return params


def _buffer_like(param, name, value) -> Tensor:
    """A saved buffer as a fresh Tensor; float buffers take the parameter's dtype, as in
    PyTorch (the step count keeps its own)."""
    array = np.array(value.detach().numpy() if isinstance(value, Tensor) else value)
    if name != "step" and array.dtype.kind == "f":
        array = array.astype(param.dtype)
    return Tensor(array)


def count_step(state) -> float:
    """Add one to the parameter's step count (a float32 0-d buffer, as PyTorch keeps it) and
    return the new count t = 1, 2, ..."""
    step = state.setdefault("step", np.zeros((), dtype=np.float32))
    step += 1
    return float(step)


def _check_learning_rate(lr):
    if lr is None or lr < 0.0:
        raise ValueError(f"Invalid learning rate: {lr} (it must be >= 0: each step moves "
                         "the parameters by -lr * grad; typical values are 0.1 to 1e-4)")


def check_non_negative(label, value):
    """PyTorch's check and message for an option that must be >= 0 (``Invalid eps value``)."""
    if value < 0.0:
        raise ValueError(f"Invalid {label}: {value} (it must be >= 0)")
