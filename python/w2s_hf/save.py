"""Atomic output folders: everything is written into a staging folder beside the target and renamed into place at the
end, so `out` is either absent (or the previous complete folder) or the new complete one, never half-written."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from typing import Iterator


@contextlib.contextmanager
def staged_dir(target: str) -> Iterator[str]:
    """Yields a fresh staging folder; on a clean exit it replaces `target`, on any exception (SIGTERM included) it is
    removed and `target` is left as it was."""
    target = os.path.abspath(target)
    parent = os.path.dirname(target)
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=f".{os.path.basename(target)}.tmp-", dir=parent)
    try:
        yield staging
        if os.path.exists(target):
            # rename() cannot replace a non-empty folder: move the old one aside, drop it once the new one is in place.
            previous = staging + ".previous"
            os.rename(target, previous)
            os.rename(staging, target)
            shutil.rmtree(previous, ignore_errors=True)
        else:
            os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
