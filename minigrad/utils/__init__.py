"""Utilities shaped like ``torch.utils``: ``minigrad.utils.data`` (Dataset, DataLoader...)."""
from . import data
