"""The BatchNorm variants of Santurkar et al. (2018), "How Does Batch Normalization Help
Optimization?" (arXiv:1805.11604), used by lesson 10 as instruments.

PyTorch has neither layer, so they live here, apart from ``nn.BatchNorm1d`` (which follows
PyTorch exactly) and are not exported by ``minigrad.nn``; import them from this module.

- ``NoisyBatchNorm1d``: BatchNorm followed by random, time-varying noise (the paper's
  Algorithm 1, Section 2.1 and Fig. 2). Built to make the layer inputs' distribution
  unstable on purpose while keeping whatever else BatchNorm does.
- ``LpBatchNorm1d``: BatchNorm with the standard deviation replaced by another measure of
  spread, the l1, l2 or l-infinity norm of the centred batch (Section 3.3 and Fig. 5).

Both are composed of existing differentiable ops (BatchNorm, Mul, Add, Sub, Mean, Abs, Pow,
Max, Div), so their backward is the chain rule through ops that are derived and
gradchecked one by one in :mod:`minigrad.ops`. Why no Function with a hand-derived backward:
these layers are measuring instruments, run for a few thousand steps in a lesson; a closed
form would save time but add a derivation that says nothing new (the l2 case is (BN.11)),
and tests/test_batchnorm_variants.py gradchecks the composition anyway.

Equations (the labels are cited by lesson 10):

  (NB.1) mu_t ~ U(-n_m, n_m),  sigma_t ~ U(1, n_v)          one draw per layer and step t
  (NB.2) m_ij ~ U(mu_t - r_m, mu_t + r_m),  s_ij ~ U(sigma_t - r_v, sigma_t + r_v)
                                                            one draw per sample i, unit j
  (NB.3) a_ij <- s_ij * BN(x)_ij + m_ij                     the perturbed activation

  (LP.1) c_ij = x_ij - mean_i x_ij                          centre each unit over the batch
  (LP.2) scale_j = ((1/n) sum_i |c_ij|^p + eps)^(1/p)       p = 1, 2 (p = 2: BN's sqrt(var + eps))
         scale_j = max_i |c_ij| + eps                       p = inf
  (LP.3) y_ij = weight_j * c_ij / scale_j + bias_j
"""
import math

import numpy as np

from ..random import default_generator
from ..tensor import dtype_or_default, Tensor
from .batchnorm import BatchNorm1d
from .module import Module, Parameter

# The noise constants of Algorithm 1 of Santurkar et al. (Appendix A): the per-step centre of
# the shift is drawn from U(-N_M, N_M), the per-step centre of the scale from U(1, N_V), and
# each activation's own shift and scale spread R_M and R_V around those centres.
N_M, N_V, R_M, R_V = 0.5, 1.25, 0.1, 0.1


class NoisyBatchNorm1d(BatchNorm1d):
    """BatchNorm1d, then per-activation random scale and shift that change every step.

    Santurkar et al. (2018), Algorithm 1: in training, after the batch normalisation (with
    its affine weight and bias) every activation a_ij (sample i, unit j) becomes
    s_ij * a_ij + m_ij, equations (NB.1)-(NB.3) in this module's docstring. The noise is
    drawn afresh at every call from minigrad's global generator (so ``manual_seed`` makes a
    run reproducible) and carries no gradient. In eval mode the layer is BatchNorm1d: the
    noise perturbs training only, as dropout does.

    Args: as BatchNorm1d, plus the noise constants n_m, n_v, r_m, r_v (the paper's; see
    N_M, N_V, R_M, R_V). n_m = 0, n_v = 1, r_m = r_v = 0 gives s = 1, m = 0: exactly BatchNorm1d.
    Input (N, C) or (N, C, L); output the same shape.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum=0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None, *, n_m: float = N_M,
                 n_v: float = N_V, r_m: float = R_M, r_v: float = R_V):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)
        self.n_m, self.n_v, self.r_m, self.r_v = n_m, n_v, r_m, r_v

    def noise(self, shape, dtype):
        """Draw one step's (scale, shift), arrays of ``shape``: (NB.1) then (NB.2)."""
        rng = default_generator()
        mu_t = rng.uniform(-self.n_m, self.n_m)                       # (NB.1)
        sigma_t = rng.uniform(1.0, self.n_v)
        shift = rng.uniform(mu_t - self.r_m, mu_t + self.r_m, size=shape)        # (NB.2)
        scale = rng.uniform(sigma_t - self.r_v, sigma_t + self.r_v, size=shape)
        return scale.astype(dtype), shift.astype(dtype)

    def forward(self, input):
        out = super().forward(input)
        if not self.training:
            return out
        scale, shift = self.noise(out.shape, out.dtype)
        return out * Tensor(scale) + Tensor(shift)                       # (NB.3)

    def extra_repr(self) -> str:
        return (super().extra_repr() + f", n_m={self.n_m}, n_v={self.n_v}, "
                f"r_m={self.r_m}, r_v={self.r_v}")


def lp_batch_norm(input, p, weight=None, bias=None, eps: float = 1e-5):
    """Lp batch normalisation of an (N, C) Tensor over its batch axis, (LP.1)-(LP.3).

    p: 1, 2 or math.inf (any p >= 1 works). With p = 2 this is batch_norm in training mode
    (the biased variance plus eps under the square root). weight, bias: (C,) Tensors or None
    (then 1 and 0). Composed of differentiable ops; the gradient reaches input, weight, bias.
    """
    centred = input - input.mean(0, keepdim=True)                              # (LP.1)
    spread = centred.abs()
    if math.isinf(p):
        scale = spread.max((0,), keepdim=True) + eps                           # (LP.2)
    else:
        scale = ((spread ** p).mean(0, keepdim=True) + eps) ** (1.0 / p)
    out = centred / scale                                                      # (LP.3)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


class LpBatchNorm1d(Module):
    """BatchNorm of (N, C) input with the standard deviation replaced by an Lp spread.

    Santurkar et al. (2018), Section 3.3: normalise each unit by the average of the p-norm of
    its centred batch values, for p = 1, 2 and infinity, then apply BN's affine map,
    (LP.1)-(LP.3) in this module's docstring. Unlike BN's, these outputs have no fixed
    variance (for p = 1 the variance is above 1, for p = inf below 1, and both change as
    the batch's distribution changes shape), yet the paper finds they train as well as BN.

    The layer keeps no running statistics: in eval mode it normalises with the statistics of
    the batch it is given, like BatchNorm1d(track_running_stats=False). Evaluate on large
    batches (experiment.evaluate uses 5000 images).

    Args: num_features C; p (1, 2 or math.inf); eps (default 1e-5); affine: learn a weight
    (ones) and bias (zeros) per unit (default True); dtype (default float32).
    """

    def __init__(self, num_features: int, p=2, eps: float = 1e-5, affine: bool = True, dtype=None):
        super().__init__()
        if not p >= 1:
            raise ValueError(f"LpBatchNorm1d needs p >= 1 (1, 2 or math.inf), got {p}")
        self.num_features, self.p, self.eps, self.affine = num_features, p, eps, affine
        dtype = dtype_or_default(dtype)
        if affine:
            self.weight = Parameter(np.ones(num_features, dtype=dtype))
            self.bias = Parameter(np.zeros(num_features, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input):
        if input.ndim != 2 or input.shape[1] != self.num_features:
            raise ValueError(f"LpBatchNorm1d({self.num_features}) expects input of shape "
                             f"(N, {self.num_features}), got {tuple(input.shape)}")
        return lp_batch_norm(input, self.p, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_features}, p={self.p}, eps={self.eps}, affine={self.affine}"
