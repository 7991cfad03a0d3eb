"""GPU checks: the transformers and ONNX backends on CUDA in half precision; skipped without a CUDA GPU."""

from __future__ import annotations

from pathlib import Path

import pytest


def _cuda() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not _cuda(), reason="needs a CUDA GPU")]


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_blip_half_on_cuda(tiny_blip: Path, random_images: list, dtype: str) -> None:
    import torch

    from pipeline.vision.hf_captioner import HFCaptioner

    cap = HFCaptioner(str(tiny_blip), max_new_tokens=5, device="cuda", dtype=dtype)
    cap.load()
    assert next(cap._model.parameters()).dtype == getattr(torch, dtype)
    assert next(cap._model.parameters()).device.type == "cuda"
    out = cap.caption(random_images)
    assert len(out) == 3 and all(isinstance(c, str) for c in out)


def test_auto_device_picks_cuda_in_half(tiny_vit_gpt2: Path, random_images: list) -> None:
    import torch

    from pipeline.vision.hf_captioner import HFCaptioner

    cap = HFCaptioner(str(tiny_vit_gpt2), max_new_tokens=4)
    cap.load()
    p = next(cap._model.parameters())
    assert p.device.type == "cuda" and p.dtype in (torch.float16, torch.bfloat16)
    assert all(isinstance(c, str) for c in cap.caption(random_images))


def test_detr_fp16_on_cuda_matches_cpu(tiny_detr: Path, random_images: list) -> None:
    from pipeline.vision.hf_detector import HFDetector

    gpu = HFDetector(str(tiny_detr), score_threshold=0.0, device="cuda", dtype="float16").detect(random_images)
    cpu = HFDetector(str(tiny_detr), score_threshold=0.0, device="cpu").detect(random_images)
    assert [len(b) for b in gpu] == [len(b) for b in cpu]
    # every half-precision box has a float32 twin (same label, close score and corners); order may differ on ties
    for g_boxes, c_boxes in zip(gpu, cpu):
        for g in g_boxes:
            assert any(g.label == c.label and abs(g.score - c.score) < 0.05
                       and max(abs(g.x1 - c.x1), abs(g.y1 - c.y1), abs(g.x2 - c.x2), abs(g.y2 - c.y2)) < 3
                       for c in c_boxes), g


def test_onnx_detector_on_cuda_if_provider(centernet_model: Path) -> None:
    ort = pytest.importorskip("onnxruntime")
    data = pytest.importorskip("skimage.data")

    from pipeline.vision.onnx_detector import OnnxDetector

    if "CUDAExecutionProvider" not in ort.get_available_providers():
        pytest.skip("onnxruntime has no CUDAExecutionProvider (install onnxruntime-gpu)")
    det = OnnxDetector(centernet_model, device="cuda")
    det.load()
    assert det.providers[0] == "CUDAExecutionProvider"
    boxes = det.detect([data.astronaut()])[0]
    assert any(b.label == "person" and b.score >= 0.3 for b in boxes)
