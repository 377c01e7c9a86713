"""Pooling layers, as ``torch.nn.MaxPool2d`` and friends: each keeps its arguments and calls
the ``F`` function (mathematics in :mod:`minigrad.ops.pool`, equations PL.1-PL.7)."""
from . import functional as F
from .conv_arguments import ntuple
from .module import Module, per_rank


class _MaxPoolNd(Module):
    _D = 0                       # spatial axes, set by each subclass

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.dilation = padding, dilation
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, x):
        return F._max_pool(self._D, x, self.kernel_size, self.stride, self.padding, self.dilation,
                           self.ceil_mode, self.return_indices)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


MaxPool1d, MaxPool2d, MaxPool3d = (per_rank(_MaxPoolNd, f"MaxPool{d}d", _D=d) for d in (1, 2, 3))


class _AvgPoolNd(Module):
    _D = 0

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
                 divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding, self.ceil_mode = padding, ceil_mode
        self.count_include_pad, self.divisor_override = count_include_pad, divisor_override

    def forward(self, x):
        return F._avg_pool(self._D, x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                           self.count_include_pad, self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(_AvgPoolNd):
    """As PyTorch's, it keeps its sizes as 1-tuples (its repr shows kernel_size=(3,)) and has
    no divisor_override."""

    _D = 1

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        single = (lambda v: v if v is None else ntuple(v, 1, "kernel_size"))
        super().__init__(single(kernel_size), single(stride), single(padding), ceil_mode, count_include_pad)


AvgPool2d, AvgPool3d = (per_rank(_AvgPoolNd, f"AvgPool{d}d", _D=d) for d in (2, 3))


class _AdaptivePoolNd(Module):
    _KIND, _D = "", 0

    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size, self.return_indices = output_size, return_indices

    def forward(self, x):
        return F._adaptive(self._D, self._KIND, x, self.output_size, self.return_indices)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_AdaptivePoolNd):
    _KIND, _D = "avg", 1

    def __init__(self, output_size):
        super().__init__(output_size)


AdaptiveAvgPool2d, AdaptiveAvgPool3d = (per_rank(AdaptiveAvgPool1d, f"AdaptiveAvgPool{d}d", _D=d)
                                        for d in (2, 3))


class AdaptiveMaxPool1d(_AdaptivePoolNd):
    _KIND, _D = "max", 1


AdaptiveMaxPool2d, AdaptiveMaxPool3d = (per_rank(AdaptiveMaxPool1d, f"AdaptiveMaxPool{d}d", _D=d)
                                        for d in (2, 3))
