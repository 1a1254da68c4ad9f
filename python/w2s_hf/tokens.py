"""Tokenization exactly as the built-in engine does it (src/backends/builtin.ts sftExamples and promptIds), so both
engines train on, and generate from, the same token ids."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence

from .data import SftRow
from .errors import BadInput


@dataclass(frozen=True)
class Example:
    """`[bos] prompt completion [eos]` ids; the first `prompt_length` are context, the rest carry the loss (Eq. 1)."""

    ids: List[int]
    prompt_length: int
    weight: float


def prompt_ids(tokenizer, prompts: Sequence[str]) -> List[List[int]]:
    """`[bos] + prompt` ids (bos only when the tokenizer has one): the prefix that training examples share."""
    bos = [] if tokenizer.bos_token_id is None else [tokenizer.bos_token_id]
    return [bos + list(ids) for ids in tokenizer(list(prompts), add_special_tokens=False)["input_ids"]]


def pad_id(tokenizer) -> int:
    """The id written into padding: the tokenizer's pad token, else its eos, else 0 (never attended, never in a loss)."""
    for candidate in (tokenizer.pad_token_id, tokenizer.eos_token_id):
        if candidate is not None:
            return int(candidate)
    return 0


def sft_examples(tokenizer, rows: Sequence[SftRow], rows_file: str, context: Optional[int]) -> List[Example]:
    """Tokenizes SFT rows; an example longer than the model's context is bad input naming its line and field."""
    prompts = prompt_ids(tokenizer, [r.prompt for r in rows])
    completions = tokenizer([r.completion for r in rows], add_special_tokens=False)["input_ids"]
    eos = [] if tokenizer.eos_token_id is None else [tokenizer.eos_token_id]
    examples = []
    for row, prompt, completion in zip(rows, prompts, completions):
        ids = prompt + list(completion) + eos
        if context is not None and len(ids) > context:
            where = "prompt" if len(prompt) >= context else "completion"
            raise BadInput(f"the example has {len(ids)} tokens; the model's context holds {context}", file=rows_file, line=row.line, field=where)
        examples.append(Example(ids, len(prompt), row.weight))
    return examples
