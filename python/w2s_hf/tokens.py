"""Tokenization exactly as the built-in engine does it (src/backends/builtin.ts sftExamples and promptIds), so both
engines train on, and generate from, the same token ids. With the chat template on (an option, off by default as the
paper's raw prompts are: docs/method.md), a prompt is instead one user turn rendered by the tokenizer's own template
with the generation prompt, and a completion is the assistant's turn after it, the template's end-of-turn included."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional, Sequence

from .compat import has_chat_template, render_chat
from .data import SftRow
from .errors import BadInput


@dataclass(frozen=True)
class Example:
    """`[bos] prompt completion [eos]` ids; the first `prompt_length` are context, the rest carry the loss (Eq. 1)."""

    ids: List[int]
    prompt_length: int
    weight: float


def require_chat_template(tokenizer, model: str, file: Optional[str] = None, field: str = "chat_template") -> None:
    """The chat option on a tokenizer without a template of its own (a base model's, usually) is bad input."""
    if not has_chat_template(tokenizer):
        raise BadInput(f"the tokenizer of {model!r} has no chat template (a base model?); turn the chat template off for it",
                       file=file, field=field)


def _user(prompt: str) -> List[dict]:
    return [{"role": "user", "content": prompt}]


def prompt_ids(tokenizer, prompts: Sequence[str], chat: bool = False) -> List[List[int]]:
    """`[bos] + prompt` ids (bos only when the tokenizer has one): the prefix that training examples share. With `chat`,
    the rendered user turn and generation prompt, tokenized as written (the template writes bos itself where the
    model has one)."""
    if chat:
        texts = [render_chat(tokenizer, _user(p), add_generation_prompt=True) for p in prompts]
        return [list(ids) for ids in tokenizer(texts, add_special_tokens=False)["input_ids"]]
    bos = [] if tokenizer.bos_token_id is None else [tokenizer.bos_token_id]
    return [bos + list(ids) for ids in tokenizer(list(prompts), add_special_tokens=False)["input_ids"]]


def pad_id(tokenizer) -> int:
    """The id written into padding: the tokenizer's pad token, else its eos, else 0 (never attended, never in a loss)."""
    for candidate in (tokenizer.pad_token_id, tokenizer.eos_token_id):
        if candidate is not None:
            return int(candidate)
    return 0


def _chat_completions(tokenizer, rows: Sequence[SftRow], rows_file: str) -> List[str]:
    """Each row's assistant turn as the template writes it after the generation prompt: the completion's text and the
    template's end-of-turn. A template that does not render the conversation as that prompt followed by more text
    cannot be split into prompt and completion: bad input naming the row."""
    texts = []
    for row in rows:
        prompt = render_chat(tokenizer, _user(row.prompt), add_generation_prompt=True)
        whole = render_chat(tokenizer, _user(row.prompt) + [{"role": "assistant", "content": row.completion}],
                            add_generation_prompt=False)
        if not whole.startswith(prompt):
            raise BadInput("the chat template does not render this conversation as the prompt's rendering followed by the "
                           "answer, so its completion cannot be told apart", file=rows_file, line=row.line, field="completion")
        texts.append(whole[len(prompt):])
    return texts


def sft_examples(tokenizer, rows: Sequence[SftRow], rows_file: str, context: Optional[int],
                 chat: bool = False) -> List[Example]:
    """Tokenizes SFT rows; an example longer than the model's context is bad input naming its line and field. With
    `chat` the completion already ends with the template's end-of-turn, so no eos is added."""
    prompts = prompt_ids(tokenizer, [r.prompt for r in rows], chat)
    texts = _chat_completions(tokenizer, rows, rows_file) if chat else [r.completion for r in rows]
    completions = tokenizer(texts, add_special_tokens=False)["input_ids"]
    eos = [] if chat or tokenizer.eos_token_id is None else [tokenizer.eos_token_id]
    examples = []
    for row, prompt, completion in zip(rows, prompts, completions):
        ids = prompt + list(completion) + eos
        if context is not None and len(ids) > context:
            where = "prompt" if len(prompt) >= context else "completion"
            raise BadInput(f"the example has {len(ids)} tokens; the model's context holds {context}", file=rows_file, line=row.line, field=where)
        examples.append(Example(ids, len(prompt), row.weight))
    return examples
