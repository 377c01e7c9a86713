"""Datasets and the DataLoader, shaped like ``torch.utils.data``.

A dataset is anything with ``__len__`` and ``__getitem__(i)`` returning one sample (a
tuple such as ``(image, label)``). The DataLoader picks indices (in order, or a fresh
permutation each epoch with ``shuffle=True``), fetches the samples one by one and
*collates* each batch: samples ``[(x0, y0), (x1, y1), ...]`` become ``[X, Y]`` with the
x's stacked into one Tensor along a new first axis, as ``torch.utils.data.default_collate``.

The order comes from a sampler: SequentialSampler (``shuffle=False``), RandomSampler
(``shuffle=True``), or one passed as ``sampler=`` (SubsetRandomSampler, WeightedRandomSampler,
or a plain list of indices).

Randomness: ``shuffle``, the random samplers and ``random_split`` draw from ``generator=`` (a
``minigrad.Generator``) or, without one, from the global generator, so
``minigrad.manual_seed(s)`` fixes the batch order too.

(The array-based ``minigrad.data.DataLoader(x, y, batch_size)`` that the experiments use
stays where it is; this is the PyTorch-shaped one.)
"""
import math
import numbers
from collections.abc import Mapping, Sequence

import numpy as np

from ..factories import multinomial, randint, randperm
from ..tensor_functions import stack
from ..tensor import Tensor


class Dataset:
    """Base class of map-style datasets: define ``__getitem__(index)`` and ``__len__()``."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(self, index)")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__(self)")


class TensorDataset(Dataset):
    """Samples are rows: ``TensorDataset(X, Y)[i]`` is ``(X[i], Y[i])``."""

    def __init__(self, *tensors):
        if any(len(t) != len(tensors[0]) for t in tensors):
            raise AssertionError("Size mismatch between tensors: every tensor needs the same "
                                 f"first dimension, got {[len(t) for t in tensors]}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return len(self.tensors[0])


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset, indices):
        self.dataset, self.indices = dataset, indices

    def __getitem__(self, index):
        return self.dataset[self.indices[index]]

    def __len__(self):
        return len(self.indices)


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` into non-overlapping random Subsets of the given lengths.

    ``lengths`` are counts summing to ``len(dataset)``, or fractions summing to 1: then
    each part gets floor(fraction * n) samples and the remainder goes one by one to the
    first parts, as in PyTorch ([0.33, 0.33, 0.34] of 10 gives 4, 3, 3).
    """
    n = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        counts = [int(math.floor(n * f)) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset! "
                         f"(lengths sum to {sum(lengths)}, the dataset holds {n}; pass counts that "
                         "add up to it, or fractions that add up to 1)")
    order = randperm(n, generator=generator).tolist()
    parts, start = [], 0
    for length in lengths:
        parts.append(Subset(dataset, order[start:start + length]))
        start += length
    return parts


class SequentialSampler:
    """Indices 0, 1, ..., len(data_source) - 1: what ``shuffle=False`` visits."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler:
    """A fresh random permutation of the indices on every pass (what ``shuffle=True`` visits),
    or ``num_samples`` indices drawn uniformly with ``replacement=True``."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source, self.replacement, self.generator = data_source, replacement, generator
        self._num_samples = num_samples

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n = len(self.data_source)
        if self.replacement:
            return iter(randint(n, (self.num_samples,), generator=self.generator).tolist())
        return iter(randperm(n, generator=self.generator).tolist()[:self.num_samples])

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler:
    """The given indices, in a fresh random order on every pass (e.g. a validation split)."""

    def __init__(self, indices, generator=None):
        self.indices, self.generator = indices, generator

    def __iter__(self):
        order = randperm(len(self.indices), generator=self.generator).tolist()
        return iter([self.indices[i] for i in order])

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler:
    """``num_samples`` indices drawn with probability proportional to ``weights`` (to
    balance rare classes): one :func:`minigrad.multinomial` draw per pass."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        self.weights = np.asarray(weights, dtype=np.float64)
        self.num_samples, self.replacement, self.generator = num_samples, replacement, generator

    def __iter__(self):
        drawn = multinomial(self.weights, self.num_samples, self.replacement, generator=self.generator)
        return iter(drawn.tolist())

    def __len__(self):
        return self.num_samples


def default_collate(batch):
    """Merge a list of samples into a batch, as PyTorch's default_collate.

    Tensors and arrays are stacked into one Tensor (B, ...); Python floats become a float64
    Tensor, ints an int64 one, bools a bool one; strings stay a sequence; a dict is collated
    key by key; a tuple or list of fields is collated field by field into a list.
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(batch)
    if isinstance(elem, (np.ndarray, np.generic)):
        return Tensor(np.stack(batch))
    if isinstance(elem, bool):
        return Tensor(np.array(batch, dtype=bool))
    if isinstance(elem, numbers.Integral):
        return Tensor(np.array(batch, dtype=np.int64))
    if isinstance(elem, numbers.Real):
        return Tensor(np.array(batch, dtype=np.float64))
    if isinstance(elem, str):
        return batch
    if isinstance(elem, Mapping):
        return {key: default_collate([sample[key] for sample in batch]) for key in elem}
    if isinstance(elem, Sequence):
        if any(len(sample) != len(elem) for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(list(field)) for field in zip(*batch)]
    raise TypeError("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or "
                    f"lists; found {type(elem)}: return one of these from __getitem__, or pass "
                    "collate_fn=")


class DataLoader:
    """Iterate over ``dataset`` in batches, as ``torch.utils.data.DataLoader``.

    Inputs:
    - dataset: anything with __len__ and __getitem__ (Dataset, TensorDataset, vision.datasets.MNIST)
    - batch_size: samples per batch (1 by default, as in PyTorch)
    - shuffle: a new random order every epoch (a RandomSampler drawing from ``generator``, or
      from the global generator); otherwise a SequentialSampler
    - sampler: what to visit instead: a sampler above, or any list or iterable of indices
      with a length (excludes shuffle)
    - drop_last: skip the last batch if it is smaller than batch_size
    - collate_fn: turns a list of samples into a batch (default: :func:`default_collate`)
    - num_workers, pin_memory, timeout, worker_init_fn, persistent_workers: accepted so
      PyTorch code runs, but minigrad always loads in the main process (the batches are
      the same; only the parallelism is missing, and worker_init_fn is never called)

    ``len(loader)`` is the number of batches per epoch; ``loader.dataset`` the dataset.
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0,
                 worker_init_fn=None, generator=None, *, persistent_workers=False):
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size!r}")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                             "disable multiprocessing.")
        if sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.sampler = sampler
        self.drop_last = drop_last
        self.collate_fn = default_collate if collate_fn is None else collate_fn
        self.generator = generator
        self.num_workers = num_workers

    def __iter__(self):
        indices = list(self.sampler)            # this epoch's order: one pass of the sampler
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            batch = indices[start:start + self.batch_size]
            yield self.collate_fn([self.dataset[i] for i in batch])

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)  # ceil
