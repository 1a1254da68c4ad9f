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
# DeepSpeed (ZeRO-2/3; test/backends/hf/sharded.test.ts trains under ZeRO-3 on CPUs): a 2 MB source package with a few
# small dependencies, about 10 s. Installed without its ops (DS_BUILD_OPS=0: they build when first used; on CPUs the
# shared-memory comm op, about 50 s once, cached in ~/.cache/torch_extensions) and without build isolation, which would
# download another torch just to run its setup.py.
DS_BUILD_OPS=0 .venv-hf-current/bin/pip install -q --no-build-isolation "deepspeed==0.19.8"
.venv-hf-current/bin/python -c "import torch, transformers, tokenizers, safetensors, peft, accelerate, importlib.metadata as m; print('.venv-hf-current: torch', torch.__version__, 'transformers', transformers.__version__, 'tokenizers', tokenizers.__version__, 'safetensors', safetensors.__version__, 'peft', peft.__version__, 'accelerate', accelerate.__version__, 'deepspeed', m.version('deepspeed'))"
