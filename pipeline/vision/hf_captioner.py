"""Image captioning with a Hugging Face transformers model (BLIP, BLIP-2, GIT, ViT-GPT2, ...)."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from pipeline.core.registry import backends
from pipeline.vision._hf import check_available, check_dtype, pick_device, torch_dtype, unavailable_message
from pipeline.vision._image import as_rgb_uint8
from pipeline.vision.types import Box, ModelUnavailable


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def strip_prompt(text: str, prompt: str | None) -> str:
    """`text` without a leading copy of `prompt` (case and whitespace ignored), trimmed."""
    text = text.strip()
    if not prompt:
        return text
    p = _norm(prompt)
    if not p or not _norm(text).startswith(p):
        return text
    # walk `text` until its normalised prefix covers the prompt
    seen = 0
    for i, ch in enumerate(text):
        if _norm(text[: i + 1]) == p:
            seen = i + 1
            break
    return text[seen:].strip(" \t\n,:;-") if seen else text


class HFCaptioner:
    """Batched `generate` with any transformers image-to-text model that loads without remote code.

    Tries AutoModelForImageTextToText (BLIP, BLIP-2, GIT, VisionEncoderDecoder in transformers 5),
    then AutoModelForVision2Seq where that still exists; inputs through AutoProcessor, or an image
    processor + tokenizer pair for VisionEncoderDecoder checkpoints. `prompt` (if any) is fed to the
    model and removed from the captions. With `local_files_only` (default) nothing is downloaded.
    """

    def __init__(
        self,
        model: str,
        max_new_tokens: int = 30,
        num_beams: int = 1,
        prompt: str | None = None,
        device: str = "auto",
        dtype: str = "auto",
        local_files_only: bool = True,
        trust_remote_code: bool = False,
        min_new_tokens: int | None = None,
    ) -> None:
        self.model_id = str(model)
        self.name = f"hf:{self.model_id}"
        self.max_new_tokens = int(max_new_tokens)
        self.min_new_tokens = min_new_tokens
        self.num_beams = int(num_beams)
        self.prompt = prompt or None
        self.device = device
        self.dtype = check_dtype(dtype)
        self.local_files_only = local_files_only
        self.trust_remote_code = trust_remote_code
        self._model: Any = None
        self._processor: Any = None  # a combined processor, or None
        self._image_processor: Any = None
        self._tokenizer: Any = None
        self._device: str = "cpu"
        self._dtype: Any = None

    # ---- loading -------------------------------------------------------------------------------
    def _load_model(self, config: Any, kw: dict) -> Any:
        import transformers

        if config.model_type == "vision-encoder-decoder":
            classes = [transformers.VisionEncoderDecoderModel]
        else:
            classes = [getattr(transformers, n) for n in ("AutoModelForImageTextToText", "AutoModelForVision2Seq")
                       if hasattr(transformers, n)]
        errors: list[BaseException] = []
        for cls in classes:
            try:
                return cls.from_pretrained(self.model_id, config=config, use_safetensors=True, dtype=self._dtype, **kw)
            except ValueError as e:  # "Unrecognized configuration class ..." -> try the next auto class
                errors.append(e)
        raise errors[-1] if errors else ValueError(f"no image-to-text model class for {config.model_type!r}")

    def _load_inputs(self, kw: dict) -> None:
        from transformers import AutoImageProcessor, AutoProcessor, AutoTokenizer

        proc = None
        try:
            proc = AutoProcessor.from_pretrained(self.model_id, **kw)
        except (OSError, ValueError, KeyError, TypeError):
            proc = None
        if getattr(proc, "image_processor", None) is not None and getattr(proc, "tokenizer", None) is not None:
            self._processor = proc
            self._image_processor, self._tokenizer = proc.image_processor, proc.tokenizer
            return
        # VisionEncoderDecoder checkpoints often save an image processor and a tokenizer but no processor
        self._image_processor = AutoImageProcessor.from_pretrained(self.model_id, **kw)
        self._tokenizer = AutoTokenizer.from_pretrained(self.model_id, **kw)

    def load(self) -> None:
        """Load processor/tokenizer and weights (safetensors only); one-line ModelUnavailable when they cannot be had."""
        if self._model is not None:
            return
        from transformers import AutoConfig

        try:
            self._device = pick_device(self.device)
        except ValueError as e:
            raise ModelUnavailable(f"caption model {self.model_id!r}: {e}; use device='auto' or 'cpu'") from e
        self._dtype = torch_dtype(self.dtype, self._device)
        kw = dict(local_files_only=self.local_files_only, trust_remote_code=self.trust_remote_code)
        try:
            config = AutoConfig.from_pretrained(self.model_id, **kw)
            model = self._load_model(config, kw)
            self._load_inputs(kw)
        except (OSError, ValueError, KeyError, ImportError, TypeError) as e:
            raise ModelUnavailable(
                unavailable_message("caption", self.model_id, e, "caption", self.local_files_only)
            ) from e
        model.to(self._device).eval()
        self._model = model

    # ---- captioning ----------------------------------------------------------------------------
    def _inputs(self, pil: list) -> dict:
        n = len(pil)
        if self._processor is not None:
            if self.prompt:
                enc = self._processor(images=pil, text=[self.prompt] * n, return_tensors="pt", padding=True)
            else:
                enc = self._processor(images=pil, return_tensors="pt")
        else:
            enc = dict(self._image_processor(images=pil, return_tensors="pt"))
            if self.prompt:
                tok = self._tokenizer([self.prompt] * n, return_tensors="pt", add_special_tokens=False)
                enc["decoder_input_ids"] = tok["input_ids"]
        named = self._forward_args()
        out = {}
        for k, v in dict(enc).items():
            if not hasattr(v, "to") or (k == "token_type_ids" and k not in named):
                continue  # BERT tokenizers add token_type_ids, which e.g. GIT's generate rejects
            out[k] = v.to(self._device, self._dtype) if v.is_floating_point() else v.to(self._device)
        sep = getattr(self._tokenizer, "sep_token_id", None)
        ids = out.get("input_ids")
        is_git = self._model.config.model_type == "git"
        if is_git and ids is not None and sep is not None and bool((ids[:, -1] == sep).all()):
            # GIT continues the prompt: a trailing [SEP] would read as end-of-text
            out["input_ids"] = ids[:, :-1]
            if "attention_mask" in out:
                out["attention_mask"] = out["attention_mask"][:, :-1]
        return out

    def _forward_args(self) -> set[str]:
        """Names the model's forward() declares (not counting **kwargs)."""
        import inspect

        params = inspect.signature(self._model.forward).parameters
        return {n for n, p in params.items() if p.kind is not inspect.Parameter.VAR_KEYWORD}

    def _gen_kwargs(self) -> dict:
        kw: dict = {"max_new_tokens": self.max_new_tokens, "num_beams": self.num_beams, "do_sample": False}
        if self.min_new_tokens:
            kw["min_new_tokens"] = int(self.min_new_tokens)
        tok = self._tokenizer
        gen_cfg = getattr(self._model, "generation_config", None)
        if tok is not None and gen_cfg is not None and gen_cfg.pad_token_id is None:
            pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
            if pad is not None:
                kw["pad_token_id"] = pad
        return kw

    def caption(self, images: Sequence[np.ndarray], boxes: Sequence[Sequence[Box]] | None = None) -> list[str]:
        """One caption per image (prompt removed); `boxes` is ignored. Loads the model on first use."""
        if self._model is None:
            self.load()
        if len(images) == 0:
            return []
        import torch
        from PIL import Image

        pil = [Image.fromarray(as_rgb_uint8(im)) for im in images]
        inputs = self._inputs(pil)
        prompt_ids = inputs["input_ids"].clone() if "input_ids" in inputs else None  # generate may edit it in place
        with torch.inference_mode():
            ids = self._model.generate(**inputs, **self._gen_kwargs())
        # decoder-only models (GIT, BLIP-2/OPT) may echo the prompt ids: cut them when they lead the output
        if prompt_ids is not None and ids.shape[1] >= prompt_ids.shape[1] and torch.equal(
            ids[:, : prompt_ids.shape[1]], prompt_ids
        ):
            ids = ids[:, prompt_ids.shape[1]:]
        decode = self._processor.batch_decode if self._processor is not None else self._tokenizer.batch_decode
        texts = decode(ids, skip_special_tokens=True)
        return [strip_prompt(t, self.prompt) for t in texts]


def check_hf_captioner(model: str = "", allow_network: bool = False, trust_remote_code: bool = False) -> None:
    """Start-up check: the model's config can be read as things stand (ModelUnavailable if not)."""
    check_available("caption", model, not allow_network, trust_remote_code, "caption")


@backends("captioner").register("transformers", check=check_hf_captioner)
def make_hf_captioner(
    model: str,
    max_new_tokens: int = 30,
    num_beams: int = 1,
    prompt: str | None = None,
    device: str = "auto",
    dtype: str = "auto",
    allow_network: bool = False,
    trust_remote_code: bool = False,
    min_new_tokens: int | None = None,
) -> HFCaptioner:
    """HFCaptioner with these settings (`allow_network`: may download from the hub)."""
    if not model:
        raise ModelUnavailable("caption.backend=transformers needs caption.model (a hub id or a local folder)")
    return HFCaptioner(model, max_new_tokens=max_new_tokens, num_beams=num_beams, prompt=prompt, device=device,
                       dtype=dtype, local_files_only=not allow_network, trust_remote_code=trust_remote_code,
                       min_new_tokens=min_new_tokens)
