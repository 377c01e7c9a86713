"""Loss modules: thin wrappers that remember the reduction."""
from . import functional as F
from .module import Module


class CrossEntropyLoss(Module):
    """Cross-entropy from logits (N, C) and integer targets (N,); see ``F.cross_entropy``."""

    def __init__(self, reduction: str = "mean"):
        super().__init__()
        self.reduction = reduction

    def forward(self, input, target):
        return F.cross_entropy(input, target, reduction=self.reduction)


class MSELoss(Module):
    def __init__(self, reduction: str = "mean"):
        super().__init__()
        self.reduction = reduction

    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)
