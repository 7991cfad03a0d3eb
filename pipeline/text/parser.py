"""CaptionParser: batches of captions -> SceneGraphs with spaCy (spaCy is loaded in setup)."""

from __future__ import annotations

import dataclasses
import logging
import re
from typing import TYPE_CHECKING, Any, Sequence

from pipeline.text.rules import doc_to_graph
from pipeline.text.types import SceneGraph

if TYPE_CHECKING:  # pragma: no cover
    import spacy

log = logging.getLogger(__name__)

#: Captions longer than this many characters are cut before parsing: a guard against
#: pathological inputs (10,000 words is ~60,000 characters; region captions are ~6 words).
MAX_CHARS = 100_000


def clean_caption(text: object) -> str:
    """Text spaCy can always digest: str, lone surrogates -> '?', NUL/controls -> space.

    Character offsets are preserved one-to-one (except the cut at MAX_CHARS).
    """
    if text is None:
        return ""
    if not isinstance(text, str):
        try:
            text = str(text)
        except Exception:  # noqa: BLE001 - never raise on odd input
            return ""
    text = text[:MAX_CHARS]
    if not text.isascii():  # (isascii is free; only non-ASCII text can hold a surrogate)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = "".join(ch if not 0xD800 <= ord(ch) <= 0xDFFF else "?" for ch in text)
    if _CONTROL.search(text):
        text = _CONTROL.sub(" ", text)
    return text


#: Control characters other than tab and newline.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f]")


_FRAME_WORDS = (
    "black|white|and|colou?r|colou?red|close|blurry|blurred|motion-blurred|old|vintage|aerial|grainy|dark|bright|"
    "wide|angle|high|low|detailed|microscope|microscopic|telescope|fundus|sepia|gr[ae]yscale|monochrome|digital|"
    "small|large|candid|professional|stock|recent|nice|beautiful|cropped|framed|overhead|distant|space|deep"
)
_FRAME = re.compile(
    r"^\s*(?:(?:a|an|the|this|that)\s+)?(?:(?:" + _FRAME_WORDS + r")[\s,]+){0,5}"
    r"(?:photo(?:graph)?|picture|pic|image|close-?up|snapshot|view|painting|drawing|illustration|rendering|scan|micrograph)s?"
    r"\s+(?:of|showing|shows|depicting)\s+",
    re.IGNORECASE,
)


#: the rest of a framed caption says where the picture itself is: "a picture of a dinosaur
#: hanging on the wall", "a painting of a ship is on the wall", "a picture of the usa is in the middle of ..."
_PLACED_FRAME = re.compile(
    r"\b(?:hangs?|hanging|hung|mounted)\b|\bon (?:a|the) wall\b|\b(?:is|are) (?:in|on|above|below|under)\b",
    re.IGNORECASE,
)


def blank_frame(text: str) -> str:
    """Blank out (with spaces, offsets kept) a leading framing phrase such as "a photo of" or
    "a black and white close-up of": alt-text says what the picture shows, and the photo
    itself is not an entity of the scene. A picture said to be somewhere ("a picture of a
    dinosaur hanging on the wall") is a thing in the scene and is kept."""
    if text.isascii():  # cheap exit: a frame needs "of", "show..." or "depicting"
        low = text.lower()
        if "of" not in low and "show" not in low and "depicting" not in low:
            return text
    m = _FRAME.match(text)
    if not m or not text[m.end():].strip() or _PLACED_FRAME.search(text, m.end()):
        return text
    return " " * m.end() + text[m.end():]


_ODD_SPACE = re.compile(r"\s\s|^\s|\s$|[^\S ]")


def squeeze_whitespace(text: str) -> tuple[str, list[int] | None]:
    """Collapse whitespace runs to one space and strip the ends (spaCy makes odd whitespace
    into tokens that split compounds and names). Returns the new text and, if it changed,
    `offsets[i]` = index in `text` of new character i; None when nothing changed."""
    if text.isprintable():  # its only whitespace is " " (the regex below is several times slower)
        if not (text.startswith(" ") or text.endswith(" ") or "  " in text):
            return text, None
    elif not _ODD_SPACE.search(text):
        return text, None
    chars: list[str] = []
    offsets: list[int] = []
    after_space = True  # drops leading whitespace
    for i, ch in enumerate(text):
        if ch.isspace():
            if after_space:
                continue
            ch, after_space = " ", True
        else:
            after_space = False
        chars.append(ch)
        offsets.append(i)
    if chars and chars[-1] == " ":
        chars.pop()
        offsets.pop()
    return "".join(chars), offsets


_ABBREVIATIONS = re.compile(r"(?<![\w/])w/(?=\s|\w)", re.IGNORECASE)


def expand_abbreviations(text: str) -> tuple[str, list[int] | None]:
    """Spell out "w/" as "with" (alt-text shorthand that spaCy reads as a noun). Returns the
    new text and, if it changed, `offsets[i]` = index in `text` of new character i (the added
    letters map onto the "/"); None when nothing changed."""
    if "w/" not in text and "W/" not in text:
        return text, None
    chars: list[str] = []
    offsets: list[int] = []
    pos = 0
    for m in _ABBREVIATIONS.finditer(text):
        chars.extend(text[pos : m.start()])
        offsets.extend(range(pos, m.start()))
        word = "with " if text[m.end() : m.end() + 1].isalnum() else "with"
        chars.extend(word)
        offsets.extend([m.start(), m.start() + 1, m.start() + 1, m.start() + 1, m.start() + 1][: len(word)])
        pos = m.end()
    if pos == 0:
        return text, None
    chars.extend(text[pos:])
    offsets.extend(range(pos, len(text)))
    return "".join(chars), offsets


def normalise(text: str) -> tuple[str, list[int] | None]:
    """Whitespace squeezed and "w/" spelled out; offsets as in `squeeze_whitespace`."""
    squeezed, first = squeeze_whitespace(text)
    expanded, second = expand_abbreviations(squeezed)
    if second is None:
        return squeezed, first
    return expanded, (second if first is None else [first[j] for j in second])


def _remap(graph: SceneGraph, source: str, offsets: list[int]) -> SceneGraph:
    """Mention offsets of a graph built on squeezed text -> offsets (and text) in `source`."""
    mentions = []
    for m in graph.mentions:
        if m.end <= m.start or m.end > len(offsets):
            mentions.append(m)
            continue
        start, end = offsets[m.start], offsets[m.end - 1] + 1
        mentions.append(dataclasses.replace(m, text=source[start:end], start=start, end=end))
    return dataclasses.replace(graph, mentions=tuple(mentions))


class CaptionParser:
    """Parses captions into SceneGraphs.

    `model`: spaCy model name (None -> installed default, see spacy_model.resolve_model_name);
    `batch_size`/`n_process` are passed to `nlp.pipe`. Call `setup()` once per worker (parse
    calls it lazily); the object is picklable before setup.
    """

    def __init__(self, model: str | None = None, batch_size: int = 256, n_process: int = 1) -> None:
        self.model = model
        self.batch_size = batch_size
        self.n_process = n_process
        self.nlp: Any = None
        self.verbs: frozenset[str] = frozenset()
        self.nouns: frozenset[str] = frozenset()

    def setup(self) -> None:
        """Load the spaCy pipeline (heavy: imports spaCy and the model)."""
        if self.nlp is None:
            from pipeline.text.spacy_model import load_nlp

            self.nlp = load_nlp(self.model)
            self.verbs = _lemma_index(self.nlp, "verb")
            self.nouns = _lemma_index(self.nlp, "noun")

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["nlp"] = None  # reload in the worker instead of pickling the model
        state["verbs"] = state["nouns"] = frozenset()
        return state

    def parse(self, texts: Sequence[str | None]) -> list[SceneGraph]:
        """One SceneGraph per input caption, same order; None/empty/unparsable -> empty graph."""
        self.setup()
        originals = list(texts)
        captions = [_as_caption(t) for t in originals]
        # out[i] stays None until caption i has its graph (an empty one is built only where
        # none came: most captions parse, and a SceneGraph is not free)
        out: list[SceneGraph | None] = [None] * len(originals)
        cleaned = [blank_frame(clean_caption(t)) for t in originals]
        todo = [i for i, c in enumerate(cleaned) if c.strip()]
        if todo:
            squeezed = {i: normalise(cleaned[i]) for i in todo}
            try:
                docs = self.nlp.pipe(
                    (squeezed[i][0] for i in todo), batch_size=self.batch_size, n_process=self.n_process
                )
                for i, doc in zip(todo, docs):
                    out[i] = self._graph(doc, captions[i], cleaned[i], squeezed[i][1])
            except Exception:  # noqa: BLE001 - fall back to one caption at a time
                log.warning("nlp.pipe failed on a batch; parsing its captions one by one", exc_info=True)
                for i in todo:
                    try:
                        doc = self.nlp(squeezed[i][0])
                        out[i] = self._graph(doc, captions[i], cleaned[i], squeezed[i][1])
                    except Exception:  # noqa: BLE001
                        log.warning("spaCy failed on caption %r", cleaned[i][:200], exc_info=True)
                        out[i] = None
        return [SceneGraph(caption=captions[i]) if g is None else g for i, g in enumerate(out)]

    def _graph(
        self, doc: "spacy.tokens.Doc", caption: str, source: str, offsets: list[int] | None
    ) -> SceneGraph:
        """Rules on one parsed caption; offsets mapped back to `source` (the cleaned caption)."""
        try:
            graph = doc_to_graph(doc, caption, self.verbs, self.nouns)
            return _remap(graph, source, offsets) if offsets is not None else graph
        except Exception:  # noqa: BLE001 - a rule bug must not kill the batch
            log.warning("scene-graph rules failed on caption %r", caption[:200], exc_info=True)
            return SceneGraph(caption=caption)


def _lemma_index(nlp: Any, pos: str) -> frozenset[str]:
    """Known lemmas of `pos` ("verb", "noun") from the model's rule lemmatizer tables
    (empty if the model has none)."""
    try:
        table = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_index")
        return frozenset(table[pos])
    except Exception:  # noqa: BLE001 - lookup tables are optional
        return frozenset()


def _as_caption(text: object) -> str:
    """The caption string stored on the graph ('' for None / non-strings)."""
    return text if isinstance(text, str) else ("" if text is None else str(text))
