"""ground: link caption mentions to regions of the same image (see pipeline.graph.grounding)."""

from __future__ import annotations

from typing import ClassVar

import pandas as pd
from pydantic import Field

from pipeline.core.records import read_records
from pipeline.core.stage import Records, Resources, Stage, StageConfig, register_stage
from pipeline.graph.grounding import ground
from pipeline.graph.records import Caption, Grounding, Mention, Region
from pipeline.stages import columns as C
from pipeline.stages.fields import Fraction


class GroundConfig(StageConfig):
    """How sure a region must be before a mention is grounded in it (config section `ground`)."""

    min_score: Fraction = 0.3
    resources: Resources = Field(default_factory=lambda: Resources(num_cpus=1, concurrency=1, batch_size=64))


@register_stage
class GroundStage(Stage):
    """Reads captions, mentions and regions; adds groundings (mention id -> region id)."""

    name: ClassVar[str] = "ground"
    Config: ClassVar = GroundConfig
    requires: ClassVar[tuple[str, ...]] = (C.CAPTIONS, C.MENTIONS, C.REGIONS)
    produces: ClassVar = {C.GROUNDINGS: Records(Grounding)}
    config: GroundConfig

    def process(self, batch: pd.DataFrame) -> pd.DataFrame:
        captions = read_records(batch[C.CAPTIONS], Caption)
        mentions = read_records(batch[C.MENTIONS], Mention)
        regions = read_records(batch[C.REGIONS], Region)
        out = [ground(c, m, r, self.config.min_score) for c, m, r in zip(captions, mentions, regions)]
        return pd.DataFrame({C.GROUNDINGS: out})
