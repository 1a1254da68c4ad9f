"""`generate`: a long-lived server. One JSON request per stdin line, one JSON answer per stdout line with the same id
(possibly out of order). Requests that wait are batched together (up to --batch-size, same decoding parameters);
a bad request gets an error answer and the server goes on; EOF finishes the pending requests and exits 0."""

from __future__ import annotations

import queue
import sys
import threading
from typing import Dict, List, Optional

import torch

from .decode import Row, decode, first_stop
from .events import emit
from .models import context_length, load_adapter, load_causal_lm, load_tokenizer, resolve_precision
from .protocol import EOF, Invalid, Request, error_answer, parse_request
from .score import log_likelihoods
from .tokens import pad_id, prompt_ids, require_chat_template


class Engine:
    """A loaded model, its tokenizer and what generation needs to know about them."""

    def __init__(self, name: str, adapter: Optional[str], precision: str, chat: bool = False):
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self.precision = resolve_precision(precision, device, field="--precision")
        self.tokenizer = load_tokenizer(name, field="--model")
        if chat:
            require_chat_template(self.tokenizer, name, field="--chat-template")
        # Prompts (to generate from and to score after) as one user turn in the model's chat template.
        self.chat = chat
        model = load_causal_lm(name, torch.bfloat16 if self.precision == "bf16" else torch.float32, field="--model")
        if adapter is not None:
            model = load_adapter(model, adapter, field="--adapter")
        self.model = model.to(device).eval()
        self.device = device
        self.context = context_length(model)
        self.pad = pad_id(self.tokenizer)
        eos = self.tokenizer.eos_token_id
        self.eos_ids = [] if eos is None else [eos]

    def text(self, ids: List[int]) -> str:
        """Decoded output tokens, special tokens skipped."""
        return self.tokenizer.decode(ids, skip_special_tokens=True)

    def generate(self, requests: List[Request]) -> List[Dict]:
        """Answers generation requests of one key; prompts that fill the context are answered with an error."""
        ids = prompt_ids(self.tokenizer, [r.prompt for r in requests], self.chat)
        answers: List[Optional[Dict]] = [None] * len(requests)
        rows, members = [], []
        for i, (r, prompt) in enumerate(zip(requests, ids)):
            if self.context is not None and len(prompt) >= self.context:
                answers[i] = error_answer(r.id, f"the prompt has {len(prompt)} tokens; the model's context holds {self.context}")
                continue
            limit = r.max_tokens if self.context is None else min(r.max_tokens, self.context - len(prompt))
            rows.append(Row(prompt, limit, r.seed))
            members.append(i)
        if rows:
            decode(self.model, rows, requests[members[0]].decoding, self.eos_ids, self.pad, self.text)
        for i, row in zip(members, rows):
            r = requests[i]
            text = self.text(row.tokens)
            cut = first_stop(text, r.decoding.stop)
            answers[i] = {"id": r.id, "output": text[:cut] if cut >= 0 else text,
                          "finish_reason": "stop" if row.finish == "stop" or cut >= 0 else "length",
                          "prompt_tokens": len(row.prompt), "completion_tokens": len(row.tokens)}
        return answers

    def score(self, requests: List[Request], batch_size: int) -> List[Dict]:
        """Answers log-likelihood requests; a request whose prompt and a completion overflow the context is an error."""
        contexts = prompt_ids(self.tokenizer, [r.prompt for r in requests], self.chat)
        items, owners, answers = [], [], []
        for i, (r, context) in enumerate(zip(requests, contexts)):
            continuations = self.tokenizer(r.completions, add_special_tokens=False)["input_ids"] if r.completions else []
            longest = len(context) + max((len(c) for c in continuations), default=0)
            if self.context is not None and longest > self.context:
                answers.append(error_answer(r.id, f"the prompt with a completion has {longest} tokens; the model's context holds {self.context}"))
                continue
            if not context:
                answers.append(error_answer(r.id, "the prompt is empty and the tokenizer has no bos token to score after"))
                continue
            answers.append({"id": r.id, "logprobs": []})
            for c in continuations:
                items.append((context, list(c)))
                owners.append(i)
        scores: List[float] = []
        for start in range(0, len(items), batch_size):
            scores.extend(log_likelihoods(self.model, items[start:start + batch_size], self.pad))
        for owner, value in zip(owners, scores):
            answers[owner]["logprobs"].append(value)
        return answers


def _read(stream, inbox: "queue.Queue") -> None:
    for line in stream:
        inbox.put(line)
    inbox.put(EOF)


def serve(engine: Engine, batch_size: int, stream=None) -> None:
    """Reads requests as they come, runs what waits in batches of one key, answers each; returns at EOF."""
    inbox: "queue.Queue" = queue.Queue()
    threading.Thread(target=_read, args=(stream or sys.stdin, inbox), daemon=True).start()
    pending: List[Request] = []
    eof = False

    def take(item) -> bool:
        if item is EOF:
            return True
        if item.strip() == "":
            return False
        try:
            pending.append(parse_request(item))
        except Invalid as e:
            emit(error_answer(e.request_id, str(e)))
        return False

    while not (eof and not pending):
        if not pending and not eof:
            eof = take(inbox.get())
        while not eof:
            try:
                eof = take(inbox.get_nowait())
            except queue.Empty:
                break
        if not pending:
            continue
        key = pending[0].key
        group = [r for r in pending if r.key == key][:batch_size]
        chosen = {id(r) for r in group}
        pending[:] = [r for r in pending if id(r) not in chosen]
        try:
            answers = engine.score(group, batch_size) if key[0] == "score" else engine.generate(group)
        except (RuntimeError, ValueError) as e:
            # Out of memory and the like fail this batch's requests, not the server.
            message = f"{type(e).__name__}: {(str(e).strip().splitlines() or [''])[0]}"
            answers = [error_answer(r.id, message, "internal") for r in group]
        for answer in answers:
            emit(answer)


def main(model: str, adapter: Optional[str], batch_size: int, precision: str, chat: bool = False) -> None:
    """`python -m w2s_hf generate`: loads the model, says ready, serves until EOF."""
    engine = Engine(model, adapter, precision, chat)
    emit({"event": "ready", "model": model, "device": engine.device.type, "precision": engine.precision,
          "context": engine.context, "chat_template": chat})
    serve(engine, batch_size)
