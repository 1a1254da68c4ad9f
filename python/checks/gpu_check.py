"""The sidecar's self-check for a machine with a GPU (or, with --cpu, for any machine, to prove the check itself):
a tiny random Llama and tokenizer are built offline in a temporary folder, trained under `accelerate launch` (LoRA with
per-example weights, then full fine-tuning), and served by `generate`; the DeepSpeed ZeRO-2 config is validated by
accelerate's launcher and, where DeepSpeed is installed, trains the same LoRA request on one GPU. One PASS/FAIL line per
check, and one SKIP line, with the reason, for each check that needs what this machine lacks; exit 0 only if every check
that ran passed."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from typing import Callable, Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from tiny_llama import build, write_rows  # noqa: E402

results: List[bool] = []


def check(name: str, ok: bool, detail: str) -> None:
    results.append(ok)
    print(f"{'PASS' if ok else 'FAIL'} {name}: {detail}", flush=True)


def skip(name: str, reason: str) -> None:
    """A check this machine cannot run (no GPU, no DeepSpeed): said, not counted."""
    print(f"SKIP {name}: {reason}", flush=True)


def events(stdout: str) -> List[Dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def sidecar(args: List[str], launch: Optional[List[str]] = None, stdin: Optional[str] = None, timeout: int = 240):
    """Runs `python -m w2s_hf ...`, under `accelerate launch` when `launch` gives its options."""
    prefix = [sys.executable, "-m", "accelerate.commands.launch", *launch, "-m", "w2s_hf"] if launch else [sys.executable, "-m", "w2s_hf"]
    return subprocess.run(prefix + args, input=stdin, capture_output=True, text=True, timeout=timeout)


def guarded(name: str, fn: Callable[[], None]) -> None:
    """A check that crashes fails with its exception instead of ending the script."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - reported as this check's failure
        check(name, False, f"{type(e).__name__}: {e}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cpu", "--dry", action="store_true", dest="cpu",
                        help="run on the CPU in float32 (proves the script without a GPU); the GPU-only checks are skipped")
    args = parser.parse_args()
    precision = "fp32" if args.cpu else "bf16"
    launch = ["--num_processes", "1", "--num_machines", "1", "--dynamo_backend", "no",
              "--mixed_precision", "no" if args.cpu else "bf16"] + (["--cpu"] if args.cpu else [])

    info = (events(sidecar(["info"]).stdout) or [{}])[-1]
    gpu_ok = args.cpu or (info.get("cuda") is True and info.get("bf16") is True)
    check("info", info.get("event") == "info" and gpu_ok, json.dumps(info))
    if args.cpu:
        skip("bf16", "a dry run on the CPU trains and generates in float32; bf16 autocast is checked on a GPU")

    with tempfile.TemporaryDirectory(prefix="w2s-gpu-check-") as work:
        run_checks(work, precision, launch, args.cpu)
    print(f"{'PASS' if all(results) else 'FAIL'}: {sum(results)} of {len(results)} checks passed", flush=True)
    return 0 if results and all(results) else 1


def run_checks(work: str, precision: str, launch: List[str], cpu: bool) -> None:
    """Builds the tiny model in `work`, then trains (LoRA, full) and generates, each check reporting for itself."""
    model, rows = os.path.join(work, "model"), os.path.join(work, "rows.jsonl")
    build(model)
    write_rows(rows)
    adapter, full = os.path.join(work, "lora"), os.path.join(work, "full")

    def request(name: str, **fields) -> str:
        path = os.path.join(work, name + ".json")
        body = {"base": model, "rows": rows, "learning_rate": 1e-2, "batch_size": 10, "micro_batch_size": 4,
                "max_steps": 30, "precision": precision, "seed": 1, **fields}
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(body, fh)
        return path

    def lora_training() -> None:
        lora = {"r": 8, "alpha": 16, "dropout": 0.05, "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]}
        run = sidecar(["train", "--request", request("lora", out=adapter, lora=lora)], launch)
        ev = events(run.stdout)
        done = ev[-1] if ev else {}
        start = ev[0] if ev else {}
        check("lora-train", run.returncode == 0 and done.get("event") == "done" and start.get("precision") == precision
              and start.get("device") == ("cpu" if cpu else "cuda"),
              f"exit {run.returncode}, start {json.dumps(start)}" + ("" if run.returncode == 0 else f", stderr: {run.stderr[-2000:]}"))
        if done.get("event") == "done":
            check("lora-loss-fell", done["last_loss"] < 0.8 * done["first_loss"], f"first {done['first_loss']:.4f}, last {done['last_loss']:.4f}")
        check("adapter-files", all(os.path.exists(os.path.join(adapter, f)) for f in ("adapter_config.json", "adapter_model.safetensors")), adapter)

    def full_training() -> None:
        run = sidecar(["train", "--request", request("full", out=full, lora=None, learning_rate=3e-3, max_steps=10)], launch)
        ev = events(run.stdout)
        done = ev[-1] if ev else {}
        ok = run.returncode == 0 and done.get("event") == "done" and done["last_loss"] < done["first_loss"]
        check("full-train", ok, json.dumps(done) + ("" if run.returncode == 0 else f", stderr: {run.stderr[-2000:]}"))
        from transformers import AutoModelForCausalLM, AutoTokenizer

        AutoModelForCausalLM.from_pretrained(full)
        AutoTokenizer.from_pretrained(full)
        check("full-checkpoint-loads", True, full)

    def generation() -> None:
        requests = [
            {"id": "g", "prompt": "one", "max_tokens": 16, "stop": ["."]},
            {"id": "s", "prompt": "three", "max_tokens": 8, "temperature": 0.7, "top_p": 0.9, "seed": 3},
            {"id": "l", "prompt": "one", "completions": [" two three four", " ten nine eight"]},
        ]
        stdin = "".join(json.dumps(r) + "\n" for r in requests)
        base = events(sidecar(["generate", "--model", model, "--precision", "auto"], stdin=stdin).stdout)
        run = sidecar(["generate", "--model", model, "--adapter", adapter, "--precision", "auto"], stdin=stdin)
        tuned = events(run.stdout)
        ready = tuned[0] if tuned else {}
        answers = {a.get("id"): a for a in tuned[1:]}
        check("generate-ready", run.returncode == 0 and ready.get("precision") == precision,
              json.dumps(ready) + ("" if run.returncode == 0 else f", stderr: {run.stderr[-2000:]}"))
        greedy = answers.get("g", {})
        check("generate-greedy", "output" in greedy and "." not in greedy["output"] and greedy.get("finish_reason") in ("stop", "length"), json.dumps(greedy))
        check("generate-sampled", "output" in answers.get("s", {}), json.dumps(answers.get("s")))
        tuned_lp = answers.get("l", {}).get("logprobs", [None, None])
        base_lp = {a.get("id"): a for a in base[1:]}.get("l", {}).get("logprobs", [None, None])
        learned = None not in tuned_lp and None not in base_lp and tuned_lp[0] > base_lp[0] and tuned_lp[0] > tuned_lp[1]
        check("adapter-learned", learned, f"log p(' two three four' | 'one'): base {base_lp[0]}, adapter {tuned_lp[0]}; "
              f"log p(' ten nine eight' | 'one'): adapter {tuned_lp[1]}")

    def zero2() -> None:
        from accelerate_configs import describe

        config = os.path.join(os.path.dirname(HERE), "accelerate", "deepspeed-zero2.yaml")
        seen = describe(config, ["--num_processes", "1"])
        env = seen["env"]
        check("zero2-config", seen["launcher"] == "deepspeed" and env.get("ACCELERATE_DEEPSPEED_ZERO_STAGE") == "2"
              and env.get("ACCELERATE_MIXED_PRECISION") == "bf16", json.dumps(env))
        if cpu:
            skip("zero2-train", "this check trains under DeepSpeed on a GPU only (on CPUs: test/backends/hf/sharded.test.ts)")
            return
        try:
            import deepspeed  # noqa: F401
        except ImportError:
            skip("zero2-train", "DeepSpeed is not installed (pip install ./python[deepspeed])")
            return
        out = os.path.join(work, "zero2")
        lora = {"r": 8, "alpha": 16, "dropout": 0.05, "target_modules": ["q_proj", "v_proj"]}
        run = sidecar(["train", "--request", request("zero2", out=out, lora=lora, max_steps=10)],
                      ["--config_file", config, "--num_processes", "1"])
        ev = events(run.stdout)
        done = ev[-1] if ev else {}
        check("zero2-train", run.returncode == 0 and done.get("event") == "done" and done["last_loss"] < done["first_loss"]
              and os.path.exists(os.path.join(out, "adapter_model.safetensors")),
              json.dumps(done) + ("" if run.returncode == 0 else f", stderr: {run.stderr[-2000:]}"))

    guarded("lora-train", lora_training)
    guarded("full-train", full_training)
    guarded("generate", generation)
    guarded("zero2", zero2)


if __name__ == "__main__":
    sys.exit(main())
