"""What NumPy's build record says about the BLAS it was built with (internal).

Read by the optimizers' BLAS kernels (``numpygrad/optim/_blas.py``), which bind
only a library whose calling convention they know, and by the linear layers,
whose choice of matrix-product orientation was measured on OpenBLAS.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def numpy_blas() -> dict[str, Any]:
    """NumPy's record of its BLAS (``name``, ``found``, ...); empty when there is none.

    Examples
    --------
    >>> from numpygrad._blas_info import numpy_blas
    >>> isinstance(numpy_blas(), dict)
    True
    """
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    except Exception:  # an old or unusual NumPy build: no record to trust
        return {}
    return blas if isinstance(blas, dict) else {}
