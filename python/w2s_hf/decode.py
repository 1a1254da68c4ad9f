"""Batched decoding with a key/value cache, one sequence at a time finishing: left-padded prompts with an attention
mask and position ids that start at each prompt's first real token (so a prompt's output does not depend on its batch
mates), greedy or seeded sampling per request, end at eos, at a stop string, or at the token limit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, List, Optional, Sequence

import torch

from .models import decoder_and_head


@dataclass(frozen=True)
class Decoding:
    """Decoding parameters shared by a batch; temperature 0 is greedy."""

    temperature: float = 0.0
    top_p: Optional[float] = None
    stop: Sequence[str] = ()


@dataclass
class Row:
    """One request in a batch: prompt ids, its own token limit and sampling seed, and what it has produced."""

    prompt: List[int]
    limit: int
    seed: int
    tokens: List[int] = field(default_factory=list)
    finish: Optional[str] = None


def first_stop(text: str, stops: Sequence[str]) -> int:
    """Where the earliest stop string starts in text, or -1; empty stop strings never match."""
    found = [text.find(s) for s in stops if s]
    found = [i for i in found if i >= 0]
    return min(found) if found else -1


def _sample(logits: torch.Tensor, decoding: Decoding, generator: torch.Generator) -> int:
    """Draws from softmax(logits / temperature) restricted to the smallest set of most likely tokens whose probability
    reaches top_p (Hugging Face's order: temperature, then top-p)."""
    probs = torch.softmax(logits / decoding.temperature, dim=-1)
    if decoding.top_p is not None and decoding.top_p < 1:
        sorted_probs, order = torch.sort(probs, descending=True)
        cumulative = torch.cumsum(sorted_probs, dim=-1)
        keep = int(torch.searchsorted(cumulative, torch.tensor([decoding.top_p], device=cumulative.device)).item()) + 1
        probs = torch.zeros_like(probs).scatter_(0, order[:keep], sorted_probs[:keep])
    return int(torch.multinomial(probs, 1, generator=generator).item())


@torch.inference_mode()
def decode(model, sequences: List[Row], decoding: Decoding, eos_ids: Sequence[int], pad: int,
           text_of: Callable[[List[int]], str]) -> None:
    """Fills each sequence's tokens (an ending eos excluded) and finish reason: "stop" (eos or a stop string, the
    token completing it included) or "length" (its limit reached)."""
    device = next(model.parameters()).device
    decoder, head = decoder_and_head(model)
    B = len(sequences)
    T0 = max(len(s.prompt) for s in sequences)
    ids = torch.full((B, T0), pad, dtype=torch.long)
    mask = torch.zeros((B, T0), dtype=torch.long)
    for b, s in enumerate(sequences):
        ids[b, T0 - len(s.prompt):] = torch.tensor(s.prompt, dtype=torch.long)
        mask[b, T0 - len(s.prompt):] = 1
    ids, mask = ids.to(device), mask.to(device)
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    generators = [torch.Generator(device=device).manual_seed(s.seed) for s in sequences] if decoding.temperature > 0 else []
    eos = set(eos_ids)
    for s in sequences:
        if s.limit == 0:
            s.finish = "length"
    if all(s.finish for s in sequences):
        return
    out = decoder(input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=True)
    while True:
        logits = head(out.last_hidden_state[:, -1, :]).float()
        # One transfer for the whole batch when greedy (ties go to the lowest id, as in the built-in engine).
        greedy = torch.argmax(logits, dim=-1).tolist() if decoding.temperature == 0 else None
        step = torch.full((B, 1), pad, dtype=torch.long)
        for b, s in enumerate(sequences):
            if s.finish:
                continue
            token = greedy[b] if greedy is not None else _sample(logits[b], decoding, generators[b])
            step[b, 0] = token
            if token in eos:
                s.finish = "stop"
                continue
            s.tokens.append(token)
            if decoding.stop and first_stop(text_of(s.tokens), decoding.stop) >= 0:
                s.finish = "stop"
            elif len(s.tokens) >= s.limit:
                s.finish = "length"
        if all(s.finish for s in sequences):
            return
        mask = torch.cat([mask, torch.ones((B, 1), dtype=mask.dtype, device=device)], dim=1)
        positions = positions[:, -1:] + 1
        out = decoder(input_ids=step.to(device), attention_mask=mask, position_ids=positions,
                      past_key_values=out.past_key_values, use_cache=True)
