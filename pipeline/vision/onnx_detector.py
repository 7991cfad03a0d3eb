"""COCO-80 object detector: the CenterNet (MobileNetV3) ONNX model run with onnxruntime."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from pipeline.core.registry import backends
from pipeline.vision._image import as_rgb_uint8
from pipeline.vision.model_store import coco_labels
from pipeline.vision.types import Box, ModelUnavailable

INPUT_SIZE = 512


def nms(boxes: np.ndarray, scores: np.ndarray, iou: float) -> np.ndarray:
    """Greedy non-maximum suppression: [N,4] x1,y1,x2,y2 and [N] scores in, kept indices out (best first)."""
    if len(boxes) == 0:
        return np.zeros(0, dtype=np.int64)
    x1, y1, x2, y2 = boxes[:, 0], boxes[:, 1], boxes[:, 2], boxes[:, 3]
    areas = np.maximum(0.0, x2 - x1) * np.maximum(0.0, y2 - y1)
    order = np.argsort(-scores, kind="stable")
    keep: list[int] = []
    while order.size:
        i = int(order[0])
        keep.append(i)
        rest = order[1:]
        w = np.maximum(0.0, np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]))
        h = np.maximum(0.0, np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]))
        inter = w * h
        union = areas[i] + areas[rest] - inter
        overlap = np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)
        order = rest[overlap <= iou]
    return np.asarray(keep, dtype=np.int64)


def batched_nms(boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray, iou: float) -> np.ndarray:
    """Per-class NMS: indices kept within each class, merged and sorted by score (best first)."""
    keep: list[np.ndarray] = []
    for c in np.unique(classes):
        idx = np.flatnonzero(classes == c)
        keep.append(idx[nms(boxes[idx], scores[idx], iou)])
    if not keep:
        return np.zeros(0, dtype=np.int64)
    k = np.concatenate(keep)
    return k[np.argsort(-scores[k], kind="stable")]


class OnnxDetector:
    """CenterNet COCO-80 ONNX detector.

    Images (RGB uint8 HxWx3, any size) are resized to 512x512, run one at a time (the graph's batch
    dimension is fixed at 1), filtered by `score_threshold`, de-duplicated per class by NMS at
    `nms_iou`, capped at `max_detections` and rescaled to each input image's pixels.
    """

    name = "onnx-centernet"

    def __init__(
        self,
        model_path: str | Path,
        score_threshold: float = 0.3,
        nms_iou: float = 0.5,
        max_detections: int = 50,
        device: str = "auto",
        intra_op_threads: int | None = None,
    ) -> None:
        if device not in ("auto", "cpu", "cuda"):
            raise ValueError(f"device must be 'auto', 'cpu' or 'cuda', not {device!r}")
        self.model_path = Path(model_path).expanduser()
        self.score_threshold = float(score_threshold)
        self.nms_iou = float(nms_iou)
        self.max_detections = int(max_detections)
        self.device = device
        self.intra_op_threads = intra_op_threads
        self.labels = coco_labels()
        self._session: Any = None
        self._input: str = ""
        self._output: str = ""
        self._batch: int | None = 1
        self.providers: list[str] = []

    def load(self) -> None:
        """Open the ONNX session (CUDA provider when available and allowed); ModelUnavailable if the file is missing."""
        if self._session is not None:
            return
        if not self.model_path.is_file():
            raise ModelUnavailable(
                f"CenterNet detector model not found at {self.model_path}; "
                f"run `kg models build` to make it, or set $KG_MODEL_DIR to a folder holding centernet_coco.onnx"
            )
        import onnxruntime as ort

        available = ort.get_available_providers()
        if self.device == "cuda" and "CUDAExecutionProvider" not in available:
            raise ModelUnavailable(
                f"device='cuda' asked for {self.model_path.name} but onnxruntime has no CUDAExecutionProvider "
                f"(install onnxruntime-gpu, or use device='auto'/'cpu')"
            )
        providers = ["CPUExecutionProvider"]
        if self.device in ("auto", "cuda") and "CUDAExecutionProvider" in available:
            providers.insert(0, "CUDAExecutionProvider")
        opts = ort.SessionOptions()
        # no busy-waiting: in a pipeline the detector shares its cores with other workers
        opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
        opts.inter_op_num_threads = 1
        if self.intra_op_threads:
            opts.intra_op_num_threads = int(self.intra_op_threads)
        try:
            sess = ort.InferenceSession(str(self.model_path), sess_options=opts, providers=providers)
        except Exception as e:  # corrupt / truncated file
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise ModelUnavailable(
                f"cannot open CenterNet model {self.model_path}: {first}; rebuild it with `kg models build`"
            ) from e
        inp = sess.get_inputs()[0]
        outs = [o.name for o in sess.get_outputs()]
        self._output = next((n for n in outs if n.endswith("detections")), outs[-1])
        self._input = inp.name
        b = inp.shape[0] if inp.shape else None
        self._batch = b if isinstance(b, int) else None  # None: dynamic batch, stack images
        self.providers = sess.get_providers()
        self._session = sess

    def _prepare(self, image: np.ndarray) -> tuple[np.ndarray, float, float]:
        from PIL import Image

        rgb = as_rgb_uint8(image)
        h, w = rgb.shape[:2]
        if (h, w) != (INPUT_SIZE, INPUT_SIZE):
            rgb = np.asarray(Image.fromarray(rgb).resize((INPUT_SIZE, INPUT_SIZE), Image.BILINEAR))
        return rgb.astype(np.float32), w / INPUT_SIZE, h / INPUT_SIZE

    def _decode(self, det: np.ndarray, sx: float, sy: float) -> list[Box]:
        det = det[np.isfinite(det).all(axis=1)]
        det = det[det[:, 4] >= self.score_threshold]
        if len(det) == 0:
            return []
        xyxy = np.clip(det[:, :4].astype(np.float64), 0.0, float(INPUT_SIZE))
        scores = det[:, 4].astype(np.float64)
        classes = det[:, 5].astype(np.int64)
        valid = (classes >= 0) & (classes < len(self.labels)) & (xyxy[:, 2] > xyxy[:, 0]) & (xyxy[:, 3] > xyxy[:, 1])
        xyxy, scores, classes = xyxy[valid], scores[valid], classes[valid]
        keep = batched_nms(xyxy, scores, classes, self.nms_iou)[: self.max_detections]
        return [
            Box(
                label=self.labels[classes[i]],
                score=float(scores[i]),
                x1=float(xyxy[i, 0] * sx),
                y1=float(xyxy[i, 1] * sy),
                x2=float(xyxy[i, 2] * sx),
                y2=float(xyxy[i, 3] * sy),
                detector=self.name,
            )
            for i in keep
        ]

    def detect(self, images: Sequence[np.ndarray]) -> list[list[Box]]:
        """Boxes per image (input pixel coordinates, best score first); loads the model on first use."""
        if self._session is None:
            self.load()
        out: list[list[Box]] = []
        prepared = [self._prepare(im) for im in images]
        step = self._batch or max(1, len(prepared))
        for start in range(0, len(prepared), step):
            chunk = prepared[start : start + step]
            batch = np.stack([p[0] for p in chunk])
            (dets,) = self._session.run([self._output], {self._input: batch})
            for (_, sx, sy), det in zip(chunk, dets):
                out.append(self._decode(np.asarray(det), sx, sy))
        return out


def check_onnx(model: str = "") -> None:
    """Start-up check: the ONNX file exists (ModelUnavailable with one line if not)."""
    from pipeline.vision.model_store import centernet_path

    path = Path(model or centernet_path())
    if not path.is_file():
        raise ModelUnavailable(f"ONNX detector {path} not found; run `kg models ensure` (or `kg models build`), "
                               f"set $KG_MODEL_DIR, or --set detect.model=/path/to/model.onnx")


@backends("detector").register("onnx", check=check_onnx)
def make_onnx_detector(
    model: str | Path | None = None,
    score_threshold: float = 0.3,
    nms_iou: float = 0.5,
    max_detections: int = 50,
    device: str = "auto",
    threads: int | None = None,
) -> OnnxDetector:
    """OnnxDetector at the file `model` (None or '': model_store.centernet_path()); `threads`:
    onnxruntime intra-op threads (None: all cores)."""
    from pipeline.vision.model_store import centernet_path

    return OnnxDetector(
        model or centernet_path(),
        score_threshold=score_threshold,
        nms_iou=nms_iou,
        max_detections=max_detections,
        device=device,
        intra_op_threads=threads,
    )
