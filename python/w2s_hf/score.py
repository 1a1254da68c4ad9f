"""Log-likelihood of given completions (as the built-in engine's scoreContinuations): for each, the sum of
log p(token) over its tokens given `[bos] + prompt` (no eos), from one forward pass over a right-padded batch."""

from __future__ import annotations

from typing import List, Sequence, Tuple

import torch

from .models import decoder_and_head


@torch.inference_mode()
def log_likelihoods(model, items: Sequence[Tuple[List[int], List[int]]], pad: int) -> List[float]:
    """sum_t log p(continuation_t | context, continuation_<t) for each (context ids, continuation ids) pair; the
    context is never empty (it starts with bos, or the prompt has tokens)."""
    device = next(model.parameters()).device
    decoder, head = decoder_and_head(model)
    T = max(len(c) + len(x) for c, x in items)
    ids = torch.full((len(items), T), pad, dtype=torch.long)
    mask = torch.zeros((len(items), T), dtype=torch.long)
    for b, (context, continuation) in enumerate(items):
        seq = context + continuation
        ids[b, :len(seq)] = torch.tensor(seq, dtype=torch.long)
        mask[b, :len(seq)] = 1
    hidden = decoder(input_ids=ids.to(device), attention_mask=mask.to(device)).last_hidden_state
    results = []
    for b, (context, continuation) in enumerate(items):
        if not continuation:
            results.append(0.0)
            continue
        # The logits at position t predict token t + 1.
        logp = torch.log_softmax(head(hidden[b, len(context) - 1:len(context) - 1 + len(continuation)]).float(), dim=-1)
        target = torch.tensor(continuation, dtype=torch.long, device=logp.device)
        results.append(float(logp.gather(1, target[:, None]).sum().item()))
    return results
