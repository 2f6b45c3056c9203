"""nn._scratch: the free list the convolution's temporaries go through."""

import threading

import numpy as np

from numpygrad.nn._scratch import ScratchPool


def test_take_gives_a_fresh_array_when_nothing_is_free():
    pool = ScratchPool(min_bytes=0)
    a = pool.take((3, 4), np.float32)
    b = pool.take((3, 4), np.float32)
    assert a.shape == (3, 4) and a.dtype == np.float32 and a.flags.c_contiguous
    assert not np.shares_memory(a, b)


def test_given_back_array_is_handed_on_by_shape_and_dtype():
    pool = ScratchPool(min_bytes=0)
    a = pool.take((3, 4), np.float32)
    pool.give(a)
    assert pool.take((4, 3), np.float32) is not a
    assert pool.take((3, 4), np.float64) is not a
    assert pool.take([3, 4], "float32") is a  # a list shape and a dtype name match too
    assert pool.take((3, 4), np.float32) is not a  # handed on once only


def test_several_free_arrays_of_one_shape():
    # A conv layer's columns and its input gradient's columns can have one shape.
    pool = ScratchPool(min_bytes=0)
    a, b = pool.take((5,), np.float32), pool.take((5,), np.float32)
    pool.give(a)
    pool.give(b)
    got = {id(pool.take((5,), np.float32)), id(pool.take((5,), np.float32))}
    assert got == {id(a), id(b)}


def test_keeps_at_most_max_entries_dropping_the_oldest():
    pool = ScratchPool(max_entries=2, min_bytes=0)
    arrays = [pool.take((k + 1,), np.float32) for k in range(3)]
    for a in arrays:
        pool.give(a)
    assert pool.take((1,), np.float32) is not arrays[0]
    assert pool.take((2,), np.float32) is arrays[1]
    assert pool.take((3,), np.float32) is arrays[2]


def test_small_and_non_contiguous_arrays_are_not_kept():
    pool = ScratchPool(min_bytes=1024)
    small = pool.take((8,), np.float32)  # 32 bytes
    pool.give(small)
    assert pool.take((8,), np.float32) is not small
    big = np.empty((64, 64), np.float32)
    pool.give(big[:, ::2])  # a strided view: not a buffer one can hand out
    assert pool.take((64, 32), np.float32).flags.c_contiguous


def test_clear_drops_free_arrays():
    pool = ScratchPool(min_bytes=0)
    a = pool.take((2,), np.float32)
    pool.give(a)
    pool.clear()
    assert pool.take((2,), np.float32) is not a


def test_threads_never_share_a_buffer():
    pool = ScratchPool(min_bytes=0)
    for _ in range(8):
        pool.give(np.empty(16, np.float32))
    clashes = []

    def work(mark: float) -> None:
        for _ in range(300):
            a = pool.take((16,), np.float32)
            a.fill(mark)
            if not (a == mark).all():
                clashes.append(mark)
            pool.give(a)

    threads = [threading.Thread(target=work, args=(float(k),)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert clashes == []


def test_docstring_examples_run():
    # A private module: the Sphinx doctest build does not see it, so run its examples here.
    import doctest

    import numpygrad.nn._scratch as scratch

    result = doctest.testmod(scratch)
    assert result.attempted > 0 and result.failed == 0
