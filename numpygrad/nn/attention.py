"""Multi-head attention (PyTorch's ``nn.MultiheadAttention``), built from numpygrad ops.

Every step (projections, scaled dot products, softmax, dropout, output
projection) is an ordinary differentiable op, so gradients of any order flow
to the inputs and to every parameter. Parameter names and shapes match
PyTorch's (``in_proj_weight`` (3E, E), ``in_proj_bias`` (3E,), ``out_proj``), so
a torch ``state_dict`` converted to arrays loads directly.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from numpygrad._array import Array, _wrap
from numpygrad._dtype import get_default_dtype
from numpygrad.nn import init
from numpygrad.nn.dropout import dropout
from numpygrad.nn.linear import Linear, linear
from numpygrad.nn.module import Module, Parameter
from numpygrad.ops.activation import softmax
from numpygrad.ops.shape import reshape, swapaxes

__all__ = ["MultiheadAttention"]


def _float_mask(mask: Any, dtype: np.dtype, name: str) -> Array | None:
    """A boolean mask (True = blocked) becomes 0/-inf; a float mask is added as it is."""
    if mask is None:
        return None
    m = mask if isinstance(mask, Array) else Array(np.asarray(mask))
    if m.dtype == np.bool_:
        return _wrap(np.where(m.data, -np.inf, 0.0).astype(dtype))
    if m.dtype.kind != "f":
        raise TypeError(f"only bool and floating types of {name} are supported, got {m.dtype}")
    return m


class MultiheadAttention(Module):
    """Multi-head scaled dot-product attention (Vaswani et al. 2017), as in PyTorch.

    Parameters
    ----------
    embed_dim : int
        Model width E; split into ``num_heads`` heads of ``E // num_heads``.
    num_heads : int
        Number of parallel heads (must divide ``embed_dim``).
    dropout : float
        Dropout on the attention weights in training mode.
    bias : bool
        Learn biases for the input and output projections.
    kdim, vdim : int, optional
        Feature sizes of key and value (``embed_dim`` by default). When they
        differ from ``embed_dim`` the projections are ``q_proj_weight``,
        ``k_proj_weight`` and ``v_proj_weight`` instead of ``in_proj_weight``.
    batch_first : bool
        Inputs are ``(N, L, E)`` instead of ``(L, N, E)``.
    dtype, generator
        Parameter dtype and initialisation randomness.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.nn.attention import MultiheadAttention
    >>> mha = MultiheadAttention(8, 2, batch_first=True)
    >>> x = npg.ones((3, 5, 8))
    >>> out, weights = mha(x, x, x)
    >>> out.shape, weights.shape
    ((3, 5, 8), (3, 5, 5))
    >>> [name for name, _ in mha.named_parameters()]
    ['in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias']
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 kdim: int | None = None, vdim: int | None = None, batch_first: bool = False,
                 dtype: Any = None, generator: Any = None) -> None:
        super().__init__()
        for d in (embed_dim, kdim, vdim):
            if d is not None and d < 0:
                raise ValueError(f"Trying to create tensor with negative dimension {d}: "
                                 f"[{embed_dim}, {d}]")
        if num_heads <= 0 or embed_dim % num_heads:
            raise ValueError(f"embed_dim must be divisible by num_heads, got embed_dim="
                             f"{embed_dim} and num_heads={num_heads}")
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {dropout}")
        self.embed_dim, self.num_heads, self.dropout = embed_dim, num_heads, dropout
        self.kdim = embed_dim if kdim is None else kdim
        self.vdim = embed_dim if vdim is None else vdim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.head_dim = embed_dim // num_heads
        self.batch_first = batch_first
        self.generator = generator
        dt = np.dtype(dtype) if dtype is not None else get_default_dtype()
        e = embed_dim
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(np.empty((3 * e, e), dtype=dt))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = Parameter(np.empty((e, e), dtype=dt))
            self.k_proj_weight = Parameter(np.empty((e, self.kdim), dtype=dt))
            self.v_proj_weight = Parameter(np.empty((e, self.vdim), dtype=dt))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(np.empty(3 * e, dtype=dt))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(e, e, bias=bias, dtype=dt, generator=generator)
        self._reset_parameters(generator)

    def _reset_parameters(self, generator: Any = None) -> None:
        # PyTorch's scheme: Xavier-uniform projections, zero biases; out_proj.weight keeps
        # Linear's default initialisation.
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight, generator=generator)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w, generator=generator)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)

    def _project(self, query: Array, key: Array, value: Array,
                 self_attention: bool) -> tuple[Array, Array, Array]:
        e, b = self.embed_dim, self.in_proj_bias
        bq, bk, bv = (None, None, None) if b is None else (b[:e], b[e:2 * e], b[2 * e:])
        if not self._qkv_same_embed_dim:
            return (linear(query, self.q_proj_weight, bq), linear(key, self.k_proj_weight, bk),
                    linear(value, self.v_proj_weight, bv))
        w = self.in_proj_weight
        if self_attention:  # one product for all three projections
            qkv = linear(query, w, b)
            return qkv[..., :e], qkv[..., e:2 * e], qkv[..., 2 * e:]
        return (linear(query, w[:e], bq), linear(key, w[e:2 * e], bk),
                linear(value, w[2 * e:], bv))

    def _mask(self, attn_mask: Any, key_padding_mask: Any, n: int, tgt: int, src: int,
              dtype: np.dtype) -> Array | None:
        """Combine both masks into one additive array broadcasting to (N, H, L, S)."""
        h = self.num_heads
        am = _float_mask(attn_mask, dtype, "attn_mask")
        if am is not None:
            if am.ndim == 2:
                if am.shape != (tgt, src):
                    raise ValueError(f"The shape of the 2D attn_mask is {am.shape}, but should "
                                     f"be {(tgt, src)}.")
                am = reshape(am, (1, 1, tgt, src))
            elif am.ndim == 3:
                if am.shape != (n * h, tgt, src):
                    raise ValueError(f"The shape of the 3D attn_mask is {am.shape}, but should "
                                     f"be {(n * h, tgt, src)}.")
                am = reshape(am, (n, h, tgt, src))
            else:
                raise ValueError(f"attn_mask's dimension {am.ndim} is not supported")
        kp = _float_mask(key_padding_mask, dtype, "key_padding_mask")
        if kp is not None:
            if kp.shape != (n, src):
                raise ValueError(f"expected key_padding_mask of shape {(n, src)}, got "
                                 f"{kp.shape}")
            kp = reshape(kp, (n, 1, 1, src))
            am = kp if am is None else am + kp
        return am

    def forward(self, query: Array, key: Array, value: Array, key_padding_mask: Any = None,
                need_weights: bool = True, attn_mask: Any = None,
                average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Array, Array | None]:
        """Attend from ``query`` to ``key``/``value``; return ``(output, weights)``.

        Shapes (``batch_first=False``): query ``(L, N, E)``, key ``(S, N, kdim)``,
        value ``(S, N, vdim)``; without the batch axis for a single sequence.
        ``key_padding_mask`` ``(N, S)`` and ``attn_mask`` ``(L, S)`` or ``(N*H, L, S)``
        are boolean (True = not allowed to attend) or float (added to the scores).
        ``is_causal`` without ``attn_mask`` applies a causal mask. The weights are
        ``(N, L, S)`` (averaged over heads) or ``(N, H, L, S)``, or None when
        ``need_weights`` is False.

        Parameters
        ----------
        query, key, value : Array
            The sequences, shaped as above (``(N, L, E)`` etc. with ``batch_first``).
        key_padding_mask : Array, optional
            ``(N, S)``: key positions to ignore.
        need_weights : bool, default True
            Also return the attention weights.
        attn_mask : Array, optional
            ``(L, S)`` or ``(N*H, L, S)``: blocked (bool) or added (float) scores.
        average_attn_weights : bool, default True
            Average the returned weights over the heads.
        is_causal : bool, default False
            Without ``attn_mask``, let position ``i`` attend only to positions ``<= i``.

        Returns
        -------
        output : Array
            Same layout as ``query``, with ``embed_dim`` features.
        weights : Array or None
            The attention weights (see above).

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> mha = nn.MultiheadAttention(8, 2)
        >>> q, kv = npg.ones((5, 3, 8)), npg.ones((7, 3, 8))  # (L, N, E), (S, N, E)
        >>> out, w = mha(q, kv, kv)
        >>> out.shape, w.shape
        ((5, 3, 8), (3, 5, 7))
        >>> _, w = mha(q, q, q, is_causal=True)
        >>> w[0, :3, :3].round(3)  # identical keys: uniform over the allowed positions
        Array([[1.   , 0.   , 0.   ],
               [0.5  , 0.5  , 0.   ],
               [0.333, 0.333, 0.333]])
        """
        self_attention = query is key and key is value
        q, k, v = (t if isinstance(t, Array) else Array(t) for t in (query, key, value))
        if q.ndim not in (2, 3) or k.ndim != q.ndim or v.ndim != q.ndim:
            raise ValueError(f"query, key and value must all be 2-D (unbatched) or 3-D, got "
                             f"shapes {q.shape}, {k.shape}, {v.shape}")
        if q.shape[-1] != self.embed_dim:
            raise ValueError(f"was expecting embedding dimension of {self.embed_dim}, but got "
                             f"{q.shape[-1]}")
        batched = q.ndim == 3
        if not batched:  # a single sequence: add a batch axis of 1
            q, k, v = (reshape(t, (1,) + t.shape) for t in (q, k, v))
            if key_padding_mask is not None:
                kpm = key_padding_mask
                key_padding_mask = reshape(kpm if isinstance(kpm, Array) else Array(kpm),
                                           (1, -1))
        elif not self.batch_first:
            q, k, v = (swapaxes(t, 0, 1) for t in (q, k, v))
        if k.shape[:2] != v.shape[:2]:
            raise ValueError(f"key shape {k.shape} does not match value shape {v.shape}")
        n, tgt, src = q.shape[0], q.shape[1], k.shape[1]
        h, hd = self.num_heads, self.head_dim
        if is_causal and attn_mask is None:
            attn_mask = np.triu(np.ones((tgt, src), dtype=bool), 1)
        qp, kp, vp = self._project(q, k, v, self_attention)
        qh = swapaxes(reshape(qp, (n, tgt, h, hd)), 1, 2)  # (N, H, L, hd)
        kh = swapaxes(reshape(kp, (n, src, h, hd)), 1, 2)
        vh = swapaxes(reshape(vp, (n, src, h, hd)), 1, 2)
        scores = (qh * (1.0 / math.sqrt(hd))) @ swapaxes(kh, -1, -2)  # (N, H, L, S)
        mask = self._mask(attn_mask, key_padding_mask, n, tgt, src, scores.dtype)
        if mask is not None:
            scores = scores + mask
        weights = softmax(scores, axis=-1)
        if self.training and self.dropout > 0:
            weights = dropout(weights, self.dropout, generator=self.generator)
        out = reshape(swapaxes(weights @ vh, 1, 2), (n, tgt, self.embed_dim))
        out = self.out_proj(out)
        if not batched:
            out = reshape(out, out.shape[1:])
        elif not self.batch_first:
            out = swapaxes(out, 0, 1)
        if not need_weights:
            return out, None
        if average_attn_weights:
            weights = weights.mean(axis=1)
        if not batched:
            weights = reshape(weights, weights.shape[1:])
        return out, weights

    def extra_repr(self) -> str:
        """Return the layer's settings as shown by ``repr``.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> nn.MultiheadAttention(8, 2, batch_first=True).extra_repr()
        'embed_dim=8, num_heads=2, dropout=0.0, batch_first=True'
        """
        return (f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, "
                f"dropout={self.dropout}, batch_first={self.batch_first}")
