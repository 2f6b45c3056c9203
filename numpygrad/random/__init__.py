"""Random number generation: one default generator, seeding, and samplers.

All randomness in numpygrad (samplers, ``nn.init``, ``Dropout``, ``DataLoader``
shuffling) flows from :class:`Generator` objects wrapping a NumPy PCG64
``np.random.Generator``. The module keeps one default generator, seeded from OS
entropy at import; ``manual_seed``, ``seed``, ``initial_seed``, ``get_state`` and
``set_state`` act on it (they are its bound methods, documented on
:class:`Generator`). Every sampler accepts ``generator=`` to draw from an
independent stream instead. The legacy global ``np.random`` state is never used.

Seeds are validated strictly (unlike PyTorch, which wraps negatives and
truncates floats): a seed must be an ``int`` in ``[0, 2**64)``.
"""

from numpygrad.random._generator import (
    _SEED_LIMIT,
    Generator,
    _check_seed,
    _entropy_seed,
    _np_generator,
    default_generator,
    get_state,
    initial_seed,
    manual_seed,
    seed,
    set_state,
)
from numpygrad.random._samplers import (
    _as_shape,
    _float_dtype,
    _int_dtype,
    _out_shape,
    _param,
    _varargs_shape,
    _wrap,
    bernoulli,
    choice,
    normal,
    permutation,
    rand,
    randint,
    randn,
    randperm,
    uniform,
)

__all__ = ["Generator", "default_generator", "manual_seed", "seed", "initial_seed",
           "get_state", "set_state", "rand", "randn", "randint", "normal", "uniform",
           "permutation", "randperm", "bernoulli", "choice"]
