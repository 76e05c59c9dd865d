"""The summaries the scripts print: their formulas checked against the libraries the tutorials used."""

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from sklearn.metrics import mean_squared_error

from common import sums

integers = st.lists(st.integers(-10_000, 10_000), min_size=1, max_size=50)


@given(integers, st.data())
def test_rmse_is_the_tutorials_scikit_learn_figure(expected, draw):
    predicted = draw.draw(st.lists(st.integers(-10_000, 10_000), min_size=len(expected), max_size=len(expected)))
    assert sums.rmse(expected, predicted) == math.sqrt(mean_squared_error(expected, predicted))


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=50), st.data())
def test_rmse_of_real_numbers_agrees_with_scikit_learn(expected, draw):
    predicted = draw.draw(st.lists(st.floats(-1e6, 1e6), min_size=len(expected), max_size=len(expected)))
    assert np.isclose(sums.rmse(expected, predicted), math.sqrt(mean_squared_error(expected, predicted)),
                      rtol=1e-12, atol=1e-12)
