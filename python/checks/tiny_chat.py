"""A tiny random checkpoint whose tokenizer carries a chat template, one without, and a plain transformers reference
for the sidecar's chat option on it (test/backends/hf/chat-template.test.ts). Offline, no downloads.

  python tiny_chat.py build <folder>         -> {"built": true, "chat": <dir>, "plain": <dir>} (Mistral-style, which
                                                every supported transformers builds)
  python tiny_chat.py reference <spec.json>  -> greedy outputs from `apply_chat_template` + `generate`, log-likelihoods
                                                after the rendered prompt, and the Eq. 5 loss of the rows rendered as
                                                user turn + assistant turn with the loss on the assistant's tokens only
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from typing import Dict, List

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from w2s_hf.events import emit, reserve_stdout  # noqa: E402

# stdout carries the JSON lines alone (see tiny_models.py).
reserve_stdout()

from tiny_models import build as build_tiny, continuation_logprobs  # noqa: E402
from w2s_hf.compat import dtype_argument  # noqa: E402

# Each turn is a header line, the text and eos; the generation prompt is the assistant's header, so a rendered
# conversation is the rendered prompt followed by the answer and the end of its turn.
TEMPLATE = ("{{ bos_token }}{% for m in messages %}{{ '### ' + m['role'] + ':\\n' + m['content'] + eos_token + '\\n' }}"
            "{% endfor %}{% if add_generation_prompt %}{{ '### assistant:\\n' }}{% endif %}")


def build(folder: str) -> None:
    from transformers import AutoTokenizer

    plain = os.path.join(folder, "plain")
    chat = os.path.join(folder, "chat")
    built = build_tiny("mistral", plain)
    if not built.get("built"):
        raise RuntimeError(built["skipped"])
    shutil.copytree(plain, chat)
    tokenizer = AutoTokenizer.from_pretrained(chat)
    tokenizer.chat_template = TEMPLATE
    tokenizer.save_pretrained(chat)
    emit({"built": True, "chat": chat, "plain": plain})


def _ids(encoded) -> List[int]:
    """apply_chat_template(tokenize=True) gives ids on transformers 4.x and a BatchEncoding on 5.x."""
    return list(encoded["input_ids"] if hasattr(encoded, "keys") else encoded)


@torch.no_grad()
def reference(spec_file: str) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    with open(spec_file, encoding="utf-8") as fh:
        spec = json.load(fh)
    tokenizer = AutoTokenizer.from_pretrained(spec["model"])
    model = AutoModelForCausalLM.from_pretrained(spec["model"], **dtype_argument(torch.float32)).eval()

    def user(text: str) -> List[Dict[str, str]]:
        return [{"role": "user", "content": text}]

    greedy = []
    for prompt in spec["prompts"]:
        ids = torch.tensor([_ids(tokenizer.apply_chat_template(user(prompt), add_generation_prompt=True))])
        out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), do_sample=False,
                             max_new_tokens=spec["max_tokens"], eos_token_id=tokenizer.eos_token_id,
                             pad_token_id=tokenizer.eos_token_id)
        new = out[0, ids.shape[1]:].tolist()
        if new and new[-1] == tokenizer.eos_token_id:
            new = new[:-1]
        greedy.append({"tokens": len(new), "output": tokenizer.decode(new, skip_special_tokens=True)})

    logprobs = [
        continuation_logprobs(model, tokenizer, _ids(tokenizer.apply_chat_template(user(item["prompt"]), add_generation_prompt=True)), item["completions"])
        for item in spec["scored"]
    ]

    # Eq. 1 per row over the assistant's tokens (its text and end of turn), from the whole conversation tokenized at
    # once; Eq. 5 over the rows. The prompt's tokens (user turn + generation prompt) carry no loss.
    total = 0.0
    completion_tokens = []
    for row in spec["rows"]:
        prompt = _ids(tokenizer.apply_chat_template(user(row["prompt"]), add_generation_prompt=True))
        whole = _ids(tokenizer.apply_chat_template(user(row["prompt"]) + [{"role": "assistant", "content": row["completion"]}]))
        assert whole[:len(prompt)] == prompt, "the conversation does not start with the rendered prompt"
        logp = torch.log_softmax(model(input_ids=torch.tensor([whole])).logits[0].float(), dim=-1)
        nll = [-float(logp[t - 1, whole[t]]) for t in range(len(prompt), len(whole))]
        completion_tokens.append(len(nll))
        total += row["weight"] * sum(nll) / len(nll)
    emit({"greedy": greedy, "logprobs": logprobs, "first_loss": total / len(spec["rows"]),
          "completion_tokens": completion_tokens, "eos": tokenizer.eos_token_id})


if __name__ == "__main__":
    if sys.argv[1] == "build":
        build(sys.argv[2])
    else:
        reference(sys.argv[2])
