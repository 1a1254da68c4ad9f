"""`python -m w2s_hf <command>`: the entry point the TypeScript side and `accelerate launch -m` spawn."""

import os
import sys

from .cli import main

code = main()
if int(os.environ.get("WORLD_SIZE", "1")) > 1:
    # A process of a multi-process launch ends without the interpreter's teardown: its events are out and its files
    # committed, and the C++ teardown of the distributed stack (seen with DeepSpeed ZeRO-3 on gloo, PyTorch 2.x) now
    # and then aborts a finished process ("terminate called without an active exception", SIGABRT), which the
    # launcher then reports as a failed run.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
sys.exit(code)
