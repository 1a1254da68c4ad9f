"""`train`: weighted completion-only SFT (docs/method.md Eq. 1 and 5) of a causal LM, LoRA (PEFT) or full, in a custom
accelerate loop that runs the same on one CPU, one GPU, several GPUs or machines (DDP), DeepSpeed ZeRO-2 and ZeRO-3,
and FSDP.

Eq. 5 under accumulation and data parallelism: a step's B examples are dealt out over P processes, each running K
micro-batches (the same K everywhere, padded with loss-free passes). A micro-batch's loss is its share
sum_i w_i L_i / B (loss.py). Its backward is given P * K times that: accelerate divides by K (its accumulation
steps) and DDP, DeepSpeed or FSDP average over the P processes, so the gradient that reaches the optimizer is exactly the
gradient of the step's Eq. 5 loss, whatever P, K and the micro-batch size."""

from __future__ import annotations

import contextlib
import math
import time
from typing import List, Optional

import torch

from .compat import accelerate_cpu, cpu_fsdp_settings, fsdp_on_cpus, process_group_backend, use_fsdp_on_cpus
from .data import read_rows
from .errors import Diverged
from .events import emit
from .loss import pack, weighted_clm_loss
from .models import context_length, load_causal_lm, load_tokenizer, resolve_precision
from .optim import adamw, schedule
from .plan import micro_layout, process_micro_batches, step_plan, total_steps
from .request import LoraSettings, TrainRequest, read_request
from .save import staged_dir, write_adapter_weights
from .tokens import Example, pad_id, require_chat_template, sft_examples


def _with_lora(model, lora: LoraSettings, gradient_checkpointing: bool):
    """Wraps the model in a fresh PEFT LoRA adapter (A kaiming-uniform from the seeded RNG, B zero, so training starts
    from the base model exactly). The adapter trains in float32 even when the frozen base is bfloat16."""
    from peft import LoraConfig, TaskType, get_peft_model

    config = LoraConfig(r=lora.r, lora_alpha=lora.alpha, lora_dropout=lora.dropout, target_modules=list(lora.target_modules),
                        task_type=TaskType.CAUSAL_LM, bias="none")
    model = get_peft_model(model, config)
    for p in model.parameters():
        if p.requires_grad:
            p.data = p.data.float()
    if gradient_checkpointing:
        # The frozen embeddings give no gradient to the checkpointed blocks' inputs otherwise.
        model.enable_input_require_grads()
    return model


def _configure_deepspeed(accelerator, micro: int, count: int, max_grad_norm: Optional[float]) -> None:
    """DeepSpeed runs the accumulation, the averaging over processes and the clipping itself: it is told this run's
    micro-batch size, micro-batches per step and clipping norm (0 = none), so that it steps exactly when we do."""
    ds = accelerator.state.deepspeed_plugin.deepspeed_config
    ds["train_micro_batch_size_per_gpu"] = micro
    ds["gradient_accumulation_steps"] = count
    ds["train_batch_size"] = micro * count * accelerator.num_processes
    ds["gradient_clipping"] = max_grad_norm if max_grad_norm is not None else 0.0


def _grad_norm(accelerator, model, params: List[torch.nn.Parameter], max_grad_norm: Optional[float], deepspeed: bool,
               fsdp: bool) -> float:
    """The global gradient norm before clipping; clips to max_grad_norm (torch's clip_grad_norm_ via accelerate).
    Under FSDP each process holds a shard of every gradient: accelerate hands the clipping to FSDP's own
    clip_grad_norm_ (a norm over all shards) only when given all of the model's parameters, so it gets them all
    (frozen ones have no gradient and add nothing)."""
    if deepspeed:
        norm = model.get_global_grad_norm()
        return float(norm) if norm is not None else math.nan
    limit = max_grad_norm if max_grad_norm is not None else math.inf
    norm = accelerator.clip_grad_norm_(list(model.parameters()) if fsdp else params, limit)
    return float(norm)


def train(request: TrainRequest, request_file: str) -> None:
    """Runs one training request end to end and writes the adapter or checkpoint to request.out atomically."""
    from accelerate import Accelerator, PartialState
    from accelerate.utils import DistributedType, set_seed

    started = time.time()
    rows = read_rows(request.rows)
    cpu = accelerate_cpu()
    backend = process_group_backend()
    cpu_fsdp = fsdp_on_cpus()
    if cpu_fsdp:
        cpu_fsdp_settings()
    state = PartialState(cpu=cpu, **({"backend": backend} if backend else {}))
    precision = resolve_precision(request.precision, state.device, file=request_file)
    accelerator = Accelerator(mixed_precision="bf16" if precision == "bf16" else "no", cpu=cpu)
    if cpu_fsdp:
        use_fsdp_on_cpus(accelerator)
    main = accelerator.is_main_process
    processes = accelerator.num_processes
    micro, count = micro_layout(request.batch_size, processes, request.micro_batch_size)
    accelerator.gradient_accumulation_steps = count
    deepspeed = accelerator.distributed_type == DistributedType.DEEPSPEED
    fsdp = accelerator.distributed_type == DistributedType.FSDP
    if deepspeed:
        _configure_deepspeed(accelerator, micro, count, request.max_grad_norm)

    tokenizer = load_tokenizer(request.base, file=request_file)
    if request.chat_template:
        require_chat_template(tokenizer, request.base, file=request_file)
    set_seed(request.seed)
    # A frozen base needs no float32 master copy: in bf16 runs it is stored in bfloat16 (half the memory). Not under
    # FSDP, which flattens a layer's frozen and trainable weights together and needs one dtype for both (its shards
    # stay float32 and it computes in bf16).
    base_dtype = torch.bfloat16 if precision == "bf16" and request.lora is not None and not fsdp else torch.float32
    model = load_causal_lm(request.base, base_dtype, file=request_file)
    examples = sft_examples(tokenizer, rows, request.rows, context_length(model), request.chat_template)
    model.config.use_cache = False
    if request.gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    if request.lora is not None:
        model = _with_lora(model, request.lora, request.gradient_checkpointing)
    params = [p for p in model.parameters() if p.requires_grad]
    # The adapter's parameters by their names before any wrapping: the keys of the state FSDP gathers to save.
    adapter_names = [n for n, p in model.named_parameters() if p.requires_grad] if fsdp and request.lora is not None else None
    trainable = sum(p.numel() for p in params)
    if fsdp:
        # FSDP wraps (and shards) the model first; the optimizer is then built over the wrapped parameters.
        model = accelerator.prepare(model)
        optimizer = accelerator.prepare(adamw(model, request.learning_rate, request.weight_decay))
    else:
        optimizer = adamw(model, request.learning_rate, request.weight_decay)
        model, optimizer = accelerator.prepare(model, optimizer)
    steps = total_steps(len(examples), request.batch_size, request.epochs, request.max_steps)
    # Not handed to accelerate.prepare, which would step it once per process per step.
    scheduler = schedule(optimizer, request.schedule, request.warmup_steps, steps)
    plan = step_plan(len(examples), request.batch_size, steps, request.seed, request.shuffle)
    lengths = [len(ex.ids) for ex in examples]
    pad = pad_id(tokenizer)
    device = accelerator.device

    if main:
        emit({"event": "start", "examples": len(examples), "total_steps": steps, "processes": processes,
              "distributed": str(accelerator.distributed_type.value).lower(), "device": device.type,
              "precision": precision, "trainable_parameters": trainable})
    model.train()
    losses: List[float] = []
    for s, step in enumerate(plan):
        denominator = len(step.items)
        learning_rate = optimizer.param_groups[0]["lr"]
        local = torch.zeros((), dtype=torch.float32, device=device)
        micro_batches = process_micro_batches(step.items, lengths, accelerator.process_index, processes, micro, count)
        for k, idx in enumerate(micro_batches):
            batch = _micro_batch([examples[i] for i in idx] or [examples[step.items[0]]], denominator, pad, device, empty=not idx)
            # Gradients are exchanged once per step, after the last micro-batch. DeepSpeed (ZeRO-2/3: no no_sync)
            # accumulates until accelerate's backward says a micro-batch ends the step: accelerate 1.x says so from
            # sync_gradients (True unless set, which would make it step after every micro-batch); 0.25 let it count.
            last = k == count - 1
            accelerator.sync_gradients = last
            with contextlib.nullcontext() if last or deepspeed else accelerator.no_sync(model):
                logits = model(input_ids=batch.input_ids, attention_mask=batch.attention_mask).logits
                part = weighted_clm_loss(logits, batch)
                accelerator.backward(part * (processes * count))
            local += part.detach().float()
        norm = _grad_norm(accelerator, model, params, request.max_grad_norm, deepspeed, fsdp)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        loss = float(accelerator.reduce(local, reduction="sum").item())
        # Every process holds the same summed loss and global norm, so all of them stop here together. DeepSpeed may
        # not report a norm (nan): then the loss alone decides.
        if not math.isfinite(loss) or (not math.isfinite(norm) and not deepspeed):
            raise Diverged(s + 1, f"loss {loss}, gradient norm {norm}")
        losses.append(loss)
        if main:
            emit({"event": "step", "step": s + 1, "total_steps": steps, "epoch": step.epoch, "loss": loss,
                  "learning_rate": learning_rate, "grad_norm": norm})

    # The last step's update is seen by no later loss: its weights are checked (each process its own share).
    bad = torch.tensor(float(sum(int(not torch.isfinite(p.detach()).all()) for p in params)), device=device)
    if float(accelerator.reduce(bad, reduction="sum").item()) > 0:
        raise Diverged(steps, "the updated weights are not finite")
    _save(accelerator, model, tokenizer, request, adapter_names)
    _leave_process_group()
    if main:
        emit({"event": "done", "out": request.out, "steps": steps, "first_loss": losses[0], "last_loss": losses[-1],
              "seconds": time.time() - started})


def _leave_process_group() -> None:
    """Every process of a finished run leaves the process group, as PyTorch asks of a normal exit, so that no collective
    is pending when the process ends (__main__.py). Only on success: on an error the other processes may be inside a
    collective, and leaving could wait for them forever."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def _micro_batch(chosen: List[Example], denominator: int, pad: int, device: torch.device, empty: bool):
    """A micro-batch of this process; an empty one (a short last step) becomes a pass over one example with every
    coefficient 0, which adds nothing to any gradient but keeps the processes' gradient exchanges in step."""
    batch = pack(chosen, denominator, pad, device)
    if empty:
        batch.coef.zero_()
    return batch


def _save(accelerator, model, tokenizer, request: TrainRequest, adapter_names: Optional[List[str]]) -> None:
    """The main process writes the PEFT adapter (base_model_name_or_path = base) or the full checkpoint with the
    tokenizer files, through a staging folder; the others wait so that no process exits before the files exist.
    Under FSDP with LoRA (`adapter_names`), PEFT writes the folder and the adapter's weights are then written from
    the gathered state (save.py, `write_adapter_weights`)."""
    state_dict = accelerator.get_state_dict(model)
    if accelerator.is_main_process:
        unwrapped = accelerator.unwrap_model(model)
        with staged_dir(request.out) as staging:
            unwrapped.save_pretrained(staging, state_dict=state_dict, safe_serialization=True)
            if adapter_names is not None:
                write_adapter_weights(staging, state_dict, adapter_names)
            if request.lora is None:
                tokenizer.save_pretrained(staging)
    accelerator.wait_for_everyone()


def main(request_file: str) -> None:
    """`python -m w2s_hf train --request <file>`."""
    train(read_request(request_file), request_file)
