"""The transformers backends, loaded by path from tiny random models saved in the test (no hub access)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from pipeline.vision.hf_captioner import HFCaptioner, strip_prompt
from pipeline.vision.hf_detector import HFDetector
from pipeline.vision.types import Box, ModelUnavailable

REPO = Path(__file__).resolve().parents[2]


# ---- captioners ---------------------------------------------------------------------------------
def test_tiny_blip_captions(tiny_blip: Path, random_images: list) -> None:
    cap = HFCaptioner(str(tiny_blip), max_new_tokens=5, device="cpu")
    cap.load()
    assert cap.name == f"hf:{tiny_blip}"
    out = cap.caption(random_images)
    assert len(out) == len(random_images) and all(isinstance(c, str) for c in out)
    assert any(c for c in out)
    assert all(len(c.split()) <= 5 for c in out)
    assert cap.caption([]) == []


def test_tiny_blip_prompt_is_stripped(tiny_blip: Path, random_images: list) -> None:
    plain = HFCaptioner(str(tiny_blip), max_new_tokens=4, device="cpu", num_beams=2).caption(random_images)
    prompted = HFCaptioner(str(tiny_blip), max_new_tokens=4, device="cpu", prompt="a photo of").caption(random_images)
    assert all(isinstance(c, str) for c in plain + prompted)
    assert all(not c.startswith("a photo of") for c in prompted)


def test_batch_matches_single(tiny_blip: Path, random_images: list) -> None:
    cap = HFCaptioner(str(tiny_blip), max_new_tokens=5, device="cpu")
    assert cap.caption(random_images) == [cap.caption([im])[0] for im in random_images]


def test_tiny_vit_gpt2_captions(tiny_vit_gpt2: Path, random_images: list) -> None:
    cap = HFCaptioner(str(tiny_vit_gpt2), max_new_tokens=6, min_new_tokens=6, device="cpu")
    out = cap.caption(random_images)
    assert len(out) == 3 and all(isinstance(c, str) and c for c in out)
    assert cap._processor is None and cap._tokenizer is not None  # image processor + tokenizer fallback
    prompted = HFCaptioner(str(tiny_vit_gpt2), max_new_tokens=4, device="cpu", prompt=" a cat").caption(random_images)
    assert len(prompted) == 3 and all(isinstance(c, str) and not c.startswith("a cat") for c in prompted)


def test_tiny_git_captions_with_and_without_prompt(tiny_git: Path, random_images: list) -> None:
    plain = HFCaptioner(str(tiny_git), max_new_tokens=5, device="cpu").caption(random_images)
    prompted = HFCaptioner(str(tiny_git), max_new_tokens=5, device="cpu", prompt="a photo of").caption(random_images)
    for caps in (plain, prompted):
        assert len(caps) == 3 and all(isinstance(c, str) and c for c in caps)
        assert all(len(c.split()) <= 5 for c in caps)  # only new tokens, the prompt is not echoed
    assert all(not c.startswith("a photo of") for c in prompted)


def test_registered_captioner(tiny_blip: Path) -> None:
    from pipeline.core.registry import backends

    captioners = backends("captioner")

    cap = captioners.get("transformers")(model=str(tiny_blip), max_new_tokens=3, device="cpu")
    assert isinstance(cap, HFCaptioner)
    assert len(cap.caption([np.zeros((20, 30, 3), np.uint8)])) == 1


@pytest.mark.parametrize("model", ["nobody-here/no-such-captioner-1234", "/nonexistent/blip-folder"])
def test_unavailable_captioner_is_one_line(model: str) -> None:
    t = time.monotonic()
    with pytest.raises(ModelUnavailable) as e:
        HFCaptioner(model, device="cpu").load()
    msg = str(e.value)
    assert "\n" not in msg and repr(model) in msg and "caption.model" in msg
    if not model.startswith("/"):
        assert "caption.allow_network=true" in msg and "hf download" in msg
    assert time.monotonic() - t < 30  # local_files_only: no network wait


def test_wrong_kind_of_model_is_unavailable(tiny_detr: Path) -> None:
    with pytest.raises(ModelUnavailable) as e:
        HFCaptioner(str(tiny_detr), device="cpu").load()
    assert "\n" not in str(e.value) and str(tiny_detr) in str(e.value)


def test_strip_prompt() -> None:
    assert strip_prompt("A  photo of a cat", "a photo of") == "a cat"
    assert strip_prompt("a cat", "a photo of") == "a cat"
    assert strip_prompt(" a cat ", None) == "a cat"
    assert strip_prompt("a photo of", "a photo of") == ""


# ---- detector -----------------------------------------------------------------------------------
def test_tiny_detr_detects(tiny_detr: Path, random_images: list) -> None:
    det = HFDetector(str(tiny_detr), score_threshold=0.0, device="cpu")
    det.load()
    assert det.name == f"hf:{tiny_detr}"
    out = det.detect(random_images)
    assert len(out) == 3
    for boxes, img in zip(out, random_images):
        h, w = img.shape[:2]
        assert boxes and all(isinstance(b, Box) for b in boxes)
        assert [b.score for b in boxes] == sorted((b.score for b in boxes), reverse=True)
        for b in boxes:
            assert b.label in {"cat", "dog", "person"} and b.detector == det.name
            assert 0 <= b.x1 <= b.x2 <= w and 0 <= b.y1 <= b.y2 <= h
    assert HFDetector(str(tiny_detr), score_threshold=1.01, device="cpu").detect(random_images[:1]) == [[]]
    assert det.detect([]) == []


def test_tiny_detr_boxes_follow_input_scale(tiny_detr: Path) -> None:
    from PIL import Image

    rng = np.random.default_rng(1)
    img = rng.integers(0, 256, size=(40, 60, 3), dtype=np.uint8)
    big = np.asarray(Image.fromarray(img).resize((120, 80), Image.NEAREST))
    det = HFDetector(str(tiny_detr), score_threshold=0.0, device="cpu")
    small, large = det.detect([img]), det.detect([big])
    # the processor resizes both to the same 43x64 input, so the boxes differ only by the 2x scale
    assert small[0][0].label == large[0][0].label
    assert large[0][0].x2 == pytest.approx(2 * small[0][0].x2, rel=0.15, abs=2)


def test_unavailable_detector_is_one_line() -> None:
    with pytest.raises(ModelUnavailable) as e:
        HFDetector("nobody-here/no-such-detr-1234", device="cpu").load()
    assert "\n" not in str(e.value) and "nobody-here/no-such-detr-1234" in str(e.value)


def test_registered_detector(tiny_detr: Path) -> None:
    from pipeline.core.registry import backends

    detectors = backends("detector")

    det = detectors.get("transformers")(model=str(tiny_detr), device="cpu")
    assert isinstance(det, HFDetector)


def test_package_import_is_light() -> None:
    code = ("import sys, pipeline.vision; from pipeline.core.registry import backends; detectors, captioners = backends(\"detector\"), backends(\"captioner\"); "
            "heavy = [m for m in ('torch', 'transformers', 'onnxruntime') if m in sys.modules]; "
            "assert not heavy, heavy; "
            "assert {'onnx', 'transformers'} <= set(detectors.names()), detectors.names(); "
            "assert {'template', 'transformers'} <= set(captioners.names()), captioners.names()")
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=60)


def test_missing_local_folder_is_reported_without_importing_transformers() -> None:
    """The start-up check names a missing model folder at once: no transformers (or torch)
    import, which costs seconds, for a typo in a path; a folder that exists is still read."""
    code = ("import sys; from pipeline.vision._hf import check_available; from pipeline.vision.types import ModelUnavailable\n"
            "for kind, key in (('caption', 'caption'), ('detect', 'detect')):\n"
            "    try:\n"
            "        check_available(kind, '/no/such/model-folder', True, False, key)\n"
            "    except ModelUnavailable as e:\n"
            "        msg = str(e)\n"
            "        assert msg.startswith(kind + \" model '/no/such/model-folder' is unavailable (no such folder); \"), msg\n"
            "        assert '\\n' not in msg and key + '.model' in msg, msg\n"
            "    else:\n"
            "        raise AssertionError('no ModelUnavailable')\n"
            "heavy = [m for m in ('torch', 'transformers') if m in sys.modules]\n"
            "assert not heavy, heavy\n")
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr[-2000:]


def test_existing_folder_that_is_no_model_is_still_checked(tmp_path: Path) -> None:
    from pipeline.vision._hf import check_available

    with pytest.raises(ModelUnavailable) as e:
        check_available("caption", str(tmp_path), True, False, "caption")
    assert "\n" not in str(e.value) and str(tmp_path) in str(e.value) and "no such folder" not in str(e.value)


def test_cuda_without_gpu_is_one_line(tiny_blip: Path) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(ModelUnavailable) as e:
        HFCaptioner(str(tiny_blip), device="cuda").load()
    assert "\n" not in str(e.value) and "cuda" in str(e.value)
