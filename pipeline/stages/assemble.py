"""assemble: per-image results -> graph fragments with stable content-hash ids.

Captions, regions, mentions, groundings, attributes and relations of one image, each with the
ids the graph tables use; the merge step (pipeline.graph.merge) unions them over the corpus.
"""

from __future__ import annotations

from typing import ClassVar

import pandas as pd

from pipeline.core import columns as C
from pipeline.core.ids import content_id
from pipeline.core.stage import Resources, Stage
from pipeline.graph.records import FRAGMENTS

ATTRIBUTE_TYPE = "attribute"


def entity_id(type_: str, name: str) -> str:
    """Id of an entity node: hash of its type and canonical name."""
    return content_id("ent", type_, name)


class AssembleStage(Stage):
    """Reads everything the model stages added; adds the typed fragments; drops pixels."""

    name: ClassVar[str] = "assemble"
    requires: ClassVar[tuple[str, ...]] = (C.IMAGE_ID, C.REGIONS, C.GRAPHS, C.GROUNDINGS)
    produces: ClassVar = FRAGMENTS
    drops: ClassVar[tuple[str, ...]] = (C.PIXELS, C.PIX_H, C.PIX_W)

    def __init__(self) -> None:
        super().__init__(Resources(num_cpus=0.25, batch_size=64))

    def process(self, batch: pd.DataFrame) -> pd.DataFrame:
        cols: dict[str, list] = {k: [] for k in FRAGMENTS}
        for img, regions_s, graphs_s, ground_s in zip(batch[C.IMAGE_ID], batch[C.REGIONS], batch[C.GRAPHS], batch[C.GROUNDINGS]):
            for k, v in assemble_image(img, C.load_boxes(regions_s), C.load_graphs(graphs_s), C.load_groundings(ground_s)).items():
                cols[k].append(v)
        return pd.DataFrame(cols)


def assemble_image(image_id: str, boxes, graphs, groundings) -> dict[str, list[dict]]:
    """Fragments of one image: lists of records typed as pipeline.graph.records.FRAGMENTS."""
    captions, regions, mentions, attributes, relations, grounded = [], [], [], [], [], []
    region_ids = []
    for b in boxes:
        rid = content_id("reg", image_id, b.detector, b.label, b.x1, b.y1, b.x2, b.y2)
        region_ids.append(rid)
        regions.append({
            "region_id": rid, "label": b.label, "score": b.score, "x1": b.x1, "y1": b.y1, "x2": b.x2, "y2": b.y2,
            "detector": b.detector, "entity_id": entity_id("concept", b.label),
        })
    mention_ids: list[list[str]] = []
    for source, g in graphs:
        cid = content_id("cap", image_id, source, g.caption)
        captions.append({"caption_id": cid, "text": g.caption, "source": source})
        ids = []
        for m in g.mentions:
            mid = content_id("men", cid, m.index)
            ids.append(mid)
            mentions.append({
                "mention_id": mid, "caption_id": cid, "entity_id": entity_id(m.label, m.lemma), "name": m.lemma,
                "type": m.label, "text": m.text, "start": m.start, "end": m.end, "count": m.count, "source": source,
            })
        mention_ids.append(ids)
        ent = {m.index: entity_id(m.label, m.lemma) for m in g.mentions}
        for a in g.attributes:
            attributes.append({
                "mention_id": ids[a.mention], "entity_id": ent[a.mention], "value": a.text,
                "value_id": entity_id(ATTRIBUTE_TYPE, a.text), "caption_id": cid, "source": source,
            })
        for r in g.relations:
            relations.append({
                "caption_id": cid, "subject_mention": ids[r.subject], "subject_entity": ent[r.subject],
                "predicate": r.predicate, "object_mention": ids[r.object], "object_entity": ent[r.object], "source": source,
            })
    for gr in groundings:
        grounded.append({"mention_id": mention_ids[gr.caption][gr.mention], "region_id": region_ids[gr.region], "score": gr.score})
    return {"captions": captions, "regions": regions, "mentions": mentions, "groundings": grounded,
            "attributes": attributes, "relations": relations}
