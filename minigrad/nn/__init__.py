"""Neural-network layers, shaped like ``torch.nn``."""
from . import functional, init
from .batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d
from .layers import (ELU, GELU, Dropout, Embedding, Flatten, Identity, LeakyReLU, Linear, LogSoftmax, ReLU,
                     Sigmoid, SiLU, Softmax, Softplus, Tanh)
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss, SmoothL1Loss
from .module import Module, ModuleList, Parameter, Sequential
