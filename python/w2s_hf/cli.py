"""Argument parsing and the process's contract with its caller: JSON-line events on stdout, exit code 0 (done),
2 (bad input, an `error` event of kind bad-input naming file/line/field) or 1 (anything else, kind internal, with the
traceback on stderr). SIGTERM and SIGINT stop the command promptly, leaving no half-written output."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import traceback
from typing import List, Optional

from .errors import BadInput, Diverged, Interrupted
from .events import emit, reserve_stdout

EXIT_BAD_INPUT = 2
EXIT_FAILURE = 1


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as BadInput (an error event and exit 2) instead of printing and exiting."""

    def error(self, message: str):
        raise BadInput(f"{message} ({self.format_usage().strip()})")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m w2s_hf", description="The w2s Hugging Face sidecar (python/README.md).")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    commands.add_parser("info", help="versions and devices, as one JSON line")
    train = commands.add_parser("train", help="weighted SFT (Eq. 1 and 5), LoRA or full, under accelerate")
    train.add_argument("--request", required=True, help="the request JSON file (python/README.md)")
    gen = commands.add_parser("generate", help="a generation and log-likelihood server on stdin/stdout")
    gen.add_argument("--model", required=True, help="checkpoint folder or hub name")
    gen.add_argument("--adapter", help="PEFT adapter folder to apply on top (not merged)")
    gen.add_argument("--batch-size", type=int, default=32, help="requests run together at most (default 32)")
    gen.add_argument("--precision", choices=("auto", "fp32", "bf16"), default="auto")
    gen.add_argument("--chat-template", action="store_true",
                     help="render each prompt as one user turn with the tokenizer's chat template (default: raw text)")
    return parser


def _on_signal(signum, _frame):
    raise Interrupted(signal.Signals(signum).name)


def _is_main_process() -> bool:
    """Under a multi-process launcher only rank 0 speaks, as in training."""
    return os.environ.get("RANK", "0") == "0"


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def run(argv: List[str]) -> None:
    """Dispatches one command; imports are deferred so that `info` and usage errors answer without loading models."""
    args = _parser().parse_args(argv)
    if args.command == "info":
        from .info import main as info

        info()
    elif args.command == "train":
        from .train import main as train

        train(args.request)
    else:
        if args.batch_size < 1:
            raise BadInput(f"must be a positive integer, got {args.batch_size}", field="--batch-size")
        from .generate import main as generate

        generate(args.model, args.adapter, args.batch_size, args.precision, args.chat_template)


def main(argv: Optional[List[str]] = None) -> int:
    """Runs the command and turns its outcome into events and an exit code."""
    reserve_stdout()
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    try:
        run(sys.argv[1:] if argv is None else argv)
        return 0
    except BadInput as e:
        if _is_main_process():
            emit({"event": "error", "kind": "bad-input", "message": _first_line(e)})
        return EXIT_BAD_INPUT
    except Diverged as e:
        if _is_main_process():
            emit({"event": "error", "kind": "internal", "message": str(e)})
        return EXIT_FAILURE
    except Interrupted as e:
        if _is_main_process():
            emit({"event": "error", "kind": "internal", "message": str(e)})
        return EXIT_FAILURE
    except Exception as e:  # noqa: BLE001 - every other failure is reported the same way, traceback on stderr
        traceback.print_exc(file=sys.stderr)
        if _is_main_process():
            emit({"event": "error", "kind": "internal", "message": f"{type(e).__name__}: {_first_line(e)}"})
        return EXIT_FAILURE
