"""SFT rows (the project's SFT-rows contract): JSON Lines of {"id", "prompt", "completion", "weight"}, validated with
the file, line and field of the first problem."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import List

from .errors import BadInput


@dataclass(frozen=True)
class SftRow:
    """One training row and the 1-based line it came from (for error messages about it later)."""

    id: str
    prompt: str
    completion: str
    weight: float
    line: int


def parse_row(text: str, file: str, line: int) -> SftRow:
    """One JSONL line as an SftRow; the weight is Eq. 5's w_i, a finite number >= 0."""
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        raise BadInput(f"not valid JSON ({e.msg}, column {e.colno})", file=file, line=line) from None
    if not isinstance(obj, dict):
        raise BadInput("expected a JSON object on each line (JSON Lines)", file=file, line=line)
    for name in ("id", "prompt", "completion"):
        if name not in obj:
            raise BadInput("missing", file=file, line=line, field=name)
        if not isinstance(obj[name], str):
            raise BadInput(f"must be a string, got {json.dumps(obj[name])}", file=file, line=line, field=name)
    if "weight" not in obj:
        raise BadInput("missing", file=file, line=line, field="weight")
    w = obj["weight"]
    if isinstance(w, bool) or not isinstance(w, (int, float)) or not math.isfinite(w) or w < 0:
        raise BadInput(f"must be a finite number >= 0, got {json.dumps(w)}", file=file, line=line, field="weight")
    return SftRow(obj["id"], obj["prompt"], obj["completion"], float(w), line)


def read_rows(file: str) -> List[SftRow]:
    """All rows of a JSONL file (blank lines skipped, as the TypeScript reader does); no rows at all is bad input."""
    try:
        with open(file, encoding="utf-8") as fh:
            lines = fh.read().split("\n")
    except OSError as e:
        raise BadInput(f"cannot read the rows ({e.strerror})", file=file) from None
    except UnicodeDecodeError as e:
        raise BadInput(f"not UTF-8 text ({e.reason})", file=file) from None
    rows = [parse_row(text, file, i + 1) for i, text in enumerate(lines) if text.strip() != ""]
    if not rows:
        raise BadInput("no rows to train on", file=file)
    return rows
