"""Constrained config field types shared by stage configs, with one-line messages."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError


def within(lo: float, hi: float):
    """A validator: the value must lie in lo..hi (inclusive)."""

    def check(v: float) -> float:
        if not lo <= v <= hi:
            raise PydanticCustomError("within", "must be within {lo}..{hi}", {"lo": f"{lo:g}", "hi": f"{hi:g}"})
        return v

    return AfterValidator(check)


Fraction = Annotated[float, within(0, 1)]  # a score or ratio in 0..1
