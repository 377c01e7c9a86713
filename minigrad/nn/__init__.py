"""Neural-network layers, shaped like ``torch.nn``."""
from . import functional, init
from .batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d
from .layers import Dropout, Flatten, Identity, Linear, ReLU, Sigmoid, Tanh
from .loss import CrossEntropyLoss, MSELoss
from .module import Module, ModuleList, Parameter, Sequential
from .normalization import (BatchRenorm1d, BatchRenorm2d, BatchRenorm3d, GhostBatchNorm1d, GhostBatchNorm2d,
                            GhostBatchNorm3d, GroupNorm, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d,
                            LayerNorm, RMSNorm)
