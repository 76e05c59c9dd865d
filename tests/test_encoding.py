"""Every encoder against its decoder over the valid range, and every error path."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from common import binary, echo, questions, sums

ALPHABET = questions.alphabet("+-*")


@given(st.lists(st.text(alphabet=ALPHABET, min_size=4, max_size=4), min_size=1, max_size=20))
def test_integer_encoding_round_trips(strings):
    indices = questions.integer_encode(strings, ALPHABET)
    assert indices.shape == (len(strings), 4)
    assert questions.integer_decode(indices, ALPHABET) == strings


@given(st.lists(st.text(alphabet=ALPHABET, min_size=3, max_size=3), min_size=1, max_size=10))
def test_one_hot_strings_round_trip(strings):
    vectors = questions.encode_text(strings, ALPHABET, "onehot")
    assert vectors.sum(axis=-1).tolist() == [[1.0] * 3] * len(strings)
    assert questions.integer_decode(vectors.argmax(axis=-1), ALPHABET) == strings


@given(st.integers(2, 200).flatmap(lambda w: st.tuples(st.just(w), st.lists(st.integers(0, w - 1), min_size=1))))
def test_one_hot_round_trips_for_any_width(case):
    width, values = case
    vectors = echo.encode(echo.EchoTask(n_values=width), values)
    np.testing.assert_array_equal(vectors, np.eye(width, dtype=np.float32)[values])
    assert echo.decode(echo.EchoTask(n_values=width), vectors).tolist() == values


@pytest.mark.parametrize("bits", [8, 9])
def test_bits_round_trip_for_every_value_below_512(bits):
    values = np.arange(min(512, 2**bits))
    as_bits = binary.to_bits(values, bits)
    assert as_bits.shape == (values.size, bits)
    assert binary.from_bits(as_bits).tolist() == values.tolist()
    assert binary.from_bits(binary.to_bits(values, bits, lsb_first=True), lsb_first=True).tolist() == values.tolist()


def test_bits_are_msb_first_as_printed():
    assert binary.to_bits(157, 8).tolist() == [1, 0, 0, 1, 1, 1, 0, 1]
    assert binary.to_bits(270, 9).tolist() == [1, 0, 0, 0, 0, 1, 1, 1, 0]


@given(st.integers(0, 2**40 - 1), st.integers(41, 62))
def test_wide_bits_round_trip(value, bits):
    assert int(binary.from_bits(binary.to_bits(value, bits))) == value


@given(st.lists(st.floats(0, 1, allow_nan=False), min_size=1), st.integers(1, 5), st.integers(1, 1000))
def test_invert_scaled_rounds_to_the_nearest_integer(values, n_numbers, largest):
    scale = largest * n_numbers
    inverted = sums.invert_scaled(np.array(values), n_numbers, largest)
    assert np.all(np.abs(inverted - np.array(values) * scale) <= 0.5 + 1e-9)


@given(st.integers(1, 5), st.integers(1, 1000), st.data())
def test_invert_scaled_undoes_the_scaling(n_numbers, largest, draw):
    total = draw.draw(st.integers(n_numbers, n_numbers * largest))
    scaled = np.float32(total / float(largest * n_numbers))
    assert sums.invert_scaled([scaled], n_numbers, largest).tolist() == [total]


@pytest.mark.parametrize("call, message", [
    (lambda: questions.integer_encode(["1x"], ALPHABET), "'x'"),
    (lambda: questions.integer_encode(["12", "1"], ALPHABET), "length"),
    (lambda: questions.integer_encode([], ALPHABET), "empty"),
    (lambda: questions.integer_encode(["1"], "11"), "distinct"),
    (lambda: questions.integer_decode(np.array([[0, 15]]), ALPHABET), "index 15"),
    (lambda: echo.encode(echo.EchoTask(), [0, 100]), "0..99"),
    (lambda: echo.encode(echo.EchoTask(), [-1]), "0..99"),
    (lambda: binary.to_bits(256, 8), "256"),
    (lambda: binary.to_bits(-1, 8), "-1"),
    (lambda: binary.to_bits(3, 0), "bits"),
    (lambda: binary.to_bits(1.5, 8), "integers"),
    (lambda: binary.from_bits([2, 0]), "0 or 1"),
    (lambda: sums.invert_scaled([np.nan], 2, 10), "finite"),
    (lambda: sums.invert_scaled([0.5], 2, 0), "largest"),
    (lambda: questions.alphabet("/"), "ops"),
])
def test_bad_arguments_name_the_bad_value(call, message):
    with pytest.raises(ValueError, match=message.replace("*", r"\*")):
        call()
