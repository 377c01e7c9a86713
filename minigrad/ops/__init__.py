"""Every differentiable op, one family per module.

An op is a :class:`minigrad.autograd.Function` on plain ndarrays, called as ``Op.apply(...)``,
and every op has the same beats, so that the pattern is learned once:

  check    ``forward`` first calls one function of :mod:`minigrad.validation` if its
           arguments can be wrong (the message says what to change), and nothing else;
  compute  it computes the output with NumPy, the equation's label on the line;
  save     it keeps for ``backward`` only what the derivative needs: arrays through
           ``ctx.save_for_backward`` (read back as ``ctx.saved_tensors``; the engine checks that
           no in-place write changed them meanwhile), shapes and options as ``ctx`` attributes;
  derive   ``backward(ctx, g)`` returns one gradient per positional input, each the upstream
           g = dL/dz times the local derivative, (AD.1) in :mod:`.elementwise`, summed back
           over broadcast axes by :func:`.elementwise.unbroadcast`. It computes input i's
           gradient only if ``ctx.needs_input_grad[i]`` (for an optional input, such as a
           bias, which may be left out: ``needs_grad(ctx, i)`` of :mod:`.elementwise`) and
           returns None otherwise, and None for what is not differentiable (options,
           integer targets, masks).

An op with one tensor input gates nothing: it has a node only when that input needs a gradient.
"""
from .elementwise import (Abs, Add, Cast, Clamp, Div, Dropout, ELU, Exp, GELU, LeakyReLU, Log, Mul, Neg,
                          Pow, ReLU, Sigmoid, SiLU, Softplus, Sub, Tanh, Where, unbroadcast)
from .linalg import Linear, MatMul
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, LogSoftmax, MSELoss, NLLLoss,
                   SmoothL1Loss)
from .normalization import Normalization
from .reduce import Max, Mean, Sum
from .shape import Cat, Clone, Embedding, Expand, Gather, Index, Permute, Repeat, Reshape, SetItem, Stack
from .conv import ConvNd
from .pool import AdaptiveAvgPoolNd, AdaptiveMaxPoolNd, AvgPoolNd, MaxPoolNd
