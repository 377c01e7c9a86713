"""Neural-network layers, shaped like ``torch.nn``."""
from . import functional, init
from .layers import Flatten, Linear, ReLU, Sigmoid, Tanh
from .loss import CrossEntropyLoss, MSELoss
from .module import Module, Parameter, Sequential
