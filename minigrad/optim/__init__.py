"""Optimisers and learning-rate schedules, shaped like ``torch.optim``.

Every optimiser is an :class:`Optimizer` (param_groups, state, state_dict) plus one
``_update`` rule in NumPy, each in its own file with its equations.
"""
from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD
