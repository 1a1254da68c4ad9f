"""The Hugging Face sidecar of w2s: weighted supervised fine-tuning (docs/method.md Eq. 1 and 5) with transformers, PEFT and
accelerate, and a generation server, spoken to over JSON lines by the TypeScript toolkit (python/README.md)."""

__version__ = "0.1.0"
