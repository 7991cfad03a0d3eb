"""Consecutive stages applied in order as one unit of work (one Ray operator, or the loop)."""

from __future__ import annotations

from typing import Sequence

import pandas as pd

from pipeline.core.stage import Stage


def transient_drops(stages: Sequence[Stage], later: Sequence[Stage]) -> tuple[str, ...]:
    """Transient columns of `stages` (and earlier) that none of the `later` stages requires."""
    needed = {c for st in later for c in st.requires}
    return tuple(c for st in stages for c in st.transient if c not in needed)


class Chain:
    """Stages applied in order (set up on first use); then drops the transient columns that no
    later stage needs."""

    def __init__(self, stages: Sequence[Stage], drop: Sequence[str] = ()) -> None:
        self.stages = list(stages)
        self.drop = list(drop)

    def setup(self) -> None:
        for st in self.stages:
            st.setup()
            st._ready = True

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        for st in self.stages:
            batch = st(batch)
        return batch.drop(columns=[c for c in self.drop if c in batch.columns])
