"""Every differentiable op, one family per module."""
from .elementwise import (Abs, Add, Cast, Clamp, Div, Dropout, ELU, Exp, GELU, LeakyReLU, Log, Mul, Neg,
                          Pow, ReLU, Sigmoid, SiLU, Softplus, Sub, Tanh, Where, unbroadcast)
from .linalg import Linear, MatMul
from .loss import (BCELoss, BCEWithLogits, CrossEntropy, L1Loss, LogSoftmax, MSELoss, NLLLoss,
                   SmoothL1Loss)
from .reduce import Max, Mean, Sum
from .shape import Cat, Clone, Embedding, Expand, Gather, Index, Permute, Repeat, Reshape, SetItem, Stack
