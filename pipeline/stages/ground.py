"""ground: link caption mentions to detected boxes of the same image (see pipeline.graph.grounding)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import pandas as pd
import pyarrow as pa

from pipeline.core import columns as C
from pipeline.core.stage import Resources, Stage
from pipeline.graph.grounding import ground


@dataclass
class GroundConfig:
    """How sure a box must be before a mention is grounded in it."""

    min_score: float = 0.3
    resources: Resources = field(default_factory=lambda: Resources(num_cpus=1, concurrency=1, batch_size=64))


class GroundStage(Stage):
    """Reads scene graphs and regions; adds groundings (caption, mention, region, score)."""

    name: ClassVar[str] = "ground"
    requires: ClassVar[tuple[str, ...]] = (C.GRAPHS, C.REGIONS)
    produces: ClassVar = {C.GROUNDINGS: pa.string()}

    def __init__(self, config: GroundConfig | None = None) -> None:
        self.config = config or GroundConfig()
        super().__init__(self.config.resources)

    def process(self, batch: pd.DataFrame) -> pd.DataFrame:
        out = []
        for graphs, regions in zip(batch[C.GRAPHS], batch[C.REGIONS]):
            gs = [g for _, g in C.load_graphs(graphs)]
            out.append(C.dump_groundings(ground(gs, C.load_boxes(regions), self.config.min_score)))
        return pd.DataFrame({C.GROUNDINGS: out})
