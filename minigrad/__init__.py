"""minigrad: an educational deep-learning framework in NumPy, shaped like PyTorch.

The modules depend on each other in one direction only; each imports only modules above it:

    autograd        the engine: Function, graph nodes, the backward walk, grad modes (NumPy only)
    validation      the checks and error messages of ops and layers       (NumPy only)
    ops/            every op, a Function on plain arrays       (autograd, validation)
    random, printing                                                      (NumPy only)
    tensor          Tensor: data API and operators, which call ops; hands its class to autograd
    factories       tensor factories (minigrad.tensor, zeros, randn, ...) (tensor)
    tensor_functions  minigrad.exp(x) for x.exp(), cat, stack, ...       (tensor, ops)
    gradcheck       numerical gradients                                   (autograd, tensor)
    nn/             Module and the layers; nn.functional calls ops; minigrad.relu, sigmoid
                    and tanh are its functions                            (tensor, ops)
    assignments     the student and instructor versions of the lessons    (standard library only)
    optim, data, serialization, experiment, check, __main__               (the layers above)
"""
import numpy as _np

from . import autograd
from .autograd import (Function, detect_anomaly, enable_grad, is_grad_enabled, no_grad,
                       set_grad_enabled)
from .factories import (arange, empty, empty_like, eye, from_numpy, full, linspace, multinomial, normal, ones,
                        ones_like, rand, rand_like, randint, randn, randn_like, randperm, tensor, zeros,
                        zeros_like)
from .tensor_functions import allclose, argmax, cat, exp, flatten, log, matmul, max, mean, min, sqrt, stack, sum
from .gradcheck import GradcheckError, gradcheck, gradcheck_report, rel_error
from . import nn, optim, utils
from .nn.functional import relu, sigmoid, tanh
from .random import Generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from .serialization import load, save
from .tensor import Tensor
from .threads import get_num_threads, set_num_threads

# devices, dtypes and the functions PyTorch course code calls
from .device import accelerator, backends, cuda, device
from .dtypes import (bool, cdouble, cfloat, complex64, complex128, double, float, float16, float32,
                     float64, half, int, int8, int16, int32, int64, long, short, uint8)
from .tensor_functions import (abs, all, any, argsort, chunk, clamp, clip, eq, equal, ge, gt, histc, histogram,
                               inference_mode, le, log2, log10, log_softmax, lt, ne, numel, pow, rsqrt,
                               softmax, sort, split, topk, where)
from . import return_types

__version__ = "0.1.0"
