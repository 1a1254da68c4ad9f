"""The sidecar's one user-facing error type, worded like the TypeScript side's W2sError so messages read the same."""

from __future__ import annotations

from typing import Optional


class BadInput(Exception):
    """Bad input or usage (exit code 2); the message names the file, line and field where they are known."""

    def __init__(self, message: str, file: Optional[str] = None, line: Optional[int] = None, field: Optional[str] = None):
        where = [part for part in (file, f"line {line}" if line is not None else None, f'field "{field}"' if field is not None else None) if part]
        super().__init__(f"{', '.join(where)}: {message}" if where else message)
        self.detail = message
        self.file = file
        self.line = line
        self.field = field


class Interrupted(BaseException):
    """SIGTERM or SIGINT arrived; a BaseException so that no `except Exception` on the way swallows it."""

    def __init__(self, signal_name: str):
        super().__init__(f"stopped by {signal_name}")


class Diverged(Exception):
    """The loss or the gradient norm stopped being finite (exit code 1): nothing is written."""

    def __init__(self, step: int, what: str):
        super().__init__(f"training diverged at step {step} ({what}); nothing was written: lower the learning rate")
