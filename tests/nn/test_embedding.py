"""nn.embedding: lookups, accumulated and padding gradients, errors (§3 item 34), one_hot."""

import numpy as np
import pytest

import numpygrad as npg
from numpygrad.nn.embedding import Embedding, embedding, one_hot
from numpygrad.random import Generator
from tests.helpers import check_op, torch_or_skip

RNG = np.random.default_rng(0)
IDX = np.array([[1, 3, 1], [0, 4, 1]])


def test_gradcheck_and_gradgradcheck():
    w = RNG.standard_normal((5, 3))
    check_op(lambda w: embedding(IDX, w), w)
    # Second order through a nonlinearity: gradients flow through gather and scatter again.
    check_op(lambda w: embedding(IDX, w).pow(2), w)


def test_padding_gradients_first_and_second_order():
    # padding_idx deliberately breaks the true derivative (PyTorch's convention), so instead
    # of gradcheck: the padding row's gradient is zero and the others are unchanged.
    w = npg.array(RNG.standard_normal((5, 3)), requires_grad=True)
    (g,) = npg.grad(embedding(IDX, w, padding_idx=1).pow(2).sum(), [w], create_graph=True)
    (g_ref,) = npg.grad(embedding(IDX, w).pow(2).sum(), [w])
    expected = g_ref.data.copy()
    expected[1] = 0
    np.testing.assert_allclose(g.data, expected)
    (gg,) = npg.grad(g.sum(), [w])
    counts = np.bincount(IDX[IDX != 1], minlength=5)  # padding positions pass nothing
    np.testing.assert_allclose(gg.data, 2 * counts[:, None] * np.ones((5, 3)))


def test_repeated_indices_accumulate():
    w = npg.array(np.zeros((4, 2)), requires_grad=True)
    embedding(npg.array([2, 2, 2, 0]), w).sum().backward()
    np.testing.assert_array_equal(w.grad.data, [[1, 1], [0, 0], [3, 3], [0, 0]])


def test_padding_row_gets_no_gradient():
    emb = Embedding(5, 3, padding_idx=1)
    np.testing.assert_array_equal(emb.weight.data[1], 0)
    emb.weight.data[1] = 7.0  # the row is still looked up, only its gradient is dropped
    out = emb(npg.array(IDX))
    np.testing.assert_array_equal(out.data[0, 0], 7.0)
    out.sum().backward()
    np.testing.assert_array_equal(emb.weight.grad.data[1], 0)
    np.testing.assert_array_equal(emb.weight.grad.data[0], 1)
    assert Embedding(5, 2, padding_idx=-1).padding_idx == 4


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("padding_idx", [None, 1])
def test_matches_torch(dtype, padding_idx):
    t = torch_or_skip()
    tdt = t.float32 if dtype == np.float32 else t.float64
    temb = t.nn.Embedding(5, 3, padding_idx=padding_idx, dtype=tdt)
    emb = Embedding(5, 3, padding_idx=padding_idx, dtype=dtype)
    emb.load_state_dict({k: v.numpy() for k, v in temb.state_dict().items()})
    out, tout = emb(npg.array(IDX)), temb(t.tensor(IDX))
    np.testing.assert_array_equal(out.data, tout.detach().numpy())
    up = RNG.standard_normal(out.shape).astype(dtype)
    out.backward(up)
    tout.backward(t.tensor(up))
    np.testing.assert_allclose(emb.weight.grad.data, temb.weight.grad.numpy(), rtol=1e-6)
    assert emb.weight.grad.dtype == dtype


def test_init_is_standard_normal_and_reproducible():
    emb = Embedding(200, 50, generator=Generator(0))
    w = emb.weight.data
    assert w.dtype == np.float32 and abs(w.mean()) < 0.02 and abs(w.std() - 1) < 0.02
    np.testing.assert_array_equal(w, Embedding(200, 50, generator=Generator(0)).weight.data)


def test_index_errors():
    emb = Embedding(5, 3)
    with pytest.raises(IndexError, match="index out of range in self: index 5 .* size 5"):
        emb(npg.array([0, 5]))
    with pytest.raises(IndexError, match="index out of range in self: index -1"):
        emb(npg.array([-1, 2]))
    with pytest.raises(TypeError, match="Expected tensor for argument #1 'indices' to have one "
                                        "of the following scalar types: Long, Int"):
        emb(npg.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="negative dimension -1"):
        Embedding(-1, 3)
    with pytest.raises(ValueError, match="Padding_idx must be within num_embeddings"):
        Embedding(5, 3, padding_idx=5)


def test_shapes():
    emb = Embedding(10, 4)
    assert emb(npg.array(3)).shape == (4,)
    assert emb(np.zeros((2, 3, 5), dtype=np.int32)).shape == (2, 3, 5, 4)
    assert emb(np.zeros((0,), dtype=np.int64)).shape == (0, 4)


def test_from_pretrained():
    w = np.arange(6.0).reshape(3, 2)
    emb = Embedding.from_pretrained(npg.array(w))
    assert not emb.weight.requires_grad
    np.testing.assert_array_equal(emb(npg.array([2])).data, [[4.0, 5.0]])
    assert Embedding.from_pretrained(w, freeze=False).weight.requires_grad


def test_one_hot():
    out = one_hot(npg.array([[0, 2], [1, 1]]), 4)
    assert out.shape == (2, 2, 4) and out.dtype == np.int64 and not out.requires_grad
    np.testing.assert_array_equal(out.data[0], [[1, 0, 0, 0], [0, 0, 1, 0]])
    assert one_hot(npg.array([3])).shape == (1, 4)
    with pytest.raises(ValueError, match="Class values must be smaller than num_classes"):
        one_hot(npg.array([0, 3]), 2)
    with pytest.raises(ValueError, match="Class values must be non-negative"):
        one_hot(npg.array([0, -1]), 2)
    with pytest.raises(ValueError, match="Can not infer total number of classes"):
        one_hot(np.zeros(0, dtype=np.int64))
    with pytest.raises(TypeError, match="one_hot is only applicable"):
        one_hot(npg.array([0.0]))
