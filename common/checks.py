"""Argument checks shared by every public function, so that bad input fails loudly and early."""

from __future__ import annotations

import numbers


class MisuseError(ValueError):
    """Bad input: reported as one line with exit status 2. Any other exception is a bug and shows
    its traceback. A ValueError, so that callers of the public functions catch what they expect."""


def require_int(name: str, value: object, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return `value` if it is an int within [minimum, maximum], else raise ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise MisuseError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise MisuseError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise MisuseError(f"{name} must be <= {maximum}, got {value}")
    return value


def require_positive_int(name: str, value: object) -> int:
    """Return `value` if it is an integer >= 1."""
    return require_int(name, value, minimum=1)


def require_fraction(name: str, value: object, allow_zero: bool = True) -> float:
    """Return `value` if it is a real number in [0, 1) (or (0, 1) without `allow_zero`)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise MisuseError(f"{name} must be a number, got {value!r}")
    value = float(value)
    low_ok = value >= 0 if allow_zero else value > 0
    if not (low_ok and value < 1):
        bounds = "[0, 1)" if allow_zero else "(0, 1)"
        raise MisuseError(f"{name} must be in {bounds}, got {value}")
    return value
