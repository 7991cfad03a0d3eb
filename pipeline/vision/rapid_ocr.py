"""Text in images: RapidOCR (PP-OCRv4 detection + recognition, ONNX weights shipped inside the
`rapidocr_onnxruntime` wheel, so it runs offline) behind a small interface:
`read(images) -> list[list[TextLine]]`. No Ray, no stages; onnxruntime/OpenCV load in `load()`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, Sequence

import numpy as np

from pipeline.core.registry import backends
from pipeline.vision._image import as_rgb_uint8
from pipeline.vision.types import ModelUnavailable


@dataclass(frozen=True)
class TextLine:
    """One line of text found in an image: what it says, how sure, and its box (axis-aligned,
    in the pixels of the image passed to `read`)."""

    text: str
    score: float
    x1: float
    y1: float
    x2: float
    y2: float


class TextReader(Protocol):
    """Reads text: RGB uint8 HxWx3 arrays in, the text lines of each image out."""

    name: str

    def load(self) -> None:
        """Load weights; raise ModelUnavailable with one clear line when they cannot be had."""

    def read(self, images: Sequence[np.ndarray]) -> list[list[TextLine]]:
        """Text lines per image, top to bottom."""


class RapidTextReader:
    """RapidOCR with its bundled models; lines scoring below `min_score` are dropped."""

    name = "rapidocr"

    def __init__(self, min_score: float = 0.5, threads: int | None = None, max_lines: int = 50) -> None:
        self.min_score = float(min_score)
        self.threads = threads
        self.max_lines = int(max_lines)
        self._engine: Any = None

    def load(self) -> None:
        """Build the RapidOCR engine (detection, direction classifier, recognition sessions)."""
        try:
            from rapidocr_onnxruntime import RapidOCR
        except ImportError as e:  # the wheel, or OpenCV's system libraries, are missing
            raise ModelUnavailable(f"ocr backend rapidocr needs the rapidocr_onnxruntime package ({e}); "
                                   f"pip install 'kg-pipeline[ocr]'") from None
        threads = self.threads if self.threads else -1
        self._engine = RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1 if self.threads else -1,
                                text_score=self.min_score)

    def read(self, images: Sequence[np.ndarray]) -> list[list[TextLine]]:
        """Text lines per image, top to bottom (pieces RapidOCR finds on one line are joined)."""
        if self._engine is None:
            self.load()
        out = []
        for img in images:
            bgr = np.ascontiguousarray(as_rgb_uint8(img)[..., ::-1])  # RapidOCR takes arrays as OpenCV BGR
            result, _ = self._engine(bgr)
            lines = []
            for points, text, score in result or []:
                text = " ".join(str(text).split())
                if not text or float(score) < self.min_score:
                    continue
                xs, ys = [float(p[0]) for p in points], [float(p[1]) for p in points]
                h, w = img.shape[:2]
                lines.append(TextLine(text, float(score), max(0.0, min(xs)), max(0.0, min(ys)), min(float(w), max(xs)),
                                      min(float(h), max(ys))))
            out.append(join_lines(lines)[: self.max_lines])
        return out


def join_lines(pieces: Sequence[TextLine]) -> list[TextLine]:
    """Pieces of text on the same line (vertical overlap of at least half the smaller height,
    horizontal gap to the line of at most 1.5 heights) joined left to right with a space into one line, its box
    the union and its score the lowest; lines top to bottom."""
    lines: list[list[TextLine]] = []
    for p in sorted(pieces, key=lambda t: (t.y1, t.x1)):
        for line in lines:
            lx1, lx2 = min(t.x1 for t in line), max(t.x2 for t in line)
            ly1, ly2 = min(t.y1 for t in line), max(t.y2 for t in line)
            h = min(p.y2 - p.y1, ly2 - ly1)
            overlap = min(p.y2, ly2) - max(p.y1, ly1)
            if h > 0 and overlap >= 0.5 * h and max(p.x1 - lx2, lx1 - p.x2) <= 1.5 * h:
                line.append(p)
                break
        else:
            lines.append([p])
    out = []
    for line in lines:
        line.sort(key=lambda t: t.x1)
        out.append(TextLine(" ".join(t.text for t in line), min(t.score for t in line), min(t.x1 for t in line),
                            min(t.y1 for t in line), max(t.x2 for t in line), max(t.y2 for t in line)))
    return sorted(out, key=lambda t: (t.y1, t.x1))


def check_rapidocr() -> None:
    """Start-up check: the package is installed (its models ship inside it)."""
    import importlib.util

    if importlib.util.find_spec("rapidocr_onnxruntime") is None:
        raise ModelUnavailable("ocr backend rapidocr needs the rapidocr_onnxruntime package; pip install 'kg-pipeline[ocr]'")


@backends("text reader").register("rapidocr", check=check_rapidocr)
def make_rapid_reader(min_score: float = 0.5, threads: int | None = None, max_lines: int = 50) -> RapidTextReader:
    """RapidTextReader with these settings (`threads`: onnxruntime intra-op threads, None: all cores)."""
    return RapidTextReader(min_score=min_score, threads=threads, max_lines=max_lines)
