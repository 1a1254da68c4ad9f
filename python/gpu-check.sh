#!/usr/bin/env bash
# The Hugging Face sidecar's prepared check for a machine with a GPU (about a minute, no downloads): a tiny random
# Llama trained with LoRA and weights and fully fine-tuned under `accelerate launch` in bf16, then served by
# `generate`, and the DeepSpeed ZeRO-2 config validated (and trained with, where DeepSpeed is installed). One PASS/FAIL
# line per check, SKIP with the reason for what the machine lacks; exit 0 only if all that ran pass. `--cpu` (or
# `--dry`) runs it on the CPU in float32, skipping the GPU-only checks.
# Python: $W2S_PYTHON, else .venv-hf/bin/python, else python3 (the same choice as the TypeScript side).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${W2S_PYTHON:-}"
if [ -z "$PYTHON" ]; then
  if [ -x .venv-hf/bin/python ]; then PYTHON=.venv-hf/bin/python; else PYTHON=python3; fi
fi
export PYTHONPATH="$PWD/python${PYTHONPATH:+:$PYTHONPATH}" TOKENIZERS_PARALLELISM=false PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1
exec "$PYTHON" python/checks/gpu_check.py "$@"
