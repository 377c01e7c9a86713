"""Image transforms, as ``torchvision.transforms``: each is a callable applied to one sample."""
import numpy as np

from ..tensor import DEFAULT_DTYPE, Tensor


class Compose:
    """Apply the transforms in order: ``Compose([ToTensor(), Normalize((0.1307,), (0.3081,))])``."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self):
        return "Compose(\n" + "".join(f"    {t}\n" for t in self.transforms) + ")"


class ToTensor:
    """An image (H, W) or (H, W, C) -> a float32 Tensor (C, H, W).

    uint8 pixels are divided by 255 into [0, 1], as torchvision does for PIL images and
    uint8 arrays; any other array keeps its values and dtype. A PIL image works too
    (it is read through ``numpy.asarray``).
    """

    def __call__(self, pic):
        array = np.asarray(pic)
        if array.ndim not in (2, 3):
            raise ValueError(f"pic should be 2/3 dimensional. Got {array.ndim} dimensions.")
        if array.ndim == 2:
            array = array[:, :, None]
        chw = array.transpose(2, 0, 1)
        if array.dtype == np.uint8:
            return Tensor(chw.astype(DEFAULT_DTYPE) / DEFAULT_DTYPE(255))
        return Tensor(np.ascontiguousarray(chw))

    def __repr__(self):
        return "ToTensor()"


class Normalize:
    """(x - mean[c]) / std[c] for each channel c of a (C, H, W) Tensor, as torchvision.

    For MNIST the usual numbers are the training set's pixel mean and standard
    deviation, ``Normalize((0.1307,), (0.3081,))``.
    """

    def __init__(self, mean, std, inplace=False):
        self.mean, self.std, self.inplace = mean, std, inplace

    def __call__(self, tensor):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"Input tensor should be a minigrad Tensor. Got {type(tensor)}: put "
                            "ToTensor() before Normalize in the Compose")
        x = tensor._data
        if x.dtype.kind != "f":
            raise TypeError(f"Input tensor should be a float tensor. Got {x.dtype}.")
        mean = np.asarray(self.mean, dtype=x.dtype).reshape(-1, 1, 1)
        std = np.asarray(self.std, dtype=x.dtype).reshape(-1, 1, 1)
        if np.any(std == 0):
            raise ValueError(f"std evaluated to zero after conversion to {x.dtype}, leading to "
                             "division by zero.")
        if self.inplace:
            x -= mean
            x /= std
            return tensor
        return Tensor((x - mean) / std)

    def __repr__(self):
        return f"Normalize(mean={self.mean}, std={self.std})"


class Lambda:
    """Apply a function of your own as a transform: ``Lambda(lambda x: x.flatten())``."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {type(lambd).__name__!r}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self):
        return "Lambda()"
