"""What `accelerate launch` makes of each shipped config (python/accelerate/*.yaml), without starting anything: the
launcher's own parsing and validation, then the environment and torchrun settings it would hand the processes. One JSON
line per config. Usage: python accelerate_configs.py <config.yaml> [launcher options...]"""

from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from w2s_hf.events import emit, reserve_stdout  # noqa: E402


def describe(config: str, options) -> dict:
    from accelerate.commands.launch import _validate_launch_command, launch_command_parser
    from accelerate.utils import launch as launching

    args = launch_command_parser().parse_args(["--config_file", config, *options, "train.py"])
    validated = _validate_launch_command(args)
    args, defaults = (validated[0], validated[1]) if isinstance(validated, tuple) else (args, None)
    if args.use_deepspeed:
        # As launch_command does before it calls the DeepSpeed launcher.
        fields = list(defaults.deepspeed_config.keys()) if defaults is not None else []
        args.deepspeed_fields_from_accelerate_config = ",".join(fields)
        _, env = launching.prepare_deepspeed_cmd_env(args)
        launcher = "deepspeed"
    elif args.use_fsdp or args.multi_gpu:
        env = launching.prepare_multi_gpu_env(args)
        launcher = "torchrun"
    else:
        env = {}
        launcher = "simple"
    return {
        "config": config,
        "launcher": launcher,
        "distributed": "deepspeed" if args.use_deepspeed else "fsdp" if args.use_fsdp else "multi_gpu" if args.multi_gpu else "none",
        "num_processes": args.num_processes,
        "num_machines": args.num_machines,
        "machine_rank": args.machine_rank,
        "mixed_precision": args.mixed_precision,
        "nnodes": getattr(args, "nnodes", None),
        "node_rank": getattr(args, "node_rank", None),
        "nproc_per_node": getattr(args, "nproc_per_node", None),
        "rdzv_endpoint": getattr(args, "rdzv_endpoint", None),
        "rdzv_backend": getattr(args, "rdzv_backend", None),
        "env": {k: v for k, v in env.items() if k.startswith(("ACCELERATE_USE", "ACCELERATE_DEEPSPEED", "ACCELERATE_MIXED", "FSDP_"))},
    }


if __name__ == "__main__":
    # stdout carries the JSON line alone: what the launcher's imports print there (DeepSpeed's) goes to stderr.
    reserve_stdout()
    emit(describe(sys.argv[1], sys.argv[2:]))
