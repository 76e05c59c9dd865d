"""Encoders and their inverters: characters, one-hot vectors, scaled values and bits.

All vectorised numpy: the tutorials' Python lists of lists are most of their data-preparation time.
Every decoder here is the exact inverse of its encoder over the encoder's valid inputs.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from common.checks import MisuseError, require_int, require_positive_int


def _check_alphabet(alphabet: str) -> None:
    if not isinstance(alphabet, str) or not alphabet or len(set(alphabet)) != len(alphabet):
        raise MisuseError(f"alphabet must be a non-empty string of distinct characters, got {alphabet!r}")


def integer_encode(strings: Sequence[str], alphabet: str) -> np.ndarray:
    """Strings of equal length -> (n, length) array of alphabet indices."""
    _check_alphabet(alphabet)
    if len(strings) == 0:
        raise MisuseError("strings must not be empty")
    length = len(strings[0])
    for text in strings:
        if not isinstance(text, str) or len(text) != length:
            raise MisuseError(f"every string must have length {length}, got {text!r}")
    codes = np.frombuffer("".join(strings).encode("utf-32-le"), dtype=np.uint32)
    codes = codes.reshape(len(strings), length)
    alphabet_codes = np.array([ord(c) for c in alphabet], dtype=np.uint32)
    order = np.argsort(alphabet_codes)
    position = np.searchsorted(alphabet_codes[order], codes).clip(max=len(alphabet) - 1)
    found = alphabet_codes[order][position] == codes
    if not found.all():
        row, column = np.argwhere(~found)[0]
        raise MisuseError(
            f"character {strings[row][column]!r} in {strings[row]!r} is not in the alphabet {alphabet!r}"
        )
    return order[position].astype(np.int64)


def integer_decode(indices: np.ndarray, alphabet: str) -> list[str]:
    """(n, length) alphabet indices -> list of strings; the inverse of `integer_encode`."""
    _check_alphabet(alphabet)
    indices = np.asarray(indices)
    if indices.ndim != 2:
        raise MisuseError(f"indices must be 2-D (samples, steps), got shape {indices.shape}")
    _check_indices(indices, len(alphabet))
    chars = np.array(list(alphabet))
    return ["".join(row) for row in chars[indices]]


def _check_indices(indices: np.ndarray, width: int) -> None:
    if not np.issubdtype(indices.dtype, np.integer):
        raise MisuseError(f"indices must be integers, got dtype {indices.dtype}")
    if indices.size and (indices.min() < 0 or indices.max() >= width):
        bad = indices[(indices < 0) | (indices >= width)].flat[0]
        raise MisuseError(f"index {bad} is outside the one-hot width {width} (allowed 0..{width - 1})")


def one_hot(indices: np.ndarray | Sequence[int], width: int, dtype: type = np.float32) -> np.ndarray:
    """Indices of any shape -> one-hot vectors of `width` on a new last axis.

    Only the result is allocated (indexing `np.eye(width)` would first build a width x width matrix).
    """
    require_positive_int("width", width)
    indices = np.asarray(indices)
    _check_indices(indices, width)
    vectors = np.zeros(indices.shape + (width,), dtype=dtype)
    np.put_along_axis(vectors, indices[..., None].astype(np.intp), 1, axis=-1)
    return vectors


def one_hot_decode(vectors: np.ndarray) -> np.ndarray:
    """One-hot or probability vectors -> indices of their largest entry (argmax on the last axis)."""
    vectors = np.asarray(vectors)
    if vectors.ndim < 1 or vectors.shape[-1] == 0:
        raise MisuseError(f"vectors must have a non-empty last axis, got shape {vectors.shape}")
    return np.argmax(vectors, axis=-1)


def decode_strings(vectors: np.ndarray, alphabet: str) -> list[str]:
    """(n, steps, len(alphabet)) one-hot or probabilities -> strings: the tutorial's `invert`."""
    vectors = np.asarray(vectors)
    if vectors.ndim != 3 or vectors.shape[-1] != len(alphabet):
        raise MisuseError(
            f"vectors must have shape (samples, steps, {len(alphabet)}), got {vectors.shape}"
        )
    return integer_decode(one_hot_decode(vectors), alphabet)


def invert_scaled(values: np.ndarray, n_numbers: int, largest: int) -> np.ndarray:
    """Scaled predictions -> nearest integers: the tutorial's `round(value * largest * n_numbers)`."""
    require_positive_int("n_numbers", n_numbers)
    require_positive_int("largest", largest)
    values = np.asarray(values, dtype=np.float64)
    if not np.isfinite(values).all():
        raise MisuseError("values must be finite numbers")
    return np.round(values * float(largest * n_numbers)).astype(np.int64)


def to_bits(values: np.ndarray | Sequence[int] | int, bits: int, lsb_first: bool = False) -> np.ndarray:
    """Non-negative ints -> `bits` binary digits on a new last axis (MSB first unless `lsb_first`)."""
    require_int("bits", bits, minimum=1, maximum=62)
    values = np.asarray(values)
    if not np.issubdtype(values.dtype, np.integer):
        raise MisuseError(f"values must be integers, got dtype {values.dtype}")
    values = values.astype(np.int64)
    if values.size and (values.min() < 0 or values.max() >= 2**bits):
        bad = values[(values < 0) | (values >= 2**bits)].flat[0]
        raise MisuseError(f"value {bad} does not fit in {bits} bits (allowed 0..{2**bits - 1})")
    shifts = np.arange(bits, dtype=np.int64)
    if not lsb_first:
        shifts = shifts[::-1]
    return ((values[..., None] >> shifts) & 1).astype(np.int8)


def from_bits(bit_array: np.ndarray | Sequence[int], lsb_first: bool = False) -> np.ndarray:
    """Binary digits on the last axis -> ints; the inverse of `to_bits`. Rounds probabilities first."""
    bit_array = np.asarray(bit_array)
    if bit_array.ndim < 1 or not 1 <= bit_array.shape[-1] <= 62:
        raise MisuseError(f"bit_array needs 1..62 bits on its last axis, got shape {bit_array.shape}")
    rounded = np.rint(bit_array.astype(np.float64))
    if ((rounded != 0) & (rounded != 1)).any():
        raise MisuseError("bit_array must hold values that round to 0 or 1")
    bits = bit_array.shape[-1]
    shifts = np.arange(bits, dtype=np.int64)
    if not lsb_first:
        shifts = shifts[::-1]
    return (rounded.astype(np.int64) << shifts).sum(axis=-1)
