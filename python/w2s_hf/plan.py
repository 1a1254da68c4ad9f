"""Which examples each optimizer step uses, and how a step's examples are spread over processes and micro-batches.
Every process computes the same plan from the seed, so no data has to be sent between them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import List, Optional, Sequence

import torch


@dataclass(frozen=True)
class Step:
    """One optimizer step: its epoch (0-based) and the indices of its examples (all processes together)."""

    epoch: int
    items: List[int]


def total_steps(n: int, batch_size: int, epochs: float, max_steps: Optional[int]) -> int:
    """Optimizer steps of a run, as the built-in engine counts them: max_steps, else ceil(epochs * ceil(n / B))."""
    if max_steps is not None:
        return max_steps
    return math.ceil(epochs * math.ceil(n / batch_size))


def step_plan(n: int, batch_size: int, steps: int, seed: int, shuffle: bool) -> List[Step]:
    """Epoch after epoch, a fresh seeded order each (or the file's order), cut into batches; the last batch of an epoch
    may be smaller, and its B in Eq. 5 is then its own size."""
    generator = torch.Generator()
    generator.manual_seed(seed)
    plan: List[Step] = []
    epoch = 0
    while len(plan) < steps:
        order = torch.randperm(n, generator=generator).tolist() if shuffle else list(range(n))
        for start in range(0, n, batch_size):
            if len(plan) == steps:
                break
            plan.append(Step(epoch, order[start:start + batch_size]))
        epoch += 1
    return plan


def micro_layout(batch_size: int, processes: int, micro_batch_size: Optional[int]) -> tuple:
    """(micro-batch size, micro-batches per process per step). Every process runs the same number of micro-batches in
    every step (short ones padded with loss-free passes), which DDP's and DeepSpeed's gradient exchange require."""
    per_process = math.ceil(batch_size / processes)
    micro = min(micro_batch_size or per_process, per_process)
    return micro, math.ceil(per_process / micro)


def process_micro_batches(items: Sequence[int], lengths: Sequence[int], process: int, processes: int,
                          micro: int, count: int) -> List[List[int]]:
    """This process's `count` micro-batches of a step (some possibly empty). Sorting by length first and dealing the
    examples out in turn keeps padding low and the processes' loads even; it changes no example's 1/B coefficient."""
    ordered = sorted(items, key=lambda i: (lengths[i], i))
    mine = ordered[process::processes]
    return [mine[k * micro:(k + 1) * micro] for k in range(count)]
