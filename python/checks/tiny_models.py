"""Tiny random checkpoints of the current open architectures (the presets beside the paper's Llama 2, Mistral and
Llama 3: Llama 3.1/3.2, Mistral, Qwen 2.5, Qwen 3, Gemma 2), written by transformers itself with a byte-level BPE
tokenizer that has the family's special tokens, and a plain transformers/PEFT reference for the sidecar's results on
them (test/backends/hf/architectures.test.ts). Offline, no downloads.

  python tiny_models.py build <folder> [arch...]          -> per architecture (all by default), one line:
                                                             {"arch", "built": true, ...} or {"arch", "skipped": reason}
  python tiny_models.py reference <spec.json>             -> expected first loss, LoRA parameters, greedy outputs and
                                                             log-likelihoods, from transformers' own forward/generate
"""

from __future__ import annotations

import json
import os
import sys
from typing import Dict, List

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from w2s_hf.events import emit, reserve_stdout  # noqa: E402

# stdout carries the JSON lines alone: what libraries print there (DeepSpeed, when installed, at import) goes to stderr.
reserve_stdout()

from tiny_llama import corpus  # noqa: E402
from w2s_hf.compat import dtype_argument  # noqa: E402

TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
SIZES = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
             max_position_embeddings=256)

# Per family: the config class, what it needs beyond the sizes, the tokenizer's special tokens (bos None: Qwen has
# none, so prompts start without one), whether embeddings are tied, and the first transformers that loads it.
ARCHITECTURES: Dict[str, Dict] = {
    "llama3": {  # Llama 3.1/3.2: rope scaling of type llama3, tied embeddings as in 3.2 1B/3B
        "config": "LlamaConfig", "since": "4.43",
        "extra": dict(rope_theta=500000.0, rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                                         "high_freq_factor": 4.0, "original_max_position_embeddings": 64}),
        "tokens": dict(bos="<|begin_of_text|>", eos="<|end_of_text|>", pad=None), "tied": True,
    },
    "mistral": {
        "config": "MistralConfig", "since": "4.34", "extra": dict(sliding_window=None, rope_theta=1000000.0),
        "tokens": dict(bos="<s>", eos="</s>", pad=None), "tied": False,
    },
    "qwen2": {  # Qwen 2.5: biases on q, k and v
        "config": "Qwen2Config", "since": "4.37", "extra": dict(rope_theta=1000000.0, use_sliding_window=False),
        "tokens": dict(bos=None, eos="<|endoftext|>", pad="<|endoftext|>"), "tied": True,
    },
    "qwen3": {  # Qwen 3: RMSNorm on queries and keys, explicit head_dim
        "config": "Qwen3Config", "since": "4.51", "extra": dict(head_dim=32, rope_theta=1000000.0, use_sliding_window=False),
        "tokens": dict(bos=None, eos="<|endoftext|>", pad="<|endoftext|>"), "tied": True,
    },
    "gemma2": {  # Gemma 2: logit soft-capping, scaled embeddings, sliding-window layers
        "config": "Gemma2Config", "since": "4.42",
        "extra": dict(head_dim=16, query_pre_attn_scalar=16, sliding_window=32, final_logit_softcapping=30.0,
                      attn_logit_softcapping=50.0, hidden_activation="gelu_pytorch_tanh"),
        "tokens": dict(bos="<bos>", eos="<eos>", pad="<pad>"), "tied": True,
    },
}


def build(arch: str, folder: str) -> Dict:
    """Writes the tiny checkpoint and returns its line ({"arch", "built": true, ...}), or why this transformers cannot
    make one ({"arch", "skipped"}: an older release without it)."""
    import transformers
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import AutoModelForCausalLM, PreTrainedTokenizerFast

    spec = ARCHITECTURES[arch]
    why = f"transformers {transformers.__version__} cannot build {arch} (needs >= {spec['since']})"
    config_class = getattr(transformers, spec["config"], None)
    if config_class is None:
        return {"arch": arch, "skipped": f"{why}: it has no {spec['config']}"}
    tokens = spec["tokens"]
    specials = [t for t in dict.fromkeys([tokens["bos"], tokens["eos"], tokens["pad"]]) if t]
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    bpe.train_from_iterator(corpus() * 4, trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, bos_token=tokens["bos"], eos_token=tokens["eos"],
                                        pad_token=tokens["pad"], clean_up_tokenization_spaces=False)
    ids = {name: (None if t is None else tokenizer.convert_tokens_to_ids(t)) for name, t in tokens.items()}
    try:
        config = config_class(vocab_size=len(tokenizer), bos_token_id=ids["bos"], eos_token_id=ids["eos"],
                              pad_token_id=ids["pad"], tie_word_embeddings=spec["tied"], attention_dropout=0.0,
                              **SIZES, **spec["extra"])
        torch.manual_seed(0)
        model = AutoModelForCausalLM.from_config(config, **dtype_argument(torch.float32))
    except (ValueError, KeyError, TypeError) as e:
        return {"arch": arch, "skipped": f"{why}: {str(e).strip().splitlines()[0]}"}
    # Random weights this small give nearly flat distributions; larger ones make greedy choices clear-cut.
    with torch.no_grad():
        for p in model.parameters():
            if p.dim() > 1:
                p.normal_(0, 0.2)
    model.save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)
    return {"arch": arch, "built": True, "class": type(model).__name__, "model_type": config.model_type,
            "bos": ids["bos"], "eos": ids["eos"], "pad": ids["pad"]}


def continuation_logprobs(model, tokenizer, context: List[int], completions: List[str]) -> List[float]:
    """sum_t log p(completion_t | context, completion_<t) of each completion, by plain transformers."""
    values = []
    for completion in completions:
        cont = tokenizer(completion, add_special_tokens=False)["input_ids"]
        logp = torch.log_softmax(model(input_ids=torch.tensor([context + cont])).logits[0].float(), dim=-1)
        values.append(sum(float(logp[len(context) - 1 + k, c]) for k, c in enumerate(cont)))
    return values


def _prompt(tokenizer, text: str) -> List[int]:
    bos = [] if tokenizer.bos_token_id is None else [tokenizer.bos_token_id]
    return bos + tokenizer(text, add_special_tokens=False)["input_ids"]


@torch.no_grad()
def reference(spec_file: str) -> None:
    """From transformers and PEFT directly, one sequence at a time (no padding, no batching, none of the sidecar's
    code but its dtype keyword): the Eq. 5 loss of the rows on the base model, the LoRA parameter count for the
    targets, greedy outputs of `generate` with the adapter, and log-likelihoods from the adapted model's logits."""
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    with open(spec_file, encoding="utf-8") as fh:
        spec = json.load(fh)
    tokenizer = AutoTokenizer.from_pretrained(spec["model"])
    base = AutoModelForCausalLM.from_pretrained(spec["model"], **dtype_argument(torch.float32)).eval()
    eos = [] if tokenizer.eos_token_id is None else [tokenizer.eos_token_id]

    # Eq. 1 per row (mean NLL of completion + eos), Eq. 5 over the batch (weights, divided by the number of rows).
    total = 0.0
    for row in spec["rows"]:
        prompt = _prompt(tokenizer, row["prompt"])
        ids = prompt + tokenizer(row["completion"], add_special_tokens=False)["input_ids"] + eos
        logp = torch.log_softmax(base(input_ids=torch.tensor([ids])).logits[0].float(), dim=-1)
        start = max(len(prompt), 1)
        nll = [-float(logp[t - 1, ids[t]]) for t in range(start, len(ids))]
        total += row["weight"] * sum(nll) / len(nll)
    first_loss = total / len(spec["rows"])

    r = spec["lora_r"]
    lora_parameters = sum(r * (m.in_features + m.out_features) for name, m in base.named_modules()
                          if name.split(".")[-1] in TARGETS and isinstance(m, torch.nn.Linear))

    model = PeftModel.from_pretrained(base, spec["adapter"]).eval()
    greedy = []
    for prompt in spec["prompts"]:
        ids = torch.tensor([_prompt(tokenizer, prompt)])
        out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), do_sample=False,
                             max_new_tokens=spec["max_tokens"], eos_token_id=tokenizer.eos_token_id,
                             pad_token_id=tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id)
        new = out[0, ids.shape[1]:].tolist()
        if eos and new and new[-1] == eos[0]:
            new = new[:-1]
        greedy.append({"tokens": len(new), "output": tokenizer.decode(new, skip_special_tokens=True)})
    logprobs = [continuation_logprobs(model, tokenizer, _prompt(tokenizer, item["prompt"]), item["completions"]) for item in spec["scored"]]
    emit({"first_loss": first_loss, "lora_parameters": lora_parameters, "greedy": greedy, "logprobs": logprobs,
          "class": type(base).__name__})


if __name__ == "__main__":
    if sys.argv[1] == "build":
        for name in sys.argv[3:] or list(ARCHITECTURES):
            emit(build(name, os.path.join(sys.argv[2], name)))
    else:
        reference(sys.argv[2])
