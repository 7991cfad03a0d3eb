"""The real CenterNet ONNX detector on real rgb_photos."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeline.vision.onnx_detector import OnnxDetector, batched_nms, nms
from pipeline.vision.types import Box, ModelUnavailable


@pytest.fixture(scope="module")
def detector(centernet_model: Path) -> OnnxDetector:
    det = OnnxDetector(centernet_model, device="cpu", intra_op_threads=2)
    det.load()
    return det


def test_astronaut_has_a_person(detector: OnnxDetector, rgb_photos: dict) -> None:
    img = rgb_photos["astronaut"]
    (boxes,) = detector.detect([img])
    assert boxes, "no detections on the astronaut photo"
    persons = [b for b in boxes if b.label == "person"]
    assert persons and persons[0].score >= 0.3
    assert all(isinstance(b, Box) and b.detector == "onnx-centernet" for b in boxes)
    assert [b.score for b in boxes] == sorted((b.score for b in boxes), reverse=True)
    p = persons[0]
    assert p.area > 0.25 * img.shape[0] * img.shape[1]  # the astronaut fills most of the frame


def test_boxes_follow_the_input_scale(detector: OnnxDetector, rgb_photos: dict) -> None:
    from PIL import Image

    img = rgb_photos["coffee"]  # 400x600, not square
    h, w = img.shape[:2]
    big = np.asarray(Image.fromarray(img).resize((w * 2, h * 2), Image.BILINEAR))
    small, large = detector.detect([img, big])
    assert small and large
    for boxes, (hh, ww) in ((small, (h, w)), (large, (2 * h, 2 * w))):
        for b in boxes:
            assert 0 <= b.x1 < b.x2 <= ww and 0 <= b.y1 < b.y2 <= hh
    a, b = small[0], large[0]
    assert a.label == b.label
    for va, vb in ((a.x1, b.x1), (a.y1, b.y1), (a.x2, b.x2), (a.y2, b.y2)):
        assert vb == pytest.approx(2 * va, abs=8.0)


def test_batch_equals_single_calls(detector: OnnxDetector, rgb_photos: dict) -> None:
    imgs = [rgb_photos["astronaut"], rgb_photos["chelsea"], rgb_photos["coffee"]]
    batched = detector.detect(imgs)
    single = [detector.detect([im])[0] for im in imgs]
    assert batched == single
    assert detector.detect([]) == []


def test_thresholds_and_cap(centernet_model: Path, rgb_photos: dict) -> None:
    loose = OnnxDetector(centernet_model, score_threshold=0.01, device="cpu", max_detections=100).detect(
        [rgb_photos["astronaut"]])[0]
    capped = OnnxDetector(centernet_model, score_threshold=0.01, device="cpu", max_detections=3).detect(
        [rgb_photos["astronaut"]])[0]
    strict = OnnxDetector(centernet_model, score_threshold=0.99, device="cpu").detect([rgb_photos["astronaut"]])[0]
    assert len(loose) > 3 and capped == loose[:3] and strict == []


def test_grey_and_rgba_inputs(detector: OnnxDetector, rgb_photos: dict) -> None:
    img = rgb_photos["astronaut"]
    grey = img.mean(axis=2).astype(np.uint8)
    rgba = np.concatenate([img, np.full(img.shape[:2] + (1,), 255, np.uint8)], axis=2)
    g, r = detector.detect([grey, rgba])
    assert r == detector.detect([img])[0]
    assert all(0 <= b.x2 <= img.shape[1] for b in g)


def test_missing_model_file_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "centernet_coco.onnx"
    with pytest.raises(ModelUnavailable) as e:
        OnnxDetector(missing).load()
    msg = str(e.value)
    assert "\n" not in msg and str(missing) in msg and "kg models build" in msg and "KG_MODEL_DIR" in msg


def test_corrupt_model_file_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "centernet_coco.onnx"
    bad.write_bytes(b"not an onnx file")
    with pytest.raises(ModelUnavailable) as e:
        OnnxDetector(bad, device="cpu").load()
    assert "\n" not in str(e.value) and str(bad) in str(e.value)


def test_nms_per_class() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 1, 10, 10], [0, 0, 10, 10], [50, 50, 60, 60]], dtype=float)
    scores = np.array([0.9, 0.8, 0.7, 0.6])
    assert nms(boxes, scores, 0.5).tolist() == [0, 3]
    assert nms(boxes[:2], scores[:2], 0.5).tolist() == [0]
    assert nms(boxes[:2], scores[:2], 0.95).tolist() == [0, 1]
    classes = np.array([0, 0, 1, 0])
    # the class-1 box overlaps box 0 fully but survives: NMS is per class
    assert batched_nms(boxes, scores, classes, 0.5).tolist() == [0, 2, 3]


def test_registered_factory_uses_model_dir(centernet_model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.core.registry import backends

    detectors = backends("detector")

    monkeypatch.setenv("KG_MODEL_DIR", str(centernet_model.parent))
    det = detectors.get("onnx")(device="cpu")
    assert isinstance(det, OnnxDetector) and det.model_path == centernet_model
