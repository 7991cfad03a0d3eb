"""Plain records and interfaces shared by the vision models (no Ray, no stages)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

import numpy as np


@dataclass(frozen=True)
class Box:
    """One detection, in the pixel coordinates of the image that was passed to `detect`."""

    label: str
    score: float
    x1: float
    y1: float
    x2: float
    y2: float
    detector: str

    def scaled(self, sx: float, sy: float) -> "Box":
        """The same box with x scaled by `sx` and y by `sy`."""
        return Box(self.label, self.score, self.x1 * sx, self.y1 * sy, self.x2 * sx, self.y2 * sy, self.detector)

    @property
    def area(self) -> float:
        return max(0.0, self.x2 - self.x1) * max(0.0, self.y2 - self.y1)


class Detector(Protocol):
    """Finds objects: RGB uint8 HxWx3 arrays in, one list of boxes per image out."""

    name: str

    def load(self) -> None:
        """Load weights; raise ModelUnavailable with one clear line when they cannot be had."""

    def detect(self, images: Sequence[np.ndarray]) -> list[list[Box]]:
        """Boxes per image, in that image's pixel coordinates, best score first."""


class Captioner(Protocol):
    """Writes captions: RGB uint8 HxWx3 arrays (and optional boxes) in, one string per image out."""

    name: str

    def load(self) -> None:
        """Load weights; raise ModelUnavailable with one clear line when they cannot be had."""

    def caption(self, images: Sequence[np.ndarray], boxes: Sequence[Sequence[Box]] | None = None) -> list[str]:
        """One caption per image ('' when the model has nothing to say)."""


class ModelUnavailable(RuntimeError):
    """A model could not be loaded; the message is one line naming the model and how to provide it."""
