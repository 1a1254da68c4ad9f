"""Loading models and tokenizers, and deciding the numeric precision: the one place that knows about devices."""

from __future__ import annotations

import os
from typing import Optional

import torch

from .compat import dtype_argument
from .errors import BadInput


def bf16_supported() -> bool:
    """Whether the first CUDA device computes in bfloat16 natively (Ampere and later)."""
    return torch.cuda.is_available() and torch.cuda.is_bf16_supported()


def resolve_precision(requested: str, device: torch.device, file: Optional[str] = None, field: str = "precision") -> str:
    """`auto` is bf16 on a GPU that supports it and fp32 elsewhere; bf16 on a GPU without it is bad input. bf16 on a
    CPU is allowed (PyTorch's CPU autocast runs it), slow as it is."""
    if requested == "auto":
        return "bf16" if device.type == "cuda" and bf16_supported() else "fp32"
    if requested == "bf16" and device.type == "cuda" and not bf16_supported():
        raise BadInput("this GPU does not support bfloat16; use fp32 or auto", file=file, field=field)
    return requested


def _load_error(what: str, name: str, error: Exception, file: Optional[str], field: str) -> BadInput:
    """A model or tokenizer that cannot be loaded is the caller's input (a wrong folder or hub name), said in one line."""
    first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return BadInput(f"cannot load the {what} from {name!r}: {first}", file=file, field=field)


def load_tokenizer(name: str, file: Optional[str] = None, field: str = "base"):
    """AutoTokenizer of a checkpoint folder or hub name (the fast, tokenizer.json one when there is one)."""
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(name)
    except (OSError, ValueError, KeyError) as e:
        raise _load_error("tokenizer", name, e, file, field) from None


def load_causal_lm(name: str, dtype: torch.dtype, file: Optional[str] = None, field: str = "base"):
    """AutoModelForCausalLM in `dtype`: whatever architecture the installed transformers knows (LlamaForCausalLM for the
    checkpoints the built-in engine writes; Mistral, Qwen, Gemma and the rest for the presets)."""
    from transformers import AutoModelForCausalLM

    try:
        return AutoModelForCausalLM.from_pretrained(name, **dtype_argument(dtype))
    except (OSError, ValueError, KeyError) as e:
        raise _load_error("model", name, e, file, field) from None


def load_adapter(model, adapter: str, file: Optional[str] = None, field: str = "adapter", trainable: bool = False):
    """A PEFT adapter on top of `model`, kept separate (nothing merged), so the base weights stay as they were."""
    from peft import PeftModel

    if not os.path.isdir(adapter):
        raise BadInput("not a folder", file=file or adapter, field=field)
    try:
        return PeftModel.from_pretrained(model, adapter, is_trainable=trainable)
    except (OSError, ValueError, KeyError) as e:
        raise _load_error("adapter", adapter, e, file, field) from None


def context_length(model) -> Optional[int]:
    """The model's context (max_position_embeddings), when its config says."""
    value = getattr(model.config, "max_position_embeddings", None)
    return int(value) if isinstance(value, int) else None


def decoder_and_head(model):
    """The decoder stack and the output layer of a causal LM (a PEFT model's LoRA layers live inside them), so that
    inference computes vocabulary logits only at the positions it reads: all positions of a batch of long prompts
    times a 128k vocabulary would take gigabytes. The head also does what the architecture's own forward does to the
    logits after the output layer (Gemma 2's soft cap, Cohere's and Granite's scales), so that they are the model's."""
    lm = model.get_base_model() if hasattr(model, "get_base_model") else model
    head = lm.get_output_embeddings()
    config = lm.config
    cap = getattr(config, "final_logit_softcapping", None)
    scale = getattr(config, "logit_scale", None)
    divide = getattr(config, "logits_scaling", None)

    def logits(hidden: torch.Tensor) -> torch.Tensor:
        out = head(hidden)
        if isinstance(scale, (int, float)):
            out = out * scale
        if isinstance(divide, (int, float)):
            out = out / divide
        if isinstance(cap, (int, float)) and cap > 0:
            out = torch.tanh(out / cap) * cap
        return out

    return lm.get_decoder(), logits
