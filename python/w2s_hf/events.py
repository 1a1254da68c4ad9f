"""JSON-line events on stdout. Libraries print progress and warnings to stdout too, so stdout's file descriptor is kept
for events alone and everything else written to descriptor 1 (Python or C) goes to stderr instead."""

from __future__ import annotations

import json
import math
import os
import sys
import threading
from typing import Any, Optional, TextIO

_stream: Optional[TextIO] = None
_lock = threading.Lock()


def reserve_stdout() -> None:
    """Moves the real stdout to a private descriptor and points descriptor 1 (and sys.stdout) at stderr."""
    global _stream
    if _stream is not None:
        return
    sys.stdout.flush()
    private = os.dup(1)
    os.dup2(2, 1)
    _stream = os.fdopen(private, "w", encoding="utf-8", buffering=1)


def _finite(value: Any) -> Any:
    """NaN and infinities are not JSON: they become null (a diverged loss is reported, not turned into a crash)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def emit(event: dict) -> None:
    """Writes one event as one line and flushes it, so the reader sees progress as it happens."""
    line = json.dumps(_finite(event), ensure_ascii=False, allow_nan=False)
    with _lock:
        out = _stream if _stream is not None else sys.stdout
        out.write(line + "\n")
        out.flush()
