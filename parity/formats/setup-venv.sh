#!/usr/bin/env bash
# Creates (or completes) .venv-parity: the Hugging Face Python libraries the format parity check reads and writes
# with, on top of Debian's PyTorch 1.13 (python3-torch), pinned to the last releases that support it.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ -x .venv-parity/bin/python ] || /usr/bin/python3 -m venv --system-site-packages .venv-parity
.venv-parity/bin/pip install -q "tokenizers==0.15.2" "safetensors==0.4.5" "transformers==4.36.2" "Jinja2==3.1.6"
# Debian's torch reports 1.13.0a0, which pip ranks below PEFT's and accelerate's "torch>=1.13.0": resolving their
# dependencies would pull a new torch with CUDA (gigabytes). Their other dependencies are already there.
.venv-parity/bin/pip install -q --no-deps "peft==0.7.1" "accelerate==0.25.0"
.venv-parity/bin/python -c "import torch, transformers, tokenizers, safetensors, peft; print('parity venv: torch', torch.__version__, 'transformers', transformers.__version__, 'tokenizers', tokenizers.__version__, 'safetensors', safetensors.__version__, 'peft', peft.__version__)"
