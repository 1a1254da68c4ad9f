#!/usr/bin/env bash
# Creates (or completes) .venv-hf: the Python environment of the Hugging Face sidecar (python/w2s_hf) and of the format
# parity checks, on top of Debian's PyTorch 1.13 (python3-torch), with the releases pinned in python/pyproject.toml
# (the last ones that support torch 1.13). On a GPU machine with its own torch, `pip install ./python` does the same.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv-hf/bin/python ] || /usr/bin/python3 -m venv --system-site-packages .venv-hf
.venv-hf/bin/pip install -q "tokenizers==0.15.2" "safetensors==0.4.5" "transformers==4.36.2" "Jinja2==3.1.6"
# Debian's torch reports 1.13.0a0, which pip ranks below PEFT's and accelerate's "torch>=1.13.0": resolving their
# dependencies would pull a new torch with CUDA (gigabytes). Their other dependencies are already there.
.venv-hf/bin/pip install -q --no-deps "peft==0.7.1" "accelerate==0.25.0"
.venv-hf/bin/python -c "import torch, transformers, tokenizers, safetensors, peft, accelerate; print('.venv-hf: torch', torch.__version__, 'transformers', transformers.__version__, 'tokenizers', tokenizers.__version__, 'safetensors', safetensors.__version__, 'peft', peft.__version__, 'accelerate', accelerate.__version__)"
