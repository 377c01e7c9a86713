"""Random numbers: ``minigrad.Generator`` and the global generator behind ``randn``, ``rand``,
the initialisers, dropout and data shuffling.

A :class:`Generator` is shaped like ``torch.Generator``: ``manual_seed(s)`` (returns the
generator, so ``g = minigrad.Generator().manual_seed(0)`` reads as in PyTorch), ``seed()``,
``initial_seed()``, ``get_state()`` / ``set_state()``. Underneath it is a
``numpy.random.Generator(PCG64(seed))``, so a seeded run is reproducible bit for bit; the
numbers themselves differ from PyTorch's (which uses a Mersenne Twister and its own
transforms), so parity tests copy weights and batches instead of seeds.

Every function that draws takes ``generator=None``: None draws from the global generator,
which ``minigrad.manual_seed(s)`` seeds. Library code asks :func:`default_generator` for the
NumPy generator to draw from, passing the ``generator=`` it was given.
"""
import numpy as np

_SEED_RANGE = (-0x8000_0000_0000_0000, 0xFFFF_FFFF_FFFF_FFFF)   # torch.manual_seed's range
_STATE_BYTES = (8, 16, 16, 1, 4)   # seed, PCG64 state, PCG64 increment, has_uint32, uinteger


class Generator:
    """A source of random numbers with its own state, as ``torch.Generator``.

    ``Generator()`` starts from a fresh seed drawn from the operating system's entropy
    (``initial_seed()`` tells which); ``manual_seed(s)`` restarts it from ``s``.
    """

    def __init__(self, device="cpu"):
        if str(device) != "cpu":
            raise RuntimeError(f"minigrad runs on the CPU only, so a Generator lives there: "
                               f"drop device={device!r} (or pass device='cpu')")
        self.device = "cpu"
        self.seed()

    def manual_seed(self, seed) -> "Generator":
        """Restart from ``seed`` (an int in [-2**63, 2**64)); returns the generator."""
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"manual_seed expected an int, got {type(seed).__name__}: "
                            "pass e.g. manual_seed(0)")
        low, high = _SEED_RANGE
        if not low <= seed <= high:
            raise ValueError(f"Overflow when unpacking long long: the seed must lie in "
                             f"[{low}, {high}], got {seed}")
        self._seed = int(seed) % 2**64           # negative seeds wrap around, as in PyTorch
        self._rng = np.random.default_rng(self._seed)
        return self

    def seed(self) -> int:
        """Restart from a fresh seed taken from the operating system's entropy; returns it."""
        fresh = int(np.random.SeedSequence().generate_state(1, np.uint64)[0])
        self.manual_seed(fresh)
        return fresh

    def initial_seed(self) -> int:
        """The seed this generator was last (re)started from."""
        return self._seed

    def get_state(self) -> np.ndarray:
        """The full state as 45 bytes (a uint8 array): pass it to ``set_state`` to replay.

        PyTorch returns a uint8 Tensor; this module sits below tensor.py (whose ``normal_``
        draws from it), so it hands back the array, which ``set_state`` and ``minigrad.save``
        take as they are."""
        bits = self._rng.bit_generator.state
        fields = (self._seed, bits["state"]["state"], bits["state"]["inc"],
                  bits["has_uint32"], bits["uinteger"])
        raw = b"".join(int(v).to_bytes(n, "little") for v, n in zip(fields, _STATE_BYTES))
        return np.frombuffer(raw, dtype=np.uint8).copy()

    def set_state(self, new_state) -> "Generator":
        """Restore a state returned by ``get_state`` (array or Tensor); returns the generator."""
        state = np.asarray(new_state)
        raw = state.tobytes() if state.dtype == np.uint8 else b""
        if len(raw) != sum(_STATE_BYTES):
            raise RuntimeError(f"RNG state is wrong size: expected a uint8 tensor of "
                               f"{sum(_STATE_BYTES)} bytes from Generator.get_state()")
        fields, start = [], 0
        for n in _STATE_BYTES:
            fields.append(int.from_bytes(raw[start:start + n], "little"))
            start += n
        seed, state, inc, has_uint32, uinteger = fields
        self.manual_seed(seed)
        self._rng.bit_generator.state = {"bit_generator": "PCG64", "state": {"state": state, "inc": inc},
                                         "has_uint32": has_uint32, "uinteger": uinteger}
        return self

    def __repr__(self):
        return f"<minigrad.Generator object at {id(self):#x}>"


_default = Generator()


def default_generator(generator=None) -> np.random.Generator:
    """The NumPy generator to draw from: that of ``generator`` (a :class:`Generator`) when
    one is given, otherwise that of the global generator which ``manual_seed`` seeds."""
    if generator is None:
        return _default._rng
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a minigrad.Generator, not {type(generator).__name__}: "
                        "make one with minigrad.Generator().manual_seed(seed)")
    return generator._rng


def manual_seed(seed) -> Generator:
    """Seed the global generator (weights, randn, dropout, shuffling); returns it."""
    return _default.manual_seed(seed)


def seed() -> int:
    """Seed the global generator from the operating system's entropy; returns the seed."""
    return _default.seed()


def initial_seed() -> int:
    return _default.initial_seed()


def get_rng_state() -> np.ndarray:
    """The global generator's state (uint8), as ``torch.get_rng_state``."""
    return _default.get_state()


def set_rng_state(new_state) -> None:
    _default.set_state(new_state)
