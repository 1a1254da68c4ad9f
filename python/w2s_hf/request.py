"""The `train` request (a JSON file): its fields, their defaults (the paper's App. C settings) and their validation."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, List, Optional

from .errors import BadInput

LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
SCHEDULES = ("linear", "cosine", "constant")
PRECISIONS = ("auto", "fp32", "bf16")


@dataclass(frozen=True)
class LoraSettings:
    """PEFT LoraConfig fields; defaults are the paper's (r 16, alpha 32, dropout .05, q_proj and v_proj)."""

    r: int = 16
    alpha: float = 32.0
    dropout: float = 0.05
    target_modules: List[str] = field(default_factory=lambda: ["q_proj", "v_proj"])


@dataclass(frozen=True)
class TrainRequest:
    """Everything `train` needs; `batch_size` is the B of Eq. 5 over all processes."""

    base: str
    rows: str
    out: str
    lora: Optional[LoraSettings]
    learning_rate: float = 5e-5
    batch_size: int = 24
    micro_batch_size: Optional[int] = None
    epochs: float = 3.0
    max_steps: Optional[int] = None
    schedule: str = "linear"
    warmup_steps: int = 0
    weight_decay: float = 0.0
    max_grad_norm: Optional[float] = 1.0
    seed: int = 0
    shuffle: bool = True
    precision: str = "auto"
    gradient_checkpointing: bool = False
    # Render rows with the tokenizer's own chat template (tokens.py); off = the paper's raw prompts.
    chat_template: bool = False


class _Fields:
    """Reads typed fields of one JSON object, naming the file and field of whatever is wrong."""

    def __init__(self, obj: dict, file: str, prefix: str = ""):
        self.obj = obj
        self.file = file
        self.prefix = prefix

    def bad(self, name: str, message: str) -> BadInput:
        return BadInput(message, file=self.file, field=self.prefix + name)

    def _get(self, name: str, default: Any, required: bool) -> Any:
        if name not in self.obj:
            if required:
                raise self.bad(name, "missing")
            return default
        return self.obj[name]

    def string(self, name: str, required: bool = False, default: Optional[str] = None) -> str:
        v = self._get(name, default, required)
        if not isinstance(v, str) or v == "":
            raise self.bad(name, f"must be a non-empty string, got {json.dumps(v)}")
        return v

    def number(self, name: str, default: Optional[float], *, positive: bool = False, minimum: Optional[float] = None,
               below: Optional[float] = None, nullable: bool = False) -> Optional[float]:
        v = self._get(name, default, False)
        if v is None and nullable:
            return None
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise self.bad(name, f"must be a finite number, got {json.dumps(v)}")
        if positive and not v > 0:
            raise self.bad(name, f"must be positive, got {v}")
        if minimum is not None and v < minimum:
            raise self.bad(name, f"must be >= {minimum}, got {v}")
        if below is not None and not v < below:
            raise self.bad(name, f"must be < {below}, got {v}")
        return float(v)

    def integer(self, name: str, default: Optional[int], *, minimum: int, nullable: bool = False) -> Optional[int]:
        v = self._get(name, default, False)
        if v is None and nullable:
            return None
        if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
            raise self.bad(name, f"must be an integer >= {minimum}, got {json.dumps(v)}")
        return v

    def boolean(self, name: str, default: bool) -> bool:
        v = self._get(name, default, False)
        if not isinstance(v, bool):
            raise self.bad(name, f"must be true or false, got {json.dumps(v)}")
        return v

    def choice(self, name: str, default: str, choices: tuple) -> str:
        v = self._get(name, default, False)
        if v not in choices:
            raise self.bad(name, f"must be one of {', '.join(choices)}, got {json.dumps(v)}")
        return v

    def no_others(self, known: tuple) -> None:
        for name in self.obj:
            if name not in known:
                raise self.bad(name, f"unknown field (known: {', '.join(known)})")


def _lora(value: Any, file: str) -> Optional[LoraSettings]:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BadInput("must be an object or null (null = full fine-tuning)", file=file, field="lora")
    f = _Fields(value, file, "lora.")
    f.no_others(("r", "alpha", "dropout", "target_modules"))
    defaults = LoraSettings()
    targets = value.get("target_modules", defaults.target_modules)
    if not isinstance(targets, list) or not targets or any(t not in LORA_TARGETS for t in targets):
        raise f.bad("target_modules", f"must be a non-empty list of {', '.join(LORA_TARGETS)}, got {json.dumps(targets)}")
    return LoraSettings(
        r=f.integer("r", defaults.r, minimum=1),
        alpha=f.number("alpha", defaults.alpha, positive=True),
        dropout=f.number("dropout", defaults.dropout, minimum=0.0, below=1.0),
        target_modules=list(dict.fromkeys(targets)),
    )


def _default(name: str) -> Any:
    """A TrainRequest field's default: the dataclass is the one place they are written."""
    return TrainRequest.__dataclass_fields__[name].default


def parse_request(obj: Any, file: str) -> TrainRequest:
    """Validates a request object; unknown fields are errors, so a misspelt setting never silently takes its default."""
    if not isinstance(obj, dict):
        raise BadInput("must be a JSON object", file=file)
    f = _Fields(obj, file)
    f.no_others(tuple(TrainRequest.__dataclass_fields__))
    return TrainRequest(
        base=f.string("base", required=True),
        rows=f.string("rows", required=True),
        out=f.string("out", required=True),
        lora=_lora(obj["lora"], file) if "lora" in obj else LoraSettings(),
        learning_rate=f.number("learning_rate", _default("learning_rate"), positive=True),
        batch_size=f.integer("batch_size", _default("batch_size"), minimum=1),
        micro_batch_size=f.integer("micro_batch_size", None, minimum=1, nullable=True),
        epochs=f.number("epochs", _default("epochs"), positive=True),
        max_steps=f.integer("max_steps", None, minimum=1, nullable=True),
        schedule=f.choice("schedule", _default("schedule"), SCHEDULES),
        warmup_steps=f.integer("warmup_steps", _default("warmup_steps"), minimum=0),
        weight_decay=f.number("weight_decay", _default("weight_decay"), minimum=0.0),
        max_grad_norm=f.number("max_grad_norm", _default("max_grad_norm"), positive=True, nullable=True),
        seed=f.integer("seed", _default("seed"), minimum=0),
        shuffle=f.boolean("shuffle", _default("shuffle")),
        precision=f.choice("precision", _default("precision"), PRECISIONS),
        gradient_checkpointing=f.boolean("gradient_checkpointing", _default("gradient_checkpointing")),
        chat_template=f.boolean("chat_template", _default("chat_template")),
    )


def read_request(path: str) -> TrainRequest:
    """Reads and validates a request file."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as e:
        raise BadInput(f"cannot read the request ({e.strerror})", file=path) from None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        raise BadInput(f"not valid JSON ({e.msg}, column {e.colno})", file=path, line=e.lineno) from None
    return parse_request(obj, path)
