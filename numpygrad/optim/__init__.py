"""Optimizers, learning-rate schedulers and the one-call :func:`optimize`.

Examples
--------
>>> import numpygrad as npg
>>> from numpygrad.optim import SGD, Adam, lr_scheduler, optimize
>>> w = npg.zeros(3, requires_grad=True)
>>> opt = Adam([w], lr=1e-2)
>>> sched = lr_scheduler.StepLR(opt, step_size=10)
"""

from numpygrad.optim import lr_scheduler
from numpygrad.optim.adadelta import Adadelta
from numpygrad.optim.adagrad import Adagrad
from numpygrad.optim.adam import Adam, AdamW
from numpygrad.optim.lbfgs import LBFGS
from numpygrad.optim.optimize import OptimizeResult, optimize
from numpygrad.optim.optimizer import Optimizer
from numpygrad.optim.rmsprop import RMSprop
from numpygrad.optim.sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "LBFGS",
           "lr_scheduler", "optimize", "OptimizeResult"]
