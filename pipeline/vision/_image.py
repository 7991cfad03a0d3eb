"""Small image helpers shared by the vision backends (numpy + Pillow only)."""

from __future__ import annotations

import numpy as np


def as_rgb_uint8(image: np.ndarray) -> np.ndarray:
    """An HxWx3 uint8 RGB view of `image` (grey HxW / HxWx1 is repeated, RGBA loses alpha).

    Raises ValueError for anything that is not a 2-D or 3-D array with 1, 3 or 4 channels.
    """
    a = np.asarray(image)
    if a.ndim == 2:
        a = a[:, :, None]
    if a.ndim != 3 or a.shape[2] not in (1, 3, 4) or a.shape[0] == 0 or a.shape[1] == 0:
        raise ValueError(f"expected an HxWx3 RGB image, got an array of shape {a.shape}")
    if a.shape[2] == 1:
        a = np.repeat(a, 3, axis=2)
    elif a.shape[2] == 4:
        a = a[:, :, :3]
    if a.dtype != np.uint8:
        if np.issubdtype(a.dtype, np.floating) and a.size and float(np.nanmax(a)) <= 1.0:
            a = a * 255.0
        a = np.clip(np.nan_to_num(a), 0, 255).astype(np.uint8)
    return a


def resolve_device(device: str) -> str:
    """'auto' -> 'cuda' when torch sees a GPU, else 'cpu'; anything else is returned as given."""
    if device != "auto":
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"
