"""Reading numeric settings (``BOLEKG_*``) from the environment: the one pair of helpers every setting
read goes through, so that each is parsed, defaulted and refused the same way.

A setting left unset or blank takes its default; a value that is not a number, or out of range, is an
error that stops the command or the server, never a silent default. This module imports nothing
heavy: the query workers (:mod:`bolekg.isolation`) read their settings with it too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

T = TypeVar("T")


def positive_setting(env: Mapping[str, str], name: str, default: float, kind: type) -> float:
    """A positive number from the environment; a bad value stops the server instead of being ignored."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError as error:
        raise ValueError(f"{name} must be a number, not {raw!r}") from error
    if value <= 0:
        raise ValueError(f"{name} must be positive, not {raw!r}")
    return value  # type: ignore[no-any-return]


def non_negative_setting(env: Mapping[str, str], name: str, default: T, kind: type = int) -> T:
    """A number ≥ 0 from the environment (0 is meaningful: none may wait, a rule turned off); a bad
    value stops the server instead of being ignored."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError as error:
        raise ValueError(f"{name} must be {'a whole number' if kind is int else 'a number'}, not {raw!r}") from error
    if value < 0:
        raise ValueError(f"{name} must be 0 or more, not {raw!r}")
    return value  # type: ignore[no-any-return]
