"""The global random generator behind ``randn``, ``rand``, initialisers and data shuffling.

``minigrad.manual_seed(s)`` replaces it with a fresh ``numpy.random.Generator(PCG64(s))``,
so a seeded run is reproducible bit for bit (the numbers differ from PyTorch's generator).
"""
import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    global _generator
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"manual_seed expected an int, got {type(seed).__name__}")
    _generator = np.random.default_rng(int(seed))
    return _generator


def default_generator() -> np.random.Generator:
    return _generator
