"""spatial: the boxes of each image -> spatial relations between them (left of, right of, above,
below, overlaps, inside), from the geometry alone (see pipeline.graph.geometry). CPU, no model."""

from __future__ import annotations

from typing import Annotated, ClassVar

import pandas as pd
from pydantic import Field, PositiveInt, model_validator
from pydantic_core import PydanticCustomError

from pipeline.core.records import read_records
from pipeline.core.stage import Records, Resources, Stage, StageConfig, register_stage
from pipeline.graph import geometry as G
from pipeline.graph.records import Region, SpatialRelation
from pipeline.stages import columns as C
from pipeline.stages.fields import Fraction, within


class SpatialConfig(StageConfig):
    """Which boxes are paired and how clear a relation must be (config section `spatial`;
    the rules are defined in pipeline/graph/geometry.py)."""

    enabled: bool = True  # false: the stage writes no relations (its column stays, empty)
    min_score: Fraction = G.MIN_SCORE  # boxes scoring below are not paired
    max_regions: PositiveInt = G.MAX_REGIONS  # only the best-scoring boxes of an image are paired
    inside: Fraction = G.INSIDE_MIN  # A inside B: intersection / area(A) at least this ...
    inside_area_ratio: Fraction = G.INSIDE_AREA_RATIO  # ... and area(A) at most this times area(B)
    overlap_iou: Fraction = G.OVERLAP_IOU  # overlaps: IoU at least this (and not inside)
    separation: Annotated[float, within(0, 0.5)] = G.SEPARATION  # left of / above ...: overlap tolerated, times the narrower size
    alignment: Fraction = G.ALIGNMENT  # ... with at least this shared fraction on the other axis
    resources: Resources = Field(default_factory=lambda: Resources(num_cpus=0.25, concurrency=1, batch_size=64))

    @model_validator(mode="after")
    def _exclusive_directions(self) -> "SpatialConfig":
        if self.separation >= self.alignment:
            raise PydanticCustomError("spatial_rules", "separation must be below alignment, got {s} >= {a}",
                                      {"s": self.separation, "a": self.alignment})
        return self

    def rules(self) -> dict[str, float]:
        """The geometry's keyword arguments."""
        return self.model_dump(exclude={"resources", "enabled"})


@register_stage
class SpatialStage(Stage):
    """Reads the regions of each image; adds the spatial relations between them."""

    name: ClassVar[str] = "spatial"
    version: ClassVar[int] = 1
    Config: ClassVar = SpatialConfig
    requires: ClassVar[tuple[str, ...]] = (C.REGIONS,)
    produces: ClassVar = {C.SPATIAL: Records(SpatialRelation)}
    config: SpatialConfig

    @property
    def source(self) -> str:
        """Provenance of the records: ``geometry:spatial@<version>``."""
        return f"geometry:{self.name}@{self.version}"

    def describe(self) -> dict[str, object]:
        return {**super().describe(), **self.config.rules()}

    def note(self) -> str:
        return f"spatial relations: from the boxes alone ({self.source}, boxes scoring >= {self.config.min_score:g})"

    def process(self, batch: pd.DataFrame) -> pd.DataFrame:
        rules = self.config.rules()
        out = [G.spatial_relations(rs, source=self.source, **rules) for rs in read_records(batch[C.REGIONS], Region)]
        return pd.DataFrame({C.SPATIAL: out})
