"""Ready-made datasets read from local files (optionally downloaded).

Examples
--------
>>> from numpygrad.data.datasets import MNIST, FashionMNIST
>>> MNIST.filenames(train=False)
('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte')
"""

from numpygrad.data.datasets.mnist import MNIST, FashionMNIST

__all__ = ["MNIST", "FashionMNIST"]
