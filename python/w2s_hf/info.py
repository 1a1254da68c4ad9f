"""`info`: the versions and devices the TypeScript side checks before it relies on the sidecar."""

from __future__ import annotations

import platform

from .events import emit


def main() -> None:
    """One `info` event: Python, torch, transformers, peft and accelerate versions, CUDA devices and bf16 support."""
    import accelerate
    import peft
    import torch
    import transformers

    from .models import bf16_supported

    cuda = torch.cuda.is_available()
    emit({
        "event": "info",
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "peft": peft.__version__,
        "accelerate": accelerate.__version__,
        "cuda": cuda,
        "devices": torch.cuda.device_count() if cuda else 0,
        "bf16": bf16_supported(),
    })
