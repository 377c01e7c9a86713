"""Every differentiable op, one family per module."""
from .elementwise import (Abs, Add, Cast, Div, Dropout, Exp, Log, Mul, Neg, Pow, ReLU, Sigmoid, Sub, Tanh,
                          unbroadcast)
from .linalg import Linear, MatMul
from .loss import CrossEntropy, LogSoftmax, MSELoss
from .normalization import Normalization
from .reduce import Max, Mean, Sum
from .shape import Cat, Clone, Index, Permute, Reshape, Stack
from .conv import ConvNd
from .pool import AdaptiveAvgPoolNd, AdaptiveMaxPoolNd, AvgPoolNd, MaxPoolNd
