"""The :class:`Generator` type, the default generator and the seeding functions.

Re-exported by :mod:`numpygrad.random`, whose docstring describes the design.
"""

from __future__ import annotations

import copy
import os
from typing import Any

import numpy as np

_SEED_LIMIT = 2**64


def _check_seed(seed: Any) -> int:
    # bool is an int subclass; True as a seed is almost certainly a bug.
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int, got {type(seed).__name__} {seed!r}")
    seed = int(seed)
    if not 0 <= seed < _SEED_LIMIT:
        raise ValueError(f"seed must be in [0, 2**64), got {seed}")
    return seed


def _entropy_seed() -> int:
    return int.from_bytes(os.urandom(8), "little")


class Generator:
    """A random stream: a NumPy PCG64 generator plus the seed that started it.

    Parameters
    ----------
    seed : int, optional
        Seed in ``[0, 2**64)``. ``None`` seeds from OS entropy.

    Examples
    --------
    >>> import numpygrad as npg
    >>> a = npg.random.randn(3, generator=npg.random.Generator(42))
    >>> a.tolist() == npg.random.randn(3, generator=npg.random.Generator(42)).tolist()
    True
    """

    def __init__(self, seed: int | None = None) -> None:
        seed = _entropy_seed() if seed is None else _check_seed(seed)
        self._initial_seed = seed
        self._np = np.random.Generator(np.random.PCG64(seed))

    def manual_seed(self, seed: int) -> Generator:
        """Reseed this generator in place and return it.

        ``numpygrad.random.manual_seed(seed)`` does this for the default generator
        (likewise ``seed``, ``initial_seed``, ``get_state`` and ``set_state``). The
        wrapped ``np.random.Generator`` object stays the same, so code holding it
        (for example a layer that fetched it once) follows the new seed.

        Examples
        --------
        >>> import numpygrad as npg
        >>> npg.random.Generator().manual_seed(7).initial_seed()
        7
        >>> a = npg.random.randn(2, generator=npg.random.manual_seed(0))
        >>> npg.random.manual_seed(0) is npg.random.default_generator
        True
        >>> npg.random.randn(2).tolist() == a.tolist()
        True
        """
        seed = _check_seed(seed)
        self._np.bit_generator.state = np.random.PCG64(seed).state
        self._initial_seed = seed
        return self

    def seed(self) -> int:
        """Reseed from OS entropy and return the new seed.

        Examples
        --------
        >>> import numpygrad as npg
        >>> g = npg.random.Generator(0)
        >>> g.seed() == g.initial_seed()
        True
        """
        s = _entropy_seed()
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        """The seed this generator was last seeded with.

        Examples
        --------
        >>> import numpygrad as npg
        >>> npg.random.Generator(3).initial_seed()
        3
        """
        return self._initial_seed

    def get_state(self) -> dict:
        """A copy of the full state (plain Python ints and strings).

        Restoring it with :meth:`set_state` reproduces the stream exactly. The
        dict can be stored with ``numpygrad.save``.

        Examples
        --------
        >>> import numpygrad as npg
        >>> g = npg.random.Generator(1)
        >>> state, a = g.get_state(), npg.random.rand(2, generator=g)
        >>> g.set_state(state)
        >>> npg.random.rand(2, generator=g).tolist() == a.tolist()
        True
        """
        return {"initial_seed": self._initial_seed,
                "bit_generator": copy.deepcopy(self._np.bit_generator.state)}

    def set_state(self, state: dict) -> None:
        """Restore a state returned by :meth:`get_state`.

        Examples
        --------
        >>> import numpygrad as npg
        >>> g = npg.random.Generator(1)
        >>> g.set_state(npg.random.Generator(2).get_state())
        >>> g.initial_seed()
        2
        """
        if not isinstance(state, dict) or set(state) != {"initial_seed", "bit_generator"}:
            raise TypeError("state must be a dict returned by Generator.get_state(), "
                            f"got {type(state).__name__}"
                            + (f" with keys {sorted(state)}" if isinstance(state, dict) else ""))
        bg = state["bit_generator"]
        if not isinstance(bg, dict) or bg.get("bit_generator") != "PCG64":
            raise ValueError("state['bit_generator'] must be a PCG64 state dict")
        seed = _check_seed(state["initial_seed"])
        # Validate on a scratch bit generator first so a bad state leaves self intact.
        scratch = np.random.PCG64()
        try:
            scratch.state = bg
        except (TypeError, ValueError, KeyError) as exc:
            raise ValueError(f"invalid PCG64 state: {exc}") from exc
        self._np.bit_generator.state = scratch.state
        self._initial_seed = seed

    def __repr__(self) -> str:
        return f"Generator(initial_seed={self._initial_seed})"


default_generator = Generator()


def _np_generator(generator: Generator | np.random.Generator | None = None
                  ) -> np.random.Generator:
    """The NumPy generator behind ``generator`` (or behind the default one)."""
    if generator is None:
        return default_generator._np
    if isinstance(generator, Generator):
        return generator._np
    if isinstance(generator, np.random.Generator):
        return generator
    raise TypeError("generator must be a numpygrad.random.Generator or None, "
                    f"got {type(generator).__name__}")


# The module-level functions act on the default generator. They are its bound methods
# (documented on Generator); the default generator is reseeded in place, never replaced.
manual_seed = default_generator.manual_seed
seed = default_generator.seed
initial_seed = default_generator.initial_seed
get_state = default_generator.get_state
set_state = default_generator.set_state
