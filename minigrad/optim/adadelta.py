"""Adadelta, as ``torch.optim.Adadelta``."""
import numpy as np

from .optimizer import Optimizer, check_non_negative, count_step


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012, Algorithm 1), as torch.optim.Adadelta:

        g = grad + weight_decay * p
        v = rho * v + (1 - rho) * g^2                       (square_avg)
        d = sqrt(u + eps) / sqrt(v + eps) * g               (u: acc_delta, last step's)
        u = rho * u + (1 - rho) * d^2
        p = p - lr * d

    The ratio of the two root-mean-squares gives the step its units; lr (default 1.0)
    only scales it.
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, *, maximize=False):
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho} (it must lie in [0, 1])")
        check_non_negative("epsilon value", eps)
        check_non_negative("weight_decay value", weight_decay)
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize))

    def _update(self, param, grad, state, group):
        rho, eps = group["rho"], group["eps"]
        count_step(state)
        if "square_avg" not in state:
            state["square_avg"] = np.zeros_like(param)
            state["acc_delta"] = np.zeros_like(param)
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * param
        v, u = state["square_avg"], state["acc_delta"]
        v *= rho
        v += (1 - rho) * grad * grad
        delta = np.sqrt(u + eps) / np.sqrt(v + eps) * grad
        u *= rho
        u += (1 - rho) * delta * delta
        param -= (group["lr"] * delta).astype(param.dtype, copy=False)
