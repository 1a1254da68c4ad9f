"""The generation server's protocol: one JSON request per line, validated into a Request, and the shape of its
error answers. Fields not listed are errors, so a misspelt parameter never silently takes its default."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple

from .decode import Decoding

DEFAULT_MAX_TOKENS = 128
GENERATION_FIELDS = ("id", "prompt", "max_tokens", "temperature", "top_p", "stop", "seed")
SCORING_FIELDS = ("id", "prompt", "completions")
EOF = object()
"""What the stdin reader queues after the last line."""


@dataclass
class Request:
    """A validated request: `completions` set for log-likelihood scoring, else a generation with its decoding."""

    id: Any
    prompt: str
    completions: Optional[List[str]] = None
    max_tokens: int = DEFAULT_MAX_TOKENS
    decoding: Decoding = Decoding()
    seed: int = 0

    @property
    def key(self) -> Tuple:
        """Requests with equal keys run in one batch (token limits and seeds are per request, so not in the key)."""
        if self.completions is not None:
            return ("score",)
        return ("generate", self.decoding.temperature, self.decoding.top_p, tuple(self.decoding.stop))


class Invalid(Exception):
    """A request that cannot be run; answered with its id (or null), and the server goes on."""

    def __init__(self, request_id: Any, message: str):
        super().__init__(message)
        self.request_id = request_id


def _number(obj: dict, name: str, default: Any, ok: Callable[[Any], bool]) -> Any:
    if name not in obj:
        return default
    v = obj[name]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or not ok(v):
        raise ValueError(f'field "{name}": invalid value {json.dumps(v)}')
    return v


def parse_request(line: str) -> Request:
    """Validates one stdin line; errors say which field is wrong."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as e:
        raise Invalid(None, f"not valid JSON ({e.msg}, column {e.colno})") from None
    if not isinstance(obj, dict):
        raise Invalid(None, "a request must be a JSON object")
    rid = obj.get("id")
    if not isinstance(rid, (str, int)) or isinstance(rid, bool):
        raise Invalid(None, 'field "id": missing, or not a string or integer')
    try:
        if not isinstance(obj.get("prompt"), str):
            raise ValueError('field "prompt": missing, or not a string')
        known = SCORING_FIELDS if "completions" in obj else GENERATION_FIELDS
        unknown = [k for k in obj if k not in known]
        if unknown:
            raise ValueError(f'field "{unknown[0]}": unknown (known: {", ".join(known)})')
        if "completions" in obj:
            completions = obj["completions"]
            if not isinstance(completions, list) or not all(isinstance(c, str) for c in completions):
                raise ValueError('field "completions": must be a list of strings')
            return Request(rid, obj["prompt"], completions=completions)
        stop = obj.get("stop", [])
        stop = [stop] if isinstance(stop, str) else stop
        if stop is None:
            stop = []
        if not isinstance(stop, list) or not all(isinstance(s, str) for s in stop):
            raise ValueError('field "stop": must be a string or a list of strings')
        max_tokens = _number(obj, "max_tokens", DEFAULT_MAX_TOKENS, lambda v: isinstance(v, int) and v >= 0)
        temperature = _number(obj, "temperature", 0.0, lambda v: v >= 0)
        top_p = None if obj.get("top_p") is None else _number(obj, "top_p", None, lambda v: 0 < v <= 1)
        seed = _number(obj, "seed", 0, lambda v: isinstance(v, int) and v >= 0)
        return Request(rid, obj["prompt"], max_tokens=max_tokens, seed=seed,
                       decoding=Decoding(float(temperature), None if top_p is None else float(top_p), tuple(stop)))
    except ValueError as e:
        raise Invalid(rid, str(e)) from None


def error_answer(request_id: Any, message: str, kind: str = "bad-input") -> Dict:
    """The answer to a request that could not run: bad-input (the request's fault) or internal."""
    return {"id": request_id, "error": message, "kind": kind}
