"""The normalisation family as modules: LayerNorm, GroupNorm, InstanceNorm1d/2d/3d, RMSNorm
(PyTorch's), and BatchRenorm1d/2d/3d, GhostBatchNorm1d/2d/3d (beyond PyTorch).

The mathematics lives in :mod:`minigrad.ops.normalization` (the family's table and equations
(NF.1)-(NF.7)) and :mod:`minigrad.ops.batchnorm` ((BN.1)-(BN.15)); these modules hold the
parameters, the running statistics and the train/eval flag, and call ``F``.

PyTorch's conventions, kept: weight starts at ones and bias at zeros; LayerNorm and RMSNorm
have one weight per element of ``normalized_shape``, GroupNorm and InstanceNorm one per
channel; InstanceNorm has no affine parameters and no running statistics by default, accepts
an unbatched input (C, *), and with ``momentum=None`` leaves its running statistics where
they are (PyTorch passes momentum 0). One difference: PyTorch's InstanceNorm turns its
running statistics into NaN on an empty batch (N = 0); minigrad leaves them untouched, as
both do for BatchNorm.
"""
import math
import warnings

import numpy as np

from .. import validation
from ..device import cpu_only
from ..tensor_functions import cat
from ..ops.batchnorm import _channels
from ..ops.normalization import renorm_correction, two_pass_moments
from ..tensor import dtype_or_default, Tensor
from . import functional as F
from . import init
from .batchnorm import _BatchNorm
from .module import Module, Parameter, per_rank


def _register_affine(module, shape, weight: bool, bias: bool, dtype) -> None:
    """weight (ones) and bias (zeros) of ``shape``, or None where they are switched off."""
    dtype = dtype_or_default(dtype)
    module.register_parameter("weight", Parameter(np.ones(shape, dtype)) if weight else None)
    module.register_parameter("bias", Parameter(np.zeros(shape, dtype)) if weight and bias else None)


def _reset_affine(module) -> None:
    if module.weight is not None:
        init.ones_(module.weight)
    if module.bias is not None:
        init.zeros_(module.bias)


def _as_shape(normalized_shape) -> tuple:
    return (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)


class LayerNorm(Module):
    """Layer normalization (Ba et al. 2016, arXiv:1607.06450), as ``torch.nn.LayerNorm``.

    Args:
        normalized_shape: the trailing shape (D1, ..., Dk) that one mean and variance cover
            (an int means (int,)).
        eps: added to the variance (default 1e-5).
        elementwise_affine: learn a weight (ones) and bias (zeros) of shape normalized_shape.
        bias: with elementwise_affine, also learn the bias (default True).
    Input (*, D1, ..., Dk) -> output of the same shape; statistics per leading index.
    """

    def __init__(self, normalized_shape, eps: float = 1e-5, elementwise_affine: bool = True,
                 bias: bool = True, device=None, dtype=None):
        super().__init__()
        cpu_only(device, "modules")
        self.normalized_shape = _as_shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _register_affine(self, self.normalized_shape, elementwise_affine, bias, dtype)

    def reset_parameters(self) -> None:
        _reset_affine(self)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class RMSNorm(Module):
    """Root-mean-square normalization (Zhang & Sennrich 2019, arXiv:1910.07467), as
    ``torch.nn.RMSNorm``: y = x / sqrt(mean(x^2) + eps) * weight over the trailing
    normalized_shape, (NF.3); no mean is subtracted and there is no bias.

    eps=None uses the machine epsilon of the input's dtype (PyTorch's default).
    """

    def __init__(self, normalized_shape, eps=None, elementwise_affine: bool = True, device=None, dtype=None):
        super().__init__()
        cpu_only(device, "modules")
        self.normalized_shape = _as_shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _register_affine(self, self.normalized_shape, elementwise_affine, False, dtype)

    def reset_parameters(self) -> None:
        _reset_affine(self)

    def forward(self, input):
        return F.rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class GroupNorm(Module):
    """Group normalization (Wu & He 2018, arXiv:1803.08494), as ``torch.nn.GroupNorm``.

    Args:
        num_groups: G, the number of groups the channels are split into (consecutively).
        num_channels: C, axis 1 of the input; must be a multiple of num_groups.
        eps: added to the variance (default 1e-5).
        affine: learn a per-channel weight (ones) and bias (zeros) (default True).
        bias: keyword only; with affine, also learn the bias (default True).
    Input (N, C, *) -> the same shape; statistics per sample and group. num_groups=1 is a
    LayerNorm over (C, *) with per-channel parameters, num_groups=C an InstanceNorm.
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True,
                 device=None, dtype=None, *, bias: bool = True):
        super().__init__()
        cpu_only(device, "modules")
        if num_channels % num_groups:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups "
                             f"({num_groups}): {validation.divisors_hint(num_channels)}")
        self.num_groups, self.num_channels = num_groups, num_channels
        self.eps, self.affine = eps, affine
        _register_affine(self, (num_channels,), affine, bias, dtype)

    def reset_parameters(self) -> None:
        _reset_affine(self)

    def forward(self, input):
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class _InstanceNorm(_BatchNorm):
    """Instance normalization (Ulyanov et al. 2016, arXiv:1607.08022), as
    ``torch.nn.InstanceNorm*d``: each sample's channel is normalised over its positions (*).

    It shares BatchNorm's arguments, parameters, buffers and repr (PyTorch's ``_NormBase``),
    with other defaults: affine=False, track_running_stats=False. With tracking, training
    updates the running statistics by (NF.5) and eval mode normalises with them.
    """

    _NO_BATCH_DIM = 0       # the rank of an unbatched input (C, *), set by each subclass

    def __init__(self, num_features: int, eps: float = 1e-5, momentum=0.1, affine: bool = False,
                 track_running_stats: bool = False, device=None, dtype=None, *, bias: bool = True):
        cpu_only(device, "modules")
        super().__init__(num_features, eps, momentum, affine, track_running_stats, dtype=dtype, bias=bias)

    def _check_input_dim(self, input):
        k = self._NO_BATCH_DIM
        if input.ndim not in (k, k + 1):
            raise ValueError(
                f"expected {k}D or {k + 1}D input (got {input.ndim}D input); InstanceNorm1d takes "
                "(N, C, L) or (C, L), InstanceNorm2d (N, C, H, W) or (C, H, W), InstanceNorm3d "
                "(N, C, D, H, W) or (C, D, H, W)")

    def forward(self, input):
        self._check_input_dim(input)
        feature_dim = input.ndim - self._NO_BATCH_DIM
        size = input.shape[feature_dim]
        if size != self.num_features and self.affine:
            raise ValueError(
                f"expected input's size at dim={feature_dim} to match num_features "
                f"({self.num_features}), but got: {size}. Make this layer "
                f"{type(self).__name__}({size}, affine=True), or change the layer before it")
        if size != self.num_features:
            warnings.warn(f"input's size at dim={feature_dim} does not match num_features. You can "
                          "silence this warning by not passing in num_features, which is not used "
                          "because affine=False", stacklevel=3)
        if input.ndim == self._NO_BATCH_DIM:            # (C, *): a batch of one, then unbatch
            return self._apply_instance_norm(input.unsqueeze(0)).squeeze(0)
        return self._apply_instance_norm(input)

    def _apply_instance_norm(self, input):
        return F.instance_norm(
            input, self.running_mean, self.running_var, self.weight, self.bias,
            self.training or not self.track_running_stats,
            self.momentum if self.momentum is not None else 0.0, self.eps)


InstanceNorm1d = per_rank(_InstanceNorm, "InstanceNorm1d", "Instance normalization of (N, C, L) or (C, L) "
                          "input; statistics over L.", _NO_BATCH_DIM=2)
InstanceNorm2d = per_rank(_InstanceNorm, "InstanceNorm2d", "Instance normalization of (N, C, H, W) or "
                          "(C, H, W) input; statistics over H, W.", _NO_BATCH_DIM=3)
InstanceNorm3d = per_rank(_InstanceNorm, "InstanceNorm3d", "Instance normalization of (N, C, D, H, W) or "
                          "(C, D, H, W) input; statistics over D, H, W.", _NO_BATCH_DIM=4)


# ------------------------------------------------------------------ beyond PyTorch
class _BatchNormVariant(_BatchNorm):
    """A layer built on BatchNorm's op and running statistics; messages use its own name."""

    _FAMILY = "BatchNorm"

    def _check_input_dim(self, input):
        try:
            super()._check_input_dim(input)
        except ValueError as error:
            raise ValueError(str(error).replace("BatchNorm", self._FAMILY)) from None

    def _momentum_for_this_batch(self) -> float:
        """BatchNorm's rule: count the batch; the weight of the new batch is momentum, or 1/k
        at the k-th batch for momentum=None (a cumulative average)."""
        self.num_batches_tracked._data += 1
        return self.momentum if self.momentum is not None else 1.0 / float(self.num_batches_tracked._data)


class _BatchRenorm(_BatchNormVariant):
    """Batch Renormalization (Ioffe 2017, arXiv:1702.03275, Algorithm 1).

    In training, y = weight * (x_hat * r + d) + bias (NF.7), with x_hat normalised by the
    batch's statistics (BN.1)-(BN.3) and the per-channel corrections (NF.6)
        r = clip(sigma_B / sigma, 1/r_max, r_max),  d = clip((mu_B - mu) / sigma, -d_max, d_max),
    sigma_B = sqrt(batch variance + eps) (biased, as BatchNorm normalises), mu = running_mean
    and sigma = sqrt(running_var + eps) as they stand before this step's update. r and d are
    constants to the backward. The running statistics follow BatchNorm's rules (BN.12)-(BN.13)
    (momentum, unbiased running_var, momentum=None a cumulative average), and eval mode is
    BatchNorm's (BN.14). With r_max=1 and d_max=0, r = 1 and d = 0: the layer is BatchNorm.
    r_max and d_max are plain attributes, so a schedule may change them during training (the
    paper starts at 1 and 0 and relaxes them to 3 and 5).
    """

    _FAMILY = "BatchRenorm"

    def __init__(self, num_features: int, eps: float = 1e-5, momentum=0.1, r_max: float = 3.0,
                 d_max: float = 5.0, device=None, dtype=None):
        cpu_only(device, "modules")
        super().__init__(num_features, eps, momentum, affine=True, track_running_stats=True, dtype=dtype)
        self.r_max, self.d_max = r_max, d_max

    def forward(self, input):
        if not self.training or input.shape[0] == 0:
            return super().forward(input)             # BatchNorm's eval map, or its empty batch
        self._check_input_dim(input)
        self._check_num_features(input)
        momentum = self._momentum_for_this_batch()
        _, mean, var = two_pass_moments(_channels(input._data), (0, 2))  # (BN.1)-(BN.2), as BatchNorm
        r, d = renorm_correction(mean.ravel(), var.ravel(), self.running_mean._data,
                                 self.running_var._data, self.eps, self.r_max, self.d_max)   # (NF.6)
        dtype = self.weight.dtype
        r, d = Tensor(r.astype(dtype)), Tensor(d.astype(dtype))
        # (NF.7): BatchNorm with weight * r and weight * d + bias; it also updates the statistics
        return F.batch_norm(input, self.running_mean, self.running_var, self.weight * r,
                            self.weight * d + self.bias, True, momentum, self.eps)   # (NF.7)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, r_max={self.r_max}, d_max={self.d_max}"


BatchRenorm1d = per_rank(_BatchRenorm, "BatchRenorm1d", "Batch Renormalization of (N, C) or (N, C, L) "
                         "input; statistics over N (and L).", _RANKS=(2, 3))
BatchRenorm2d = per_rank(_BatchRenorm, "BatchRenorm2d", "Batch Renormalization of (N, C, H, W) input; "
                         "statistics over N, H, W.", _RANKS=(4,))
BatchRenorm3d = per_rank(_BatchRenorm, "BatchRenorm3d", "Batch Renormalization of (N, C, D, H, W) input; "
                         "statistics over N, D, H, W.", _RANKS=(5,))


class _GhostBatchNorm(_BatchNormVariant):
    """Ghost Batch Normalization (Hoffer, Hubara & Soudry 2017, arXiv:1705.08741, Section 4.1):
    BatchNorm whose statistics come from "ghost" batches, consecutive chunks of
    ``virtual_batch_size`` samples of the real batch (the last chunk smaller when N is not a
    multiple), so the noise of small-batch statistics stays while the batch grows.

    Each chunk is one BatchNorm step: normalised by its own (BN.1)-(BN.4) and counted once in
    the running statistics (BN.12)-(BN.13), chunk after chunk, in order. Eval mode is
    BatchNorm's (BN.14) on the whole batch. virtual_batch_size >= N is one chunk: BatchNorm.
    Other arguments as BatchNorm's.
    """

    _FAMILY = "GhostBatchNorm"

    def __init__(self, num_features: int, virtual_batch_size: int, eps: float = 1e-5, momentum=0.1,
                 affine: bool = True, track_running_stats: bool = True, device=None, dtype=None, *,
                 bias: bool = True):
        cpu_only(device, "modules")
        if virtual_batch_size < 2:
            raise ValueError(f"virtual_batch_size must be at least 2, but got {virtual_batch_size}: "
                             "a chunk of one sample has zero variance")
        super().__init__(num_features, eps, momentum, affine, track_running_stats, dtype=dtype, bias=bias)
        self.virtual_batch_size = virtual_batch_size

    def forward(self, input):
        size, n = self.virtual_batch_size, input.shape[0]
        batch_statistics = self.training or self.running_mean is None
        if not batch_statistics or n <= size:
            return super().forward(input)
        self._check_input_dim(input)
        if (n % size) * math.prod(input.shape[2:]) == 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input size "
                f"{tuple(input.shape)} whose last virtual batch holds 1 sample ({n} = "
                f"{n // size} x {size} + 1): choose virtual_batch_size so that N % virtual_batch_size != 1")
        return cat([super(_GhostBatchNorm, self).forward(input[i:i + size]) for i in range(0, n, size)], dim=0)

    def extra_repr(self) -> str:
        return f"{self.num_features}, virtual_batch_size={self.virtual_batch_size}, " + \
            super().extra_repr().split(", ", 1)[1]


GhostBatchNorm1d = per_rank(_GhostBatchNorm, "GhostBatchNorm1d", "Ghost BatchNorm of (N, C) or (N, C, L) input.",
                            _RANKS=(2, 3))
GhostBatchNorm2d = per_rank(_GhostBatchNorm, "GhostBatchNorm2d", "Ghost BatchNorm of (N, C, H, W) input.",
                            _RANKS=(4,))
GhostBatchNorm3d = per_rank(_GhostBatchNorm, "GhostBatchNorm3d", "Ghost BatchNorm of (N, C, D, H, W) input.",
                            _RANKS=(5,))
