"""Containers: modules that hold other modules and decide nothing else (Sequential calls
them in order; ModuleList only registers them), as ``torch.nn.Sequential`` and
``torch.nn.ModuleList``.
"""
import operator
from collections import OrderedDict

from .module import Module


class Sequential(Module):
    """Modules applied one after another; ``Sequential(a, b)(x) == b(a(x))``."""

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], dict):
            for name, module in modules[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(modules):
                self.add_module(str(i), module)

    def forward(self, x):
        for module in self._modules.values():
            x = module(x)
        return x

    def __getitem__(self, i):
        if isinstance(i, slice):        # model[:2] is a network too, as in PyTorch
            return Sequential(OrderedDict(list(self._modules.items())[i]))
        return list(self._modules.values())[i]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())


class ModuleList(Module):
    """A list of modules, registered under the names "0", "1", ... as ``torch.nn.ModuleList``,
    so ``parameters()`` and ``state_dict()`` (keys ``"0.weight"``...) see them. It has no
    ``forward``: the network that holds it decides how to call its modules."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def _key(self, i):
        """The name of the module at index ``i`` (negative counts from the end)."""
        i = operator.index(i)
        if not -len(self) <= i < len(self):
            raise IndexError(f"index {i} is out of range")
        return str(i % len(self))

    def __getitem__(self, i):
        if isinstance(i, slice):
            return ModuleList(list(self._modules.values())[i])
        return self._modules[self._key(i)]

    def __setitem__(self, i, module):
        self._modules[self._key(i)] = module      # in place: the names keep their order

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self

    def insert(self, index, module):
        """Put ``module`` before ``index``: each later module moves up one name."""
        index = min(max(index + len(self) if index < 0 else index, 0), len(self))   # as list.insert
        for i in range(len(self), index, -1):
            self._modules[str(i)] = self._modules[str(i - 1)]
        self._modules[str(index)] = module

    def __repr__(self):
        # PyTorch's layout, with a run of equal modules on one line: "(0-2): 3 x Linear(...)"
        if not self._modules:
            return "ModuleList()"
        runs = []                                 # [first index, last index, repr]
        for i, module in enumerate(self):
            text = repr(module)
            if runs and runs[-1][2] == text:
                runs[-1][1] = i
            else:
                runs.append([i, i, text])
        lines = [f"({a}): {text}" if a == b else f"({a}-{b}): {b - a + 1} x {text}" for a, b, text in runs]
        return "ModuleList(\n  " + "\n  ".join(line.replace("\n", "\n  ") for line in lines) + "\n)"
