"""Learning-rate schedulers with torch's names, formulas and state dicts.

Each scheduler writes ``group["lr"]`` of its optimizer. ``step()`` uses the
chainable (recursive) form of ``torch.optim.lr_scheduler``, so the sequences
match torch to the last bit; ``step(epoch)`` jumps with the closed form.

Examples
--------
>>> import numpygrad as npg
>>> from numpygrad.optim import SGD
>>> from numpygrad.optim.lr_scheduler import CosineAnnealingLR
>>> opt = SGD([npg.zeros(1, requires_grad=True)], lr=1.0)
>>> sched = CosineAnnealingLR(opt, T_max=4)
>>> for _ in range(4):
...     opt.step()
...     sched.step()
>>> round(sched.get_last_lr()[0], 12)
0.0
"""

from numpygrad.optim.lr_scheduler._base import LambdaLR, LRScheduler
from numpygrad.optim.lr_scheduler._cyclic import OneCycleLR, ReduceLROnPlateau
from numpygrad.optim.lr_scheduler._decay import (
    CosineAnnealingLR,
    ExponentialLR,
    LinearLR,
    MultiStepLR,
    StepLR,
)

__all__ = ["LRScheduler", "LambdaLR", "StepLR", "MultiStepLR", "ExponentialLR",
           "CosineAnnealingLR", "LinearLR", "OneCycleLR", "ReduceLROnPlateau"]
