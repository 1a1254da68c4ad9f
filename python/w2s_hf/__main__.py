"""`python -m w2s_hf <command>`: the entry point the TypeScript side and `accelerate launch -m` spawn."""

import sys

from .cli import main

sys.exit(main())
