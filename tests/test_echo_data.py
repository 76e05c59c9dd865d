"""The echo data: the tutorial's framing, and the masked and linear variants' padding and decoding."""

import random

import numpy as np
import pytest

from common import echo, models
from conftest import tutorial_framing


def test_default_windows_are_the_tutorials_pandas_framing():
    sequence = echo.random_sequence(25, 100, random.Random(1))
    x, y, expected = echo.sequence_windows(echo.EchoTask(), sequence)
    tutorial_x, tutorial_y = tutorial_framing(np.eye(100, dtype=np.float32)[sequence], 5, 5)
    np.testing.assert_array_equal(x, tutorial_x)
    np.testing.assert_array_equal(y, tutorial_y)
    assert x.shape == (21, 5, 100)
    assert expected[0].tolist() == sequence[:5] and expected[-1].tolist() == sequence[-5:]


def test_partial_targets_are_each_windows_first_items():
    sequence = list(range(10, 35))
    _, y, expected = echo.sequence_windows(echo.EchoTask(n_out=2), sequence)
    assert y.shape == (21, 2, 100)
    assert expected[:2].tolist() == [[10, 11], [11, 12]]
    np.testing.assert_array_equal(y.argmax(axis=-1), expected)


def test_masked_windows_keep_the_incomplete_ones_padded():
    task = echo.EchoTask(n_out=2, mask=True)
    sequence = list(range(25))
    x, _, expected = echo.sequence_windows(task, sequence)
    assert task.samples_per_sequence == 25 and x.shape == (25, 5, 100)
    assert expected[:5].tolist() == [[-1, -1], [-1, -1], [-1, -1], [-1, 0], [0, 1]]
    assert not x[0, :4].any() and x[0, 4, 0] == 1  # four zero (masked) steps, then the first item


def test_linear_encoding_round_trips_and_pads_with_minus_one():
    task = echo.EchoTask(encoding="linear", mask=True)
    sequence = [0, 99, 50, 7, 3]
    x, y, expected = echo.sequence_windows(task, sequence)
    assert x.shape == (5, 5, 1) and x[0, 0, 0] == echo.LINEAR_PAD
    np.testing.assert_array_equal(echo.decode(task, x[-1]), sequence)
    assert echo.decode(task, np.array([[1.7], [-0.3]])).tolist() == [99, 0]  # clipped into range


def test_score_counts_only_real_items():
    expected = np.array([[-1, -1], [-1, 4], [4, 5]])
    assert echo.score(expected, np.array([[9, 9], [0, 4], [4, 5]])) == {"exact_match": 1.0, "accuracy": 1.0}
    assert echo.score(expected, np.array([[9, 9], [0, 4], [4, 6]])) == {"exact_match": 0.5, "accuracy": 2 / 3}


def test_rows_show_padding_as_underscores():
    assert echo.window_row(np.array([98, 30]), np.array([98, 30])) == "Expected: [98, 30] Predicted [98, 30]"
    assert echo.window_row(np.array([-1, 4]), np.array([7, 4])) == "Expected: [_, 4] Predicted [_, 4]"


def test_variant_models_have_the_asked_shapes():
    linear = models.echo_partial(5, 5, 2, 1, 8, mask_value=echo.LINEAR_PAD, linear=True)
    assert linear.output_shape == (5, 2, 1) and linear.loss == "mean_squared_error"
    assert linear.layers[0].__class__.__name__ == "Masking"
    tutorial = models.echo_full()
    assert tutorial.output_shape == (7, 5, 100) and tutorial.layers[0].stateful
    assert [layer.__class__.__name__ for layer in tutorial.layers] == ["LSTM", "TimeDistributed"]


@pytest.mark.parametrize("kwargs, message", [
    (dict(n_out=6), "n_out=6 must be <= n_in=5"),
    (dict(length=4), "length=4"),
    (dict(n_values=1), "n_values"),
    (dict(encoding="binary"), "encoding"),
])
def test_bad_tasks_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        echo.EchoTask(**kwargs)
