"""Tiny random transformers models built offline (tiny configs, random weights) and saved
with `save_pretrained`, for tests that load them back by path through the real backends."""

from __future__ import annotations

from pathlib import Path

# word-level vocab for the tiny BERT-style (BLIP) tokenizer
BERT_WORDS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "photo", "of", "cat", "dog", "the", "on",
              "picture", "an", "image", "in", "with", "and"] + [f"w{i}" for i in range(30)]


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
