"""Neural-network layers, shaped like ``torch.nn``."""
from . import functional, init, utils
from .batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d
from .layers import Dropout, Flatten, Identity, Linear, ReLU, Sigmoid, Tanh
from .loss import CrossEntropyLoss, MSELoss
from .module import Module, ModuleList, Parameter, Sequential
