"""Hand-written NumPy baselines: the yardstick numpygrad is measured against.

Written the way a competent engineer would write a training step in plain
NumPy when speed matters:

* every buffer (activations, gradients, optimizer state, scratch) is allocated
  once per batch size and reused with ``out=``; the update is in place;
* the eight matrix products of the MLP step go straight to BLAS (transposed
  operands are passed as views, BLAS handles the transposition);
* bias gradients are ``ones @ g`` (a BLAS gemv, several times faster than
  ``g.sum(axis=0)`` for these shapes);
* ReLU is applied in place; its backward multiplies by a reused bool mask;
* softmax cross-entropy works in place on the logits buffer.

They compute exactly what numpygrad and PyTorch compute (same float32 maths,
same optimizer formulas as ``torch.optim.SGD`` / ``torch.optim.Adam`` with
default options), so losses and gradients can be compared.

Only NumPy is imported here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

DTYPE = np.float32


# ============================================================================ optimizers
class _SGD:
    """``p -= lr * g`` in two in-place passes (overwrites the gradient buffer)."""

    def __init__(self, params: list[np.ndarray], lr: float) -> None:
        self.params, self.lr = params, lr

    def update(self, grads: list[np.ndarray]) -> None:
        neg_lr = -self.lr
        for p, g in zip(self.params, grads):
            np.multiply(g, neg_lr, out=g)
            p += g


class _Adam:
    """``torch.optim.Adam`` defaults (no weight decay, no amsgrad), in place, 11 passes."""

    def __init__(self, params: list[np.ndarray], lr: float,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        self.params, self.lr, self.eps = params, lr, eps
        self.beta1, self.beta2 = betas
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.tmp = [np.empty_like(p) for p in params]
        self.t = 0

    def update(self, grads: list[np.ndarray]) -> None:
        self.t += 1
        b1, b2, t = self.beta1, self.beta2, self.t
        neg_step = -self.lr / (1 - b1**t)
        scale = 1.0 / (((1 - b2**t) ** 0.5) * neg_step)
        eps_term = self.eps / neg_step
        c1, c2 = 1 - b1, 1 - b2
        for p, g, m, v, tmp in zip(self.params, grads, self.m, self.v, self.tmp):
            m *= b1
            np.multiply(g, c1, out=tmp)
            m += tmp
            v *= b2
            np.multiply(g, g, out=tmp)
            tmp *= c2
            v += tmp
            # p += m / (sqrt(v) / (bc2_sqrt * -step) + eps / -step)
            np.sqrt(v, out=tmp)
            tmp *= scale
            tmp += eps_term
            np.divide(m, tmp, out=tmp)
            p += tmp


def make_optimizer(name: str, params: list[np.ndarray], lr: float) -> Any:
    if name == "sgd":
        return _SGD(params, lr)
    if name == "adam":
        return _Adam(params, lr)
    raise ValueError(f"unknown optimizer {name!r} (expected 'sgd' or 'adam')")


def _softmax_xent_(z: np.ndarray, y: np.ndarray, mx: np.ndarray, s: np.ndarray,
                   rows: np.ndarray) -> float:
    """Mean cross-entropy of logits ``z`` (B, C); ``z`` becomes d loss / d z in place."""
    bs = z.shape[0]
    np.max(z, axis=1, keepdims=True, out=mx)
    z -= mx
    picked = z[rows, y]
    np.exp(z, out=z)
    np.sum(z, axis=1, keepdims=True, out=s)
    loss = float(np.log(s).sum() - picked.sum()) / bs
    s *= bs
    np.divide(z, s, out=z)          # softmax / B
    z[rows, y] -= DTYPE(1.0 / bs)   # (softmax - onehot) / B
    return loss


# ============================================================================ MLP
class MLP:
    """Linear-ReLU-...-Linear with softmax cross-entropy, trained by SGD or Adam.

    Parameters
    ----------
    params : list of ndarray
        ``[W1, b1, W2, b2, ...]`` in PyTorch's layout (W of shape (out, in));
        copied, so the caller's arrays are untouched.
    optimizer : {'sgd', 'adam'}
    lr : float

    After :meth:`forward_backward`, ``grads`` holds ``[dW1, db1, ...]`` (the
    SGD update overwrites them, so read them before :meth:`update`).
    """

    def __init__(self, params: list[np.ndarray], optimizer: str = "sgd", lr: float = 0.01) -> None:
        self.params = [np.array(p, dtype=DTYPE, copy=True) for p in params]
        self.W, self.b = self.params[0::2], self.params[1::2]
        self.grads = [np.empty_like(p) for p in self.params]
        self.gW, self.gb = self.grads[0::2], self.grads[1::2]
        self.opt = make_optimizer(optimizer, self.params, lr)
        self._bufs: dict[int, dict[str, Any]] = {}

    def buffers(self, bs: int) -> dict[str, Any]:
        """Per-batch-size buffers, allocated on first use."""
        bufs = self._bufs.get(bs)
        if bufs is None:
            bufs = self._bufs[bs] = {
                "acts": [np.empty((bs, w.shape[0]), DTYPE) for w in self.W],
                "gacts": [np.empty((bs, w.shape[1]), DTYPE) for w in self.W[1:]],
                "masks": [np.empty((bs, w.shape[0]), bool) for w in self.W[:-1]],
                "ones": np.ones(bs, DTYPE),
                "mx": np.empty((bs, 1), DTYPE),
                "s": np.empty((bs, 1), DTYPE),
                "rows": np.arange(bs),
                "u8": np.empty((bs, self.W[0].shape[1]), np.uint8),
                "x": np.empty((bs, self.W[0].shape[1]), DTYPE),
            }
        return bufs

    def forward_backward(self, x: np.ndarray, y: np.ndarray, input_grad: bool = False) -> float:
        """Loss of the batch; fills ``self.grads`` (and ``buffers(B)["gx"]`` if ``input_grad``)."""
        B = self.buffers(x.shape[0])
        acts, W, b = B["acts"], self.W, self.b
        last = len(W) - 1
        h = x
        for k in range(last + 1):
            z = acts[k]
            np.dot(h, W[k].T, out=z)
            z += b[k]
            if k < last:
                np.maximum(z, 0, out=z)
            h = z
        loss = _softmax_xent_(h, y, B["mx"], B["s"], B["rows"])
        g, ones, gacts, masks = h, B["ones"], B["gacts"], B["masks"]
        for k in range(last, -1, -1):
            a_prev = x if k == 0 else acts[k - 1]
            np.dot(g.T, a_prev, out=self.gW[k])
            np.dot(ones, g, out=self.gb[k])
            if k:
                gp = gacts[k - 1]
                np.dot(g, W[k], out=gp)
                m = masks[k - 1]
                np.greater(a_prev, 0, out=m)
                np.multiply(gp, m, out=gp)
                g = gp
        if input_grad:
            if "gx" not in B:
                B["gx"] = np.empty(x.shape, DTYPE)
            np.dot(g, W[0], out=B["gx"])
        return loss

    def update(self) -> None:
        self.opt.update(self.grads)

    def step(self, x: np.ndarray, y: np.ndarray) -> float:
        loss = self.forward_backward(x, y)
        self.opt.update(self.grads)
        return loss

    def matmuls_only(self, x: np.ndarray) -> None:
        """The step's matrix products alone (3 forward, 5 backward): the BLAS floor."""
        B = self.buffers(x.shape[0])
        acts, W = B["acts"], self.W
        last = len(W) - 1
        h = x
        for k in range(last + 1):
            np.dot(h, W[k].T, out=acts[k])
            h = acts[k]
        g = h
        for k in range(last, -1, -1):
            np.dot(g.T, x if k == 0 else acts[k - 1], out=self.gW[k])
            if k:
                np.dot(g, W[k], out=B["gacts"][k - 1])
                g = B["gacts"][k - 1]


def mnist_epoch_steps(model: MLP, images: np.ndarray, labels: np.ndarray,
                      rng: np.random.Generator, batch_size: int) -> Iterator[float]:
    """One shuffled pass over uint8 images (N, 28, 28), yielding each step's loss.

    Data loading is part of the work: a permutation per epoch, a gather of the
    uint8 rows into a reused buffer, conversion to float32 in [0, 1] (the same
    ``x / 255`` in float32 as numpygrad's and torch's loaders).
    """
    n = len(labels)
    flat = images.reshape(n, -1)
    order = rng.permutation(n)
    scale = DTYPE(255)
    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size]
        B = model.buffers(len(idx))
        u8, x = B["u8"], B["x"]
        np.take(flat, idx, axis=0, out=u8)
        np.divide(u8, scale, out=x)
        yield model.step(x, labels[idx])


def mnist_epoch(model: MLP, images: np.ndarray, labels: np.ndarray, rng: np.random.Generator,
                batch_size: int, record: int = 0) -> list[float]:
    """One shuffled pass (see :func:`mnist_epoch_steps`); returns the first ``record`` losses."""
    losses: list[float] = []
    for loss in mnist_epoch_steps(model, images, labels, rng, batch_size):
        if len(losses) < record:
            losses.append(loss)
    return losses


# ============================================================================ op chain
def chain(x: np.ndarray, a: np.ndarray, b: np.ndarray, n_ops: int) -> tuple[float, np.ndarray]:
    """``n_ops`` small ops cycling ``h*a, h+b, tanh(h), h*h``, then ``sum``; returns (loss, dx).

    Plain NumPy expressions with the values backward needs kept in a list: what
    one writes by hand for a chain of small ops.
    """
    saved = []
    h = x
    for i in range(n_ops):
        k = i & 3
        if k == 0:
            h = h * a
        elif k == 1:
            h = h + b
        elif k == 2:
            h = np.tanh(h)
            saved.append(h)
        else:
            saved.append(h)
            h = h * h
    loss = float(h.sum())
    g = np.ones_like(h)
    for i in range(n_ops - 1, -1, -1):
        k = i & 3
        if k == 0:
            g = g * a
        elif k == 2:
            t = saved.pop()
            g = g * (1 - t * t)
        elif k == 3:
            s = saved.pop()
            g = g * (s + s)
    return loss, g


# ============================================================================ LeNet
def lenet_weights(seed: int = 0) -> list[np.ndarray]:
    """PyTorch-layout LeNet parameters with PyTorch's default init (conv and linear)."""
    rng = np.random.default_rng(seed)
    shapes = [((6, 1, 5, 5), 25), ((16, 6, 5, 5), 150), ((120, 256), 256), ((84, 120), 120),
              ((10, 84), 84)]
    params = []
    for shape, fan_in in shapes:
        bound = 1.0 / np.sqrt(fan_in)
        params.append(rng.uniform(-bound, bound, size=shape).astype(DTYPE))
        params.append(rng.uniform(-bound, bound, size=shape[0]).astype(DTYPE))
    return params


def _im2col_nhwc(x: np.ndarray, k: int, out: np.ndarray) -> np.ndarray:
    """(N, H, W, C) -> (N*OH*OW, k*k*C) rows of receptive fields, copied into ``out``."""
    n, h, w, c = x.shape
    oh, ow = h - k + 1, w - k + 1
    s0, s1, s2, s3 = x.strides
    win = as_strided(x, (n, oh, ow, k, k, c), (s0, s1, s2, s1, s2, s3), writeable=False)
    np.copyto(out.reshape(n, oh, ow, k, k, c), win)
    return out


def _pool2_fwd(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2x2/2 max pooling of (N, H, W, C); first maximum in row-major window order."""
    n, h, w, c = y.shape
    win = y.reshape(n, h // 2, 2, w // 2, 2, c).transpose(0, 1, 3, 5, 2, 4).reshape(
        n, h // 2, w // 2, c, 4)
    arg = win.argmax(axis=-1)
    out = np.take_along_axis(win, arg[..., None], axis=-1)[..., 0]
    return out, arg


_ARANGE4 = np.arange(4)


def _pool2_bwd(g: np.ndarray, arg: np.ndarray) -> np.ndarray:
    n, ph, pw, c = g.shape
    spread = (arg[..., None] == _ARANGE4) * g[..., None]          # (N, PH, PW, C, 4)
    return spread.reshape(n, ph, pw, c, 2, 2).transpose(0, 1, 4, 2, 5, 3).reshape(
        n, 2 * ph, 2 * pw, c)


class LeNet:
    """conv5(1->6)-ReLU-pool2-conv5(6->16)-ReLU-pool2-fc256-120-ReLU-84-ReLU-10, NHWC, SGD.

    Parameters are taken in PyTorch's layout and kept in the layout that needs
    no transposes here: conv weights as (kh*kw*C, O) matrices, activations
    NHWC, fc1's columns permuted from (C, H, W) to (H, W, C) order.
    :meth:`torch_layout_grads` converts the gradients back for comparisons.
    """

    def __init__(self, params: list[np.ndarray], lr: float = 0.01) -> None:
        w1, b1, w2, b2, f1, fb1, f2, fb2, f3, fb3 = [np.array(p, DTYPE) for p in params]
        self.Wc = [self._conv_matrix(w1), self._conv_matrix(w2)]
        self.bc = [b1, b2]
        f1 = np.ascontiguousarray(f1.reshape(120, 16, 4, 4).transpose(0, 2, 3, 1).reshape(120, 256))
        self.fc = MLP([f1, fb1, f2, fb2, f3, fb3], optimizer="sgd", lr=lr)
        self.params = [self.Wc[0], self.bc[0], self.Wc[1], self.bc[1]]
        self.grads = [np.empty_like(p) for p in self.params]
        self.opt = _SGD(self.params, lr)
        self._bufs: dict[int, dict[str, np.ndarray]] = {}

    @staticmethod
    def _conv_matrix(w: np.ndarray) -> np.ndarray:
        o, c, kh, kw = w.shape
        return np.ascontiguousarray(w.transpose(2, 3, 1, 0).reshape(kh * kw * c, o))

    def _buffers(self, n: int) -> dict[str, np.ndarray]:
        bufs = self._bufs.get(n)
        if bufs is None:
            bufs = self._bufs[n] = {
                "cols1": np.empty((n * 24 * 24, 25), DTYPE),
                "z1": np.empty((n * 24 * 24, 6), DTYPE),
                "cols2": np.empty((n * 8 * 8, 150), DTYPE),
                "z2": np.empty((n * 8 * 8, 16), DTYPE),
                "gcols2": np.empty((n * 8 * 8, 150), DTYPE),
                "gp1": np.empty((n, 12, 12, 6), DTYPE),
                "ones1": np.ones(n * 24 * 24, DTYPE),
                "ones2": np.ones(n * 8 * 8, DTYPE),
            }
        return bufs

    def forward_backward(self, x: np.ndarray, y: np.ndarray) -> float:
        """``x``: (N, 28, 28, 1) float32 (same memory as (N, 1, 28, 28)); fills grads."""
        n = x.shape[0]
        B = self._buffers(n)
        cols1 = _im2col_nhwc(x, 5, B["cols1"])
        z1 = B["z1"]
        np.dot(cols1, self.Wc[0], out=z1)
        z1 += self.bc[0]
        np.maximum(z1, 0, out=z1)
        p1, arg1 = _pool2_fwd(z1.reshape(n, 24, 24, 6))
        cols2 = _im2col_nhwc(p1, 5, B["cols2"])
        z2 = B["z2"]
        np.dot(cols2, self.Wc[1], out=z2)
        z2 += self.bc[1]
        np.maximum(z2, 0, out=z2)
        p2, arg2 = _pool2_fwd(z2.reshape(n, 8, 8, 16))
        flat = p2.reshape(n, 256)
        loss = self.fc.forward_backward(flat, y, input_grad=True)
        gflat = self.fc.buffers(n)["gx"]
        gz2 = _pool2_bwd(gflat.reshape(n, 4, 4, 16), arg2).reshape(n * 64, 16)
        gz2 *= z2 > 0
        np.dot(cols2.T, gz2, out=self.grads[2])
        np.dot(B["ones2"], gz2, out=self.grads[3])
        gcols2 = B["gcols2"]
        np.dot(gz2, self.Wc[1].T, out=gcols2)
        blocks = gcols2.reshape(n, 8, 8, 5, 5, 6)
        gp1 = B["gp1"]
        gp1.fill(0)
        for i in range(5):
            for j in range(5):
                gp1[:, i:i + 8, j:j + 8, :] += blocks[:, :, :, i, j, :]
        gz1 = _pool2_bwd(gp1, arg1).reshape(n * 576, 6)
        gz1 *= z1 > 0
        np.dot(cols1.T, gz1, out=self.grads[0])
        np.dot(B["ones1"], gz1, out=self.grads[1])
        return loss

    def step(self, x: np.ndarray, y: np.ndarray) -> float:
        loss = self.forward_backward(x, y)
        self.opt.update(self.grads)
        self.fc.update()
        return loss

    def torch_layout_grads(self) -> list[np.ndarray]:
        """Gradients in PyTorch's parameter layout and order (read before ``step``'s update)."""
        gw1 = self.grads[0].reshape(5, 5, 1, 6).transpose(3, 2, 0, 1)
        gw2 = self.grads[2].reshape(5, 5, 6, 16).transpose(3, 2, 0, 1)
        gf1 = self.fc.grads[0].reshape(120, 4, 4, 16).transpose(0, 3, 1, 2).reshape(120, 256)
        return [gw1, self.grads[1], gw2, self.grads[3], gf1, *self.fc.grads[1:]]
