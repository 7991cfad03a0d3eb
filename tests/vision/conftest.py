"""Fixtures for the vision tests: the real CenterNet ONNX file and tiny random transformers models saved to disk."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
CENTERNET = "centernet_coco.onnx"

# word-level vocab for the tiny BERT-style (BLIP) tokenizer
BERT_WORDS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "photo", "of", "cat", "dog", "the", "on",
              "picture", "an", "image", "in", "with", "and"] + [f"w{i}" for i in range(30)]


def find_centernet() -> Path | None:
    """$KG_MODEL_DIR/centernet_coco.onnx, else <repo>/../shared/models/centernet_coco.onnx, else None."""
    env = os.environ.get("KG_MODEL_DIR")
    candidates = ([Path(env) / CENTERNET] if env else []) + [REPO.parent / "shared" / "models" / CENTERNET]
    return next((p for p in candidates if p.is_file()), None)


@pytest.fixture(scope="session")
def centernet_model() -> Path:
    path = find_centernet()
    if path is None:
        pytest.skip(f"no {CENTERNET} in $KG_MODEL_DIR or {REPO.parent / 'shared' / 'models'}; "
                    f"make one with `python -m pipeline.vision.model_build`")
    return path


@pytest.fixture(scope="session")
def rgb_photos() -> dict[str, np.ndarray]:
    """Real photos shipped with scikit-image (RGB uint8)."""
    from skimage import data

    return {"astronaut": data.astronaut(), "coffee": data.coffee(), "chelsea": data.chelsea()}


@pytest.fixture()
def random_images() -> list[np.ndarray]:
    """Three small RGB uint8 images of different sizes."""
    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8) for h, w in [(40, 50), (64, 48), (33, 77)]]


def build_tiny_blip(dest: Path) -> Path:
    """A random BLIP captioner (hidden 32, 1 layer, 32-px images) with a BERT tokenizer, saved to `dest`."""
    import torch
    from transformers import BertTokenizer, BlipConfig, BlipForConditionalGeneration, BlipImageProcessor, BlipProcessor

    tok = BertTokenizer(vocab={w: i for i, w in enumerate(BERT_WORDS)})
    proc = BlipProcessor(image_processor=BlipImageProcessor(size={"height": 32, "width": 32}), tokenizer=tok)
    cfg = BlipConfig(
        vision_config=dict(hidden_size=32, intermediate_size=37, num_hidden_layers=1, num_attention_heads=2,
                           image_size=32, patch_size=8),
        text_config=dict(vocab_size=len(BERT_WORDS), hidden_size=32, intermediate_size=37, num_hidden_layers=1,
                         num_attention_heads=2, max_position_embeddings=64, encoder_hidden_size=32,
                         bos_token_id=2, eos_token_id=3, sep_token_id=3, pad_token_id=0),
        projection_dim=32,
    )
    torch.manual_seed(0)
    BlipForConditionalGeneration(cfg).save_pretrained(dest)
    proc.save_pretrained(dest)
    return dest


def build_tiny_vit_gpt2(dest: Path) -> Path:
    """A random ViT encoder + GPT-2 decoder (VisionEncoderDecoder) with a tiny byte-level BPE tokenizer.

    Saves an image processor and a tokenizer but no combined processor, as ViT-GPT2 checkpoints do.
    """
    import torch
    from transformers import (GPT2Config, GPT2Tokenizer, ViTConfig, ViTImageProcessor, VisionEncoderDecoderConfig,
                              VisionEncoderDecoderModel)

    vocab = {"<|endoftext|>": 0}
    for ch in list("abcdefghijklmnopqrstuvwxyz") + ["Ġ"]:
        vocab.setdefault(ch, len(vocab))
    merges = [("Ġ", "a"), ("Ġ", "c"), ("c", "a"), ("a", "t"), ("Ġc", "at"), ("Ġ", "d"), ("o", "g"), ("Ġd", "og")]
    for a, b in merges:
        vocab.setdefault(a + b, len(vocab))
    tok = GPT2Tokenizer(vocab=vocab, merges=merges)
    enc = ViTConfig(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=37,
                    image_size=32, patch_size=8)
    dec = GPT2Config(vocab_size=len(vocab), n_embd=32, n_layer=1, n_head=2, n_positions=64,
                     add_cross_attention=True, is_decoder=True, bos_token_id=0, eos_token_id=0)
    cfg = VisionEncoderDecoderConfig.from_encoder_decoder_configs(enc, dec)
    cfg.decoder_start_token_id = 0
    cfg.pad_token_id = 0
    cfg.eos_token_id = 0
    torch.manual_seed(0)
    VisionEncoderDecoderModel(config=cfg).save_pretrained(dest)
    ViTImageProcessor(size={"height": 32, "width": 32}).save_pretrained(dest)
    tok.save_pretrained(dest)
    return dest


def build_tiny_git(dest: Path) -> Path:
    """A random GIT captioner (decoder-only text model over image tokens) with a BERT tokenizer, saved to `dest`."""
    import torch
    from transformers import BertTokenizer, CLIPImageProcessor, GitConfig, GitForCausalLM, GitProcessor

    tok = BertTokenizer(vocab={w: i for i, w in enumerate(BERT_WORDS)})
    proc = GitProcessor(image_processor=CLIPImageProcessor(size={"shortest_edge": 32},
                                                           crop_size={"height": 32, "width": 32}), tokenizer=tok)
    cfg = GitConfig(vision_config=dict(hidden_size=32, intermediate_size=37, num_hidden_layers=1,
                                       num_attention_heads=2, image_size=32, patch_size=8),
                    vocab_size=len(BERT_WORDS), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                    intermediate_size=37, max_position_embeddings=64, bos_token_id=2, eos_token_id=3, pad_token_id=0)
    torch.manual_seed(0)
    GitForCausalLM(cfg).save_pretrained(dest)
    proc.save_pretrained(dest)
    return dest


DETR_LABELS = {0: "cat", 1: "dog", 2: "person"}


def build_tiny_detr(dest: Path) -> Path:
    """A random DETR (tiny ResNet backbone built from config, no timm, no pretrained weights), saved to `dest`."""
    import torch
    from transformers import DetrConfig, DetrForObjectDetection, DetrImageProcessor, ResNetConfig

    backbone = ResNetConfig(embedding_size=8, hidden_sizes=[8, 16], depths=[1, 1], out_features=["stage2"])
    cfg = DetrConfig(use_timm_backbone=False, use_pretrained_backbone=False, backbone_config=backbone, d_model=32,
                     encoder_layers=1, decoder_layers=1, encoder_attention_heads=2, decoder_attention_heads=2,
                     encoder_ffn_dim=32, decoder_ffn_dim=32, num_queries=10,
                     id2label=DETR_LABELS, label2id={v: k for k, v in DETR_LABELS.items()})
    torch.manual_seed(0)
    DetrForObjectDetection(cfg).save_pretrained(dest)
    DetrImageProcessor(size={"shortest_edge": 48, "longest_edge": 64}).save_pretrained(dest)
    return dest


@pytest.fixture(scope="session")
def tiny_blip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_blip(tmp_path_factory.mktemp("tiny-blip"))


@pytest.fixture(scope="session")
def tiny_vit_gpt2(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_vit_gpt2(tmp_path_factory.mktemp("tiny-vit-gpt2"))


@pytest.fixture(scope="session")
def tiny_git(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_git(tmp_path_factory.mktemp("tiny-git"))


@pytest.fixture(scope="session")
def tiny_detr(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_detr(tmp_path_factory.mktemp("tiny-detr"))
