"""Conv1d/2d/3d, and the channel dropout made for their feature maps: the bookkeeping around
:func:`functional.conv1d` and friends, whose mathematics is in :mod:`minigrad.ops.conv`.

As PyTorch: ``ConvNd(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
groups=1, bias=True, padding_mode='zeros')``; weight (out_channels, in_channels / groups,
*kernel_size) and bias (out_channels,), both U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in =
in_channels / groups * prod(kernel_size); state_dict keys ``weight`` and ``bias``; PyTorch's repr.
"""
from . import functional as F
from .conv_arguments import ntuple
from .layers import Dropout, register_weight_and_bias, reset_weight_and_bias
from .module import Module

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    _D = 0                       # spatial axes, set by each subclass

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 dtype=None):
        super().__init__()
        d = self._D
        if groups <= 0:
            raise ValueError(f"groups must be a positive integer (got groups={groups})")
        if in_channels % groups:
            raise ValueError(f"in_channels must be divisible by groups (got in_channels={in_channels}, "
                             f"groups={groups}): pick groups among the divisors of in_channels")
        if out_channels % groups:
            raise ValueError(f"out_channels must be divisible by groups (got out_channels={out_channels}, "
                             f"groups={groups}): make out_channels a multiple of groups")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = ntuple(kernel_size, d, "kernel_size")
        self.stride = ntuple(stride, d, "stride")
        self.dilation = ntuple(dilation, d, "dilation")
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(f"Invalid padding string '{padding}', should be one of {{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError("padding='same' is not supported for strided convolutions: "
                                 "use stride=1, or give the padding as a number")
            self.padding = padding
        else:
            self.padding = ntuple(padding, d, "padding")
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {{'circular', 'zeros', 'reflect', 'replicate'}}, "
                             f"but got padding_mode='{padding_mode}'")
        if padding_mode != "zeros":
            raise NotImplementedError(
                f"padding_mode='{padding_mode}' is not implemented in minigrad: use padding_mode='zeros' "
                "(the default), or pad the input yourself and give this layer padding=0")
        self.padding_mode = padding_mode
        register_weight_and_bias(self, (out_channels, in_channels // groups) + self.kernel_size, bias, dtype)
        self.reset_parameters()

    def reset_parameters(self):
        reset_weight_and_bias(self.weight, self.bias)

    def forward(self, x):
        conv = (F.conv1d, F.conv2d, F.conv3d)[self._D - 1]
        return conv(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self):
        d = self._D
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * d:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * d:
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s


class Conv1d(_ConvNd):
    """Convolution over L: (N, C_in, L) -> (N, C_out, L_out); for sequences (lesson 8)."""

    _D = 1


class Conv2d(_ConvNd):
    """Convolution over H, W: (N, C_in, H, W) -> (N, C_out, H_out, W_out); for images (lesson 7)."""

    _D = 2


class Conv3d(_ConvNd):
    """Convolution over D, H, W: (N, C_in, D, H, W) -> (N, C_out, D_out, H_out, W_out); for
    video, D being time (lesson 8)."""

    _D = 3


class Dropout2d(Dropout):
    """Zero whole channels of (N, C, H, W) with probability p in training, as ``torch.nn.Dropout2d``."""

    def forward(self, x):
        return F.dropout2d(x, self.p, self.training)


class Dropout3d(Dropout):
    """Zero whole channels of (N, C, D, H, W) with probability p in training, as ``torch.nn.Dropout3d``."""

    def forward(self, x):
        return F.dropout3d(x, self.p, self.training)
