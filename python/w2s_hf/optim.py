"""AdamW and its learning-rate schedule as Hugging Face's Trainer sets them up (and src/engine/optim.ts mirrors):
torch.optim.AdamW (betas .9/.999, eps 1e-8), decoupled weight decay except on biases and normalisation weights, and
transformers' get_*_schedule_with_warmup stepped once per optimizer step."""

from __future__ import annotations

from typing import Dict, List

import torch
from transformers import get_scheduler
from transformers.pytorch_utils import ALL_LAYERNORM_LAYERS

SCHEDULER_NAMES = {"linear": "linear", "cosine": "cosine", "constant": "constant_with_warmup"}


def _is_norm(module: torch.nn.Module) -> bool:
    """Trainer exempts ALL_LAYERNORM_LAYERS; RMSNorm classes of architectures that do not register there count too."""
    return isinstance(module, tuple(ALL_LAYERNORM_LAYERS)) or type(module).__name__.endswith("RMSNorm")


def param_groups(model: torch.nn.Module, weight_decay: float) -> List[Dict]:
    """Trainable parameters in two groups: decayed, and exempt (biases and normalisation weights, as Trainer does)."""
    exempt = set()
    for module_name, module in model.named_modules():
        if _is_norm(module):
            for name, _ in module.named_parameters(recurse=False):
                exempt.add(f"{module_name}.{name}" if module_name else name)
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        (no_decay if name in exempt or name.endswith("bias") else decay).append(p)
    groups = [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return [g for g in groups if g["params"]]


def adamw(model: torch.nn.Module, learning_rate: float, weight_decay: float) -> torch.optim.AdamW:
    """torch's AdamW with Trainer's defaults."""
    return torch.optim.AdamW(param_groups(model, weight_decay), lr=learning_rate, betas=(0.9, 0.999), eps=1e-8)


def schedule(optimizer: torch.optim.Optimizer, kind: str, warmup_steps: int, total_steps: int):
    """The learning rate of 0-based step s is lr * lambda(s): warmup from 0, then linear or cosine decay to 0 at
    total_steps, or constant (the engine's `constant` has the same warmup, Trainer's constant_with_warmup)."""
    return get_scheduler(SCHEDULER_NAMES[kind], optimizer, num_warmup_steps=warmup_steps, num_training_steps=total_steps)
