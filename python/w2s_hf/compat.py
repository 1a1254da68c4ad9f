"""The one place that knows how the supported releases differ (python/README.md, "Tested stacks"): PyTorch 1.13 to 2.x,
transformers 4.36 to 5.x (chat templates included), PEFT 0.7 and later, accelerate 0.25 to 1.x. Everything else in the
sidecar calls these helpers instead of checking versions itself. Also what accelerate leaves out for DeepSpeed and FSDP
on CPUs (README, "Beyond one node")."""

from __future__ import annotations

import os
import re
from typing import Dict, List, Optional, Tuple

import torch


def _version(text: str) -> Tuple[int, int]:
    """(major, minor) of a version string such as "4.36.2", "2.15.0+cu132" or "1.13.0a0"."""
    match = re.match(r"(\d+)\.(\d+)", text)
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


def transformers_version() -> Tuple[int, int]:
    import transformers

    return _version(transformers.__version__)


def dtype_argument(dtype: torch.dtype) -> Dict[str, torch.dtype]:
    """The keyword that sets the weights' dtype in `from_pretrained`/`from_config`: `dtype` since transformers 4.56
    (5.x warns about the old name), `torch_dtype` before (where an unknown `dtype` would be silently ignored)."""
    return {"dtype": dtype} if transformers_version() >= (4, 56) else {"torch_dtype": dtype}


def _several_cpu_processes() -> bool:
    """Several processes (the variables torchrun sets) and no GPU."""
    world = int(os.environ.get("WORLD_SIZE", "1") or "1")
    return world > 1 and not torch.cuda.is_available()


def _launched_with(name: str) -> bool:
    """Whether accelerate's launcher asked for DEEPSPEED or FSDP (ACCELERATE_USE_<name>)."""
    return os.environ.get(f"ACCELERATE_USE_{name}", "false").lower() == "true"


def accelerate_cpu() -> bool:
    """Whether accelerate must be told `cpu=True`: several processes without a GPU (the variables torchrun sets, as the
    parity test starts them). accelerate 0.25 took that for multi-CPU by itself; 1.x needs the flag, else every
    process trains alone. Harmless on 0.25, and never set with a GPU or for one process (which keeps its own device).
    Not under DeepSpeed, which accelerate sets up only without the flag (`process_group_backend`)."""
    return _several_cpu_processes() and not _launched_with("DEEPSPEED")


def process_group_backend() -> Optional[str]:
    """The `backend` to give accelerate's PartialState: gloo for DeepSpeed on CPUs. accelerate starts DeepSpeed's
    process group only without `cpu=True`, and without a GPU it then counts one process unless given a backend."""
    return "gloo" if _several_cpu_processes() and _launched_with("DEEPSPEED") else None


def fsdp_on_cpus() -> bool:
    """Whether this is FSDP over several CPU processes (the tests' way to run it): accelerate sets FSDP up only on a
    GPU-class device, so `cpu_fsdp_settings` and `use_fsdp_on_cpus` do it here. False on a GPU."""
    return _several_cpu_processes() and _launched_with("FSDP")


def cpu_fsdp_settings() -> None:
    """Before the Accelerator, for FSDP on CPUs: accelerate's FSDP plugin refuses `sync_module_states` (which
    `cpu_ram_efficient_loading` forces) without a GPU, so both are turned off; every process then loads the whole
    checkpoint, the same weights."""
    os.environ["FSDP_SYNC_MODULE_STATES"] = "false"
    os.environ["FSDP_CPU_RAM_EFFICIENT_LOADING"] = "false"


def use_fsdp_on_cpus(accelerator) -> None:
    """After the Accelerator, for FSDP on CPUs: accelerate (0.25 to 1.x) turns ACCELERATE_USE_FSDP into FSDP only on
    a GPU-class device and leaves CPUs with DDP over gloo. The state is switched to FSDP with the launcher's settings
    (the plugin reads them from the environment), on the device `cpu` (FSDP's compute device there, not accelerate's
    `cpu:0`); the process group stays gloo. Both shared states are set: a later AcceleratorState copies PartialState's."""
    from accelerate import PartialState
    from accelerate.utils import DistributedType, FullyShardedDataParallelPlugin

    accelerator.state.fsdp_plugin = FullyShardedDataParallelPlugin()
    for state in (PartialState(), accelerator.state):
        state.distributed_type = DistributedType.FSDP
        state.device = torch.device("cpu")



def has_chat_template(tokenizer) -> bool:
    """Whether the checkpoint's tokenizer brings its own chat template. transformers before 4.43 would otherwise render
    with a class-wide default template (and a warning): that one is not the model's, so it does not count here."""
    return bool(getattr(tokenizer, "chat_template", None))


def render_chat(tokenizer, messages: List[Dict[str, str]], add_generation_prompt: bool) -> str:
    """The conversation as text by the tokenizer's own template (`tokenize=False` returns a string on every release
    from 4.36 to 5.x; tokenizing is left to the caller, with add_special_tokens=False as the template writes them)."""
    text = tokenizer.apply_chat_template(messages, add_generation_prompt=add_generation_prompt, tokenize=False)
    if not isinstance(text, str):
        raise TypeError(f"apply_chat_template(tokenize=False) returned {type(text).__name__}, not str")
    return text
