"""The weighted completion-only causal-LM loss, as the built-in engine computes it (src/engine/loss.ts).
Per example (Eq. 1): L_i = -(1/|y_i|) sum_t log p(y_t | x, y_<t) over the completion tokens (and eos) only.
Per step (Eq. 5): L = (1/B) sum_i w_i L_i, B = the examples of the whole optimizer step. Both fold into one coefficient
per predicted token, w_i / (B |y_i|), so a micro-batch's loss is its share of the step's loss and shares simply add."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch
import torch.nn.functional as F

from .tokens import Example

IGNORE = -100


@dataclass
class Packed:
    """A right-padded micro-batch: input ids and mask (b, T), targets (b, T) (IGNORE where no loss), coefficients (b, T)."""

    input_ids: torch.Tensor
    attention_mask: torch.Tensor
    targets: torch.Tensor
    coef: torch.Tensor


def completion_tokens(ex: Example) -> int:
    """|y_i|: the tokens after the prompt, or all but the first when there is no prompt (nothing predicts token 0)."""
    return max(0, len(ex.ids) - max(ex.prompt_length, 1))


def pack(examples: Sequence[Example], denominator: int, pad: int, device: torch.device) -> Packed:
    """Position t predicts token t + 1; an example with no completion token adds nothing but still counts in B."""
    T = max(len(ex.ids) for ex in examples)
    b = len(examples)
    input_ids = torch.full((b, T), pad, dtype=torch.long)
    attention_mask = torch.zeros((b, T), dtype=torch.long)
    targets = torch.full((b, T), IGNORE, dtype=torch.long)
    coef = torch.zeros((b, T), dtype=torch.float32)
    for i, ex in enumerate(examples):
        n = len(ex.ids)
        ids = torch.tensor(ex.ids, dtype=torch.long)
        input_ids[i, :n] = ids
        attention_mask[i, :n] = 1
        first = max(ex.prompt_length, 1) - 1
        y = completion_tokens(ex)
        if y > 0:
            targets[i, first:n - 1] = ids[first + 1:n]
            coef[i, first:n - 1] = ex.weight / (denominator * y)
    return Packed(input_ids.to(device), attention_mask.to(device), targets.to(device), coef.to(device))


def weighted_clm_loss(logits: torch.Tensor, batch: Packed) -> torch.Tensor:
    """sum_t coef_t * (-log p(target_t)), in float32 whatever the logits' precision (Eq. 1 and 5)."""
    keep = batch.targets != IGNORE
    picked = logits[keep].float()
    nll = F.cross_entropy(picked, batch.targets[keep], reduction="none")
    return (nll * batch.coef[keep]).sum()
