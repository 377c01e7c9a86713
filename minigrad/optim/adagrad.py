"""Adagrad, as ``torch.optim.Adagrad``."""
import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer, check_non_negative, count_step


class Adagrad(Optimizer):
    """Adagrad (Duchi, Hazan & Singer, 2011), as torch.optim.Adagrad:

        g = grad + weight_decay * p
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g^2                       (s starts at initial_accumulator_value)
        p = p - clr * g / (sqrt(s) + eps)

    As in PyTorch the sums s exist from construction on, so ``state_dict()`` lists them
    before the first step.
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, *, maximize=False):
        check_non_negative("lr_decay value", lr_decay)
        check_non_negative("weight_decay value", weight_decay)
        check_non_negative("initial_accumulator_value value", initial_accumulator_value)
        check_non_negative("epsilon value", eps)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      maximize=maximize))
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p] = {k: Tensor(v) for k, v in _fresh_state(p._data, group).items()}

    def _update(self, param, grad, state, group):
        if not state:                    # a group added after construction
            state.update(_fresh_state(param, group))
        t = count_step(state)
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * param
        clr = group["lr"] / (1 + (t - 1) * group["lr_decay"])
        s = state["sum"]
        s += grad * grad
        param -= (clr * grad / (np.sqrt(s) + group["eps"])).astype(param.dtype, copy=False)


def _fresh_state(param, group):
    return {"step": np.zeros((), dtype=np.float32),
            "sum": np.full_like(param, group["initial_accumulator_value"])}
