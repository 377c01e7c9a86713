"""BatchNorm1d/2d/3d: the bookkeeping around :func:`minigrad.nn.functional.batch_norm`.

The mathematics (equations BN.1-BN.15) lives in :mod:`minigrad.ops.batchnorm`. A module
holds what persists between calls: the parameters weight and bias, the running statistics,
the train/eval flag, and the checks on the input's shape. ``_BatchNorm.forward`` follows
PyTorch's ``torch.nn.modules.batchnorm._BatchNorm.forward`` step by step.

Conventions, as PyTorch's:
- statistics reduce every axis except axis 1 (the channels);
- in training, normalise with the batch's biased variance; running_var is updated with the
  unbiased one (n/(n-1), n = values per channel);
- ``momentum`` is the weight of the NEW batch (0.1): running = (1 - momentum) * running +
  momentum * batch; ``momentum=None`` makes it a cumulative average over
  ``num_batches_tracked`` batches (momentum 1/k at the k-th batch);
- ``track_running_stats=False``: no running statistics; batch statistics in eval mode too.
"""
import numpy as np

from ..device import cpu_only
from ..tensor import dtype_or_default, Tensor
from . import functional as F
from . import init
from .module import Module, Parameter


class _BatchNorm(Module):
    """Batch normalization over axis 1 of an (N, C, *) input, as ``torch.nn.BatchNorm*d``.

    Args:
        num_features: C, the number of channels (axis 1 of the input).
        eps: added to the variance before the square root (default 1e-5).
        momentum: weight of the new batch in the running statistics (default 0.1), or None
            for a cumulative average.
        affine: learn a per-channel weight (ones) and bias (zeros) (default True).
        track_running_stats: keep running_mean (zeros), running_var (ones) and
            num_batches_tracked (int64, 0) as buffers and use them in eval mode (default True).
        dtype: of the parameters and running statistics (default float32).
        bias: keyword only; with affine=True and bias=False, learn a weight but no bias
            (PyTorch 2.13 has this argument too).
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum=0.1, affine: bool = True,
                 track_running_stats: bool = True, device=None, dtype=None, *, bias: bool = True):
        super().__init__()
        cpu_only(device, "modules")
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        dtype = dtype_or_default(dtype)
        if affine:
            self.weight = Parameter(np.empty(num_features, dtype=dtype))
            if bias:
                self.bias = Parameter(np.empty(num_features, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype=dtype)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, dtype=dtype)))
            self.register_buffer("num_batches_tracked", Tensor(np.array(0, dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    _RANKS = ()          # the input ranks this layer accepts, set by each subclass

    def _check_input_dim(self, input):
        """PyTorch's message for a wrong rank, then which layer fits the input that came."""
        if input.ndim not in self._RANKS:
            expected = " or ".join(f"{r}D" for r in self._RANKS)
            fits = _LAYER_FOR_RANK.get(input.ndim)
            hint = (f"; for input of shape {tuple(input.shape)} use {fits}" if fits else
                    "; BatchNorm1d takes (N, C) or (N, C, L), BatchNorm2d (N, C, H, W), "
                    "BatchNorm3d (N, C, D, H, W)")
            raise ValueError(f"expected {expected} input (got {input.ndim}D input){hint}")

    def _check_num_features(self, input):
        """PyTorch's message for a wrong C, and what it means for this layer."""
        if input.shape[1] == self.num_features:
            return
        stat = "running_mean" if self.running_mean is not None else "weight"
        if getattr(self, stat) is not None:
            raise RuntimeError(
                f"{stat} should contain {input.shape[1]} elements not {self.num_features}: "
                f"{type(self).__name__}({self.num_features}) expects input with "
                f"C == num_features == {self.num_features} on axis 1, "
                f"got input size {tuple(input.shape)}")

    def forward(self, input):
        self._check_input_dim(input)
        self._check_num_features(input)
        exponential_average_factor = 0.0 if self.momentum is None else self.momentum
        tracked = self.num_batches_tracked
        if self.training and self.track_running_stats and tracked is not None:
            tracked.add_(1)
            if self.momentum is None:           # cumulative average: the k-th batch weighs 1/k
                exponential_average_factor = 1.0 / float(tracked)
        running_mean, running_var = self.running_mean, self.running_var
        # batch statistics in training, and in eval mode when there are no running statistics
        bn_training = self.training or (running_mean is None and running_var is None)
        # the running statistics are passed when they are used (eval) or updated (training
        # with tracking); in training without tracking they must stay untouched
        use_stats = not self.training or self.track_running_stats
        return F.batch_norm(
            input,
            running_mean if use_stats else None,
            running_var if use_stats else None,
            self.weight, self.bias, bn_training, exponential_average_factor, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalization of (N, C) or (N, C, L) input; statistics over N (and L)."""

    _RANKS = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalization of (N, C, H, W) input; statistics over N, H, W."""

    _RANKS = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch normalization of (N, C, D, H, W) input; statistics over N, D, H, W."""

    _RANKS = (5,)


_LAYER_FOR_RANK = {2: "BatchNorm1d", 3: "BatchNorm1d", 4: "BatchNorm2d", 5: "BatchNorm3d"}
