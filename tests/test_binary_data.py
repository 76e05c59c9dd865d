"""Binary addition data: every pair once, sums right, both formulations, any width."""

import numpy as np
import pytest

from common import binary, binary_fit, models


def decode_tutorial(x, y, bits):
    a = binary.from_bits(x[:, :bits, 0])
    b = binary.from_bits(x[:, bits:, 0])
    return a, b, binary.from_bits(y)


def decode_serial(x, y):
    bits = x.shape[1] - 1
    assert (x[:, bits, :] == 0).all(), "the final carry step reads (0, 0)"
    a = binary.from_bits(x[:, :bits, 0], lsb_first=True)
    b = binary.from_bits(x[:, :bits, 1], lsb_first=True)
    return a, b, binary.from_bits(y[..., 0], lsb_first=True)


@pytest.mark.parametrize("bits", [1, 2, 3, 5])
def test_every_pair_once_with_its_sum_in_both_formulations(bits):
    a, b = binary.all_operand_pairs(bits)
    for formulation in binary.FORMULATIONS:
        x, y = binary.formulation_arrays(formulation, a, b, bits)
        da, db, total = decode_tutorial(x, y, bits) if formulation == "tutorial" else decode_serial(x, y)
        pairs = set(zip(da.tolist(), db.tolist()))
        assert len(pairs) == len(da) == 4**bits
        assert pairs == {(i, j) for i in range(2**bits) for j in range(2**bits)}
        assert (total == da + db).all()


def test_the_tutorials_first_printed_example():
    x, y = binary.tutorial_arrays(np.array([157]), np.array([113]), 8)
    assert x[0, :, 0].astype(int).tolist() == [1, 0, 0, 1, 1, 1, 0, 1, 0, 1, 1, 1, 0, 0, 0, 1]
    assert y[0].astype(int).tolist() == [1, 0, 0, 0, 0, 1, 1, 1, 0]
    assert binary.sums_from_outputs("tutorial", y).tolist() == [[1, 0, 0, 0, 0, 1, 1, 1, 0]]
    _, ys = binary.serial_arrays(np.array([157]), np.array([113]), 8)
    assert binary.sums_from_outputs("serial", ys).tolist() == [[1, 0, 0, 0, 0, 1, 1, 1, 0]]


def test_pair_indices_follow_all_operand_pairs_order():
    a, b = binary.all_operand_pairs(3)
    ia, ib = binary.pairs_from_indices(np.arange(64), 3)
    assert (ia == a).all() and (ib == b).all()


def test_wide_random_pairs_add_like_python_integers():
    rng = np.random.default_rng(0)
    a_bits, b_bits = binary.random_bit_pairs(200, 100, rng)
    total = binary.add_bits(a_bits, b_bits)
    weights = [1 << i for i in range(101)]
    for ra, rb, rt in zip(a_bits, b_bits, total):
        value = lambda row: sum(w for w, bit in zip(weights, row) if bit)  # noqa: E731
        assert value(rt) == value(ra) + value(rb)


def test_long_carry_chain():
    ones = np.ones((1, 64), dtype=np.int8)
    one = np.zeros((1, 64), dtype=np.int8)
    one[0, 0] = 1
    assert binary.add_bits(ones, one).tolist() == [[0] * 64 + [1]]


@pytest.mark.parametrize("formulation", binary.FORMULATIONS)
def test_sampled_stream_is_right_reproducible_and_wide(formulation):
    def first(seed):
        return binary_fit.SampledPairs(formulation, 12, 256, batches=3, seed=seed)[0]

    x, y = first(7)
    assert x.shape[0] == 256
    a, b, total = decode_tutorial(x, y, 12) if formulation == "tutorial" else decode_serial(x, y)
    assert (total == a + b).all()
    assert a.max() >= 2**11 and b.max() >= 2**11, "operands use all 12 bits"
    again = first(7)
    assert (again[0] == x).all() and (again[1] == y).all()
    assert not (first(8)[0] == x).all()


def test_sampled_stream_draws_new_pairs_each_batch_and_epoch_and_joins_serial_problems():
    stream = binary_fit.SampledPairs("serial", 6, 4, batches=2, seed=1, per_sequence=3)
    x, y = stream[0]
    assert x.shape == (4, 3 * 7, 2) and y.shape == (4, 3 * 7, 1)
    a, b, total = decode_serial(x.reshape(12, 7, 2), y.reshape(12, 7, 1))
    assert (total == a + b).all()
    assert not (stream[1][0] == x).all()
    stream.on_epoch_end()
    assert not (stream[0][0] == x).all()


def test_sampled_pairs_are_in_range():
    a, b = binary.sample_operand_pairs(1000, 12, np.random.default_rng(0))
    assert a.min() >= 0 and b.min() >= 0 and a.max() < 4096 and b.max() < 4096


@pytest.mark.parametrize("bits", [0, 13, -1, 2.5, True])
def test_bad_widths_are_refused(bits):
    with pytest.raises(ValueError, match="bits"):
        binary.pair_count(bits)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="formulation"):
        binary.formulation_arrays("table", np.array([1]), np.array([1]), 2)
    with pytest.raises(ValueError, match="a_bits"):
        binary.add_bits(np.array([[0, 2]]), np.array([[0, 1]]))
    with pytest.raises(ValueError, match="pair indices"):
        binary.pairs_from_indices(np.array([16]), 2)
    with pytest.raises(ValueError, match="rng"):
        binary.random_bit_pairs(3, 4, rng=0)
    with pytest.raises(ValueError, match="loss"):
        models.serial_adder(4, loss="hinge")
    with pytest.raises(ValueError, match="recurrent_dropout"):
        models.serial_adder(4, recurrent_dropout=1.0)
