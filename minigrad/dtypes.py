"""The dtype names course code writes (``minigrad.long``, ``minigrad.float``, ``minigrad.bool``...).

Each is the NumPy scalar type, so ``x.dtype == minigrad.float32`` holds for a float32 tensor
(NumPy compares a dtype equal to its scalar type) and ``np.zeros(3, dtype=minigrad.long)``
works too. The aliases are PyTorch's: ``float`` is float32, ``double`` float64, ``half``
float16, ``int`` int32, ``long`` int64, ``short`` int16.
"""
import numpy as np

float16 = half = np.float16
float32 = float = np.float32
float64 = double = np.float64
complex64 = cfloat = np.complex64
complex128 = cdouble = np.complex128
uint8 = np.uint8
int8 = np.int8
int16 = short = np.int16
int32 = int = np.int32
int64 = long = np.int64
bool = np.bool_

# PyTorch's legacy tensor-type names (``x.type()`` says 'minigrad.FloatTensor'; its error
# messages say "not implemented for 'Long'")
LEGACY_NAMES = {"float16": "Half", "float32": "Float", "float64": "Double", "uint8": "Byte",
                "int8": "Char", "int16": "Short", "int32": "Int", "int64": "Long", "bool": "Bool",
                "complex64": "ComplexFloat", "complex128": "ComplexDouble"}


def legacy_name(dtype) -> str:
    name = np.dtype(dtype).name
    return LEGACY_NAMES.get(name, name)


def from_type_name(name: str) -> np.dtype:
    """The dtype of a tensor-type name: 'minigrad.FloatTensor' or 'torch.LongTensor' -> float32, int64."""
    short = name.rpartition(".")[2].removesuffix("Tensor")
    for dtype, legacy in LEGACY_NAMES.items():
        if legacy == short:
            return np.dtype(dtype)
    raise ValueError(f"invalid type: '{name}': write a dtype (x.type(minigrad.float32)) or a name "
                     "such as 'minigrad.FloatTensor', 'minigrad.LongTensor'")
