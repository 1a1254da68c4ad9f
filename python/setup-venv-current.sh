#!/usr/bin/env bash
# Creates (or completes) .venv-hf-current: the sidecar's environment on today's releases (PyTorch 2.x, transformers
# 5.x, PEFT, accelerate 1.x), the second stack the sidecar's tests and parity checks run on (python/README.md,
# "Tested stacks"). .venv-hf (python/setup-venv.sh) is the other: Debian's torch 1.13 with the releases of 2023.
# PyPI serves PyTorch for Linux x86-64 only as the CUDA build: its libraries link the CUDA runtime, so the nvidia-*
# wheels it depends on are needed even on a machine without a GPU (about 2.8 GB to download, 5.6 GB installed);
# `import torch` without them fails. On such a machine torch runs on the CPU.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv-hf-current/bin/python ] || /usr/bin/python3 -m venv .venv-hf-current
.venv-hf-current/bin/pip install -q "torch==2.15.0" "transformers==5.23.0" "tokenizers==0.23.3" "safetensors==0.8.0" \
  "peft==0.21.2" "accelerate==1.15.0" "huggingface_hub==2.5.0" "numpy==2.4.6" "Jinja2==3.1.6"
.venv-hf-current/bin/python -c "import torch, transformers, tokenizers, safetensors, peft, accelerate; print('.venv-hf-current: torch', torch.__version__, 'transformers', transformers.__version__, 'tokenizers', tokenizers.__version__, 'safetensors', safetensors.__version__, 'peft', peft.__version__, 'accelerate', accelerate.__version__)"
