"""Atomic output folders: everything is written into a staging folder beside the target and renamed into place at the
end, so `out` is either absent (or the previous complete folder) or the new complete one, never half-written. And the
adapter weights of an FSDP run, which PEFT cannot pick from the gathered state (`write_adapter_weights`)."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from typing import TYPE_CHECKING, Dict, Iterable, Iterator

if TYPE_CHECKING:
    import torch


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


def write_adapter_weights(folder: str, state_dict: Dict[str, torch.Tensor], names: Iterable[str],
                          adapter: str = "default") -> None:
    """Writes `adapter_model.safetensors` as PEFT does (the adapter's name dropped from each key, metadata format pt)
    from the full state dict that FSDP gathered, taking the entries `names` (the adapter's parameters as the PEFT
    model named them before FSDP wrapped it). PEFT's own `save_pretrained` (0.21) picks the adapter's entries by the
    names of the model's modules, which under FSDP carry each wrapped layer's `_fsdp_wrapped_module.`, so it finds
    none in the gathered state, whose keys have none."""
    from safetensors.torch import save_file

    weights = {}
    for name in names:
        parts = name.split(".")
        at = max(i for i, part in enumerate(parts) if part == adapter)
        weights[".".join(parts[:at] + parts[at + 1:])] = state_dict[name].detach().contiguous()
    save_file(weights, os.path.join(folder, "adapter_model.safetensors"), metadata={"format": "pt"})
