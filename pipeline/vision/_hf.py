"""Helpers shared by the transformers backends: device/dtype choice and one-line load errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.vision._image import resolve_device

_DTYPES = ("auto", "float32", "float16", "bfloat16", "fp32", "fp16", "bf16")


def check_dtype(dtype: str) -> str:
    """Validate a dtype name; returns it unchanged."""
    if dtype not in _DTYPES:
        raise ValueError(f"dtype must be one of {', '.join(_DTYPES)}, not {dtype!r}")
    return dtype


def torch_dtype(dtype: str, device: str) -> Any:
    """The torch dtype for a name: 'auto' is bf16 (fp16 where bf16 is unsupported) on CUDA, fp32 on CPU."""
    import torch

    named = {"float32": torch.float32, "fp32": torch.float32, "float16": torch.float16, "fp16": torch.float16,
             "bfloat16": torch.bfloat16, "bf16": torch.bfloat16}
    if dtype != "auto":
        return named[dtype]
    if device.startswith("cuda"):
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float32


def pick_device(device: str) -> str:
    """'auto' -> 'cuda' when available else 'cpu'; 'cuda' without a GPU raises ValueError."""
    dev = resolve_device(device)
    if dev.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            raise ValueError(f"device={device!r} but torch sees no CUDA GPU")
    return dev


def is_local(model: str) -> bool:
    """True when `model` names an existing local folder (or looks like a filesystem path)."""
    p = Path(model).expanduser()
    return p.exists() or model.startswith(("/", "./", "../", "~"))


def first_line(e: BaseException) -> str:
    """The first non-empty line of an exception's message (or its type name)."""
    for line in str(e).splitlines():
        if line.strip():
            return line.strip().rstrip(".")
    return type(e).__name__


def unavailable_message(kind: str, model: str, e: BaseException, config_key: str, local_files_only: bool) -> str:
    """One line naming the model, why it failed and the ways to provide it."""
    local = is_local(model)
    if local and not Path(model).expanduser().exists():
        why = "no such folder"
    else:
        why = first_line(e)
    if local:
        ways = (f"point --set {config_key}.model at a folder written by save_pretrained "
                f"(config.json, model.safetensors and the processor/tokenizer files)")
    else:
        ways = (f"give a local folder with --set {config_key}.model=/path/to/model, "
                f"or pre-download it into the Hugging Face cache on a networked machine "
                f"(`hf download {model}`, then copy ~/.cache/huggingface)")
        if local_files_only:
            ways += f", or allow downloads with --set {config_key}.allow_network=true"
    return f"{kind} model {model!r} is unavailable ({why}); {ways}"


def check_available(kind: str, model: str, local_files_only: bool, trust_remote_code: bool, config_key: str) -> None:
    """Cheap start-up check (reads the model's config only): raise ModelUnavailable with one
    line when `model` cannot be loaded as things stand. A local folder that does not exist is
    reported without importing transformers (seconds of start-up for a typo)."""
    from pipeline.vision.types import ModelUnavailable

    if not model:
        raise ModelUnavailable(f"{config_key}.backend=transformers needs {config_key}.model (a hub id or a local folder)")
    if is_local(model) and not Path(model).expanduser().exists():
        raise ModelUnavailable(unavailable_message(kind, model, FileNotFoundError(model), config_key, local_files_only))
    from transformers import AutoConfig

    try:
        AutoConfig.from_pretrained(model, local_files_only=local_files_only, trust_remote_code=trust_remote_code)
    except (OSError, ValueError, KeyError, ImportError, TypeError) as e:
        raise ModelUnavailable(unavailable_message(kind, model, e, config_key, local_files_only)) from None
