"""Parity oracle: reads a model (config.json, model.safetensors), a batch (batch.json) and optionally a LoRA adapter
with dropout masks from a folder, and writes the logits, the weighted loss and every gradient, computed in float64,
to out.safetensors in the same folder. Usage: python3 parity/oracle.py FOLDER"""
import json
import os
import sys

import torch

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llama import LORA_BLOCK, Lora, forward, read_safetensors, weighted_clm_loss, write_safetensors  # noqa: E402


def main(folder):
    torch.set_num_threads(1)
    cfg = json.load(open(os.path.join(folder, "config.json")))
    batch = json.load(open(os.path.join(folder, "batch.json")))
    params = {k: torch.tensor(v, dtype=torch.float64) for k, v in read_safetensors(os.path.join(folder, "model.safetensors")).items()}
    ids = torch.tensor(batch["input_ids"], dtype=torch.long)
    lora = None
    if batch.get("lora"):
        spec = batch["lora"]
        ad = read_safetensors(os.path.join(folder, "adapter_model.safetensors"))
        A, B, names = {}, {}, {}
        for l in range(cfg["num_hidden_layers"]):
            for t in spec["target_modules"]:
                path = f"model.layers.{l}.{LORA_BLOCK[t]}.{t}"
                A[path] = torch.tensor(ad[f"base_model.model.{path}.lora_A.weight"], dtype=torch.float64, requires_grad=True)
                B[path] = torch.tensor(ad[f"base_model.model.{path}.lora_B.weight"], dtype=torch.float64, requires_grad=True)
                names[f"base_model.model.{path}.lora_A.weight"] = A[path]
                names[f"base_model.model.{path}.lora_B.weight"] = B[path]
        masks = {}
        mask_file = os.path.join(folder, "masks.safetensors")
        if os.path.exists(mask_file):
            masks = {k[len("mask."):]: torch.tensor(v, dtype=torch.float64) for k, v in read_safetensors(mask_file).items()}
        lora = Lora(spec["r"], spec["lora_alpha"], spec["lora_dropout"], A, B, masks)
        trainable = names
    else:
        for v in params.values():
            v.requires_grad_(True)
        trainable = params
    logits = forward(cfg, params, ids, lora)
    loss = weighted_clm_loss(logits, ids, batch["lengths"], batch["prompt_lengths"], batch["weights"])
    loss.backward()
    out = {"logits": logits.detach().numpy(), "loss": loss.detach().reshape(1).numpy()}
    for name, t in trainable.items():
        out["grad." + name] = t.grad.numpy()
    write_safetensors(os.path.join(folder, "out.safetensors"), out)


if __name__ == "__main__":
    main(sys.argv[1])
