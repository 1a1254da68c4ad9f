"""Parity probe: what transformers, tokenizers and PEFT make of a checkpoint (and adapter) folder. Reads a JSON spec
{"texts": [...], "input_ids": [[...]], "lengths": [...], "models": [{"name", "model", "adapter"?}]}, and writes
<out>.json (each model's tokenizer ids for the texts, without special tokens, and its special token ids) and
<out>.safetensors (float32 "logits.<name>" of the right-padded batch, shape (B, T, V), padding masked)."""

from __future__ import annotations

import json
import sys

import torch
from peft import PeftModel
from safetensors.torch import save_file
from transformers import AutoTokenizer, LlamaForCausalLM

from w2s_hf.compat import dtype_argument


def main(spec_file: str, out: str) -> None:
    """Runs every model of the spec on the same batch, in float32, with nothing merged into the base weights."""
    with open(spec_file, encoding="utf-8") as fh:
        spec = json.load(fh)
    ids = torch.tensor(spec["input_ids"], dtype=torch.long)
    mask = torch.zeros_like(ids)
    for b, n in enumerate(spec["lengths"]):
        mask[b, :n] = 1
    tensors, report = {}, {}
    for entry in spec["models"]:
        tokenizer = AutoTokenizer.from_pretrained(entry["model"])
        model = LlamaForCausalLM.from_pretrained(entry["model"], **dtype_argument(torch.float32))
        if entry.get("adapter"):
            model = PeftModel.from_pretrained(model, entry["adapter"])
        model.eval()
        with torch.no_grad():
            tensors[f"logits.{entry['name']}"] = model(input_ids=ids, attention_mask=mask).logits.float().contiguous()
        report[entry["name"]] = {
            "class": type(model).__name__,
            "ids": tokenizer(spec["texts"], add_special_tokens=False)["input_ids"],
            "bos": tokenizer.bos_token_id,
            "eos": tokenizer.eos_token_id,
            "pad": tokenizer.pad_token_id,
        }
    save_file(tensors, out + ".safetensors")
    with open(out + ".json", "w", encoding="utf-8") as fh:
        json.dump(report, fh)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
