"""Datasets and batching: ``Dataset``, ``TensorDataset``, ``DataLoader`` and friends.

Examples
--------
>>> import numpy as np
>>> import numpygrad as npg
>>> ds = npg.data.TensorDataset(np.arange(6, dtype=np.float32), np.arange(6))
>>> [yb.tolist() for _, yb in npg.data.DataLoader(ds, batch_size=4)]
[[0, 1, 2, 3], [4, 5]]
"""

from numpygrad.data import datasets
from numpygrad.data.dataloader import DataLoader, default_collate
from numpygrad.data.dataset import ConcatDataset, Dataset, Subset, TensorDataset, random_split

__all__ = ["datasets", "Dataset", "TensorDataset", "Subset", "ConcatDataset", "random_split",
           "default_collate", "DataLoader"]
