"""Times the same Llama model in PyTorch CPU, for the engine benchmark's side-by-side ratios.
Usage: python3 parity/bench.py '{"mode": "train"|"generate", "config": {...}, "batch": B, "seq": T, "steps": S,
"prompt": P, "new_tokens": G, "seed": 0, "lora": null | {"r": 16, "alpha": 32, "dropout": 0.05, "targets": [...]}}'
->  one JSON line: tokens_per_second, seconds, peak_rss_bytes.
Run with OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=2 (the reference threading)."""
import json
import math
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F

sys.dont_write_bytecode = True  # keep the source tree free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from llama import LORA_BLOCK, forward, head_dim, rms_norm, rope_cos_sin  # noqa: E402


def init_params(cfg, gen):
    C, I, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    hd = head_dim(cfg)
    Dq, Dkv = cfg["num_attention_heads"] * hd, cfg["num_key_value_heads"] * hd
    shapes = {"model.embed_tokens.weight": (V, C), "model.norm.weight": (C,)}
    for l in range(cfg["num_hidden_layers"]):
        pre = f"model.layers.{l}"
        shapes.update({
            pre + ".self_attn.q_proj.weight": (Dq, C), pre + ".self_attn.k_proj.weight": (Dkv, C),
            pre + ".self_attn.v_proj.weight": (Dkv, C), pre + ".self_attn.o_proj.weight": (C, Dq),
            pre + ".mlp.gate_proj.weight": (I, C), pre + ".mlp.up_proj.weight": (I, C), pre + ".mlp.down_proj.weight": (C, I),
            pre + ".input_layernorm.weight": (C,), pre + ".post_attention_layernorm.weight": (C,),
        })
    if not cfg.get("tie_word_embeddings"):
        shapes["lm_head.weight"] = (V, C)
    return {k: (torch.randn(s, generator=gen) * 0.02 if len(s) == 2 else torch.ones(s)).requires_grad_() for k, s in shapes.items()}


class TrainLora:
    """LoRA as PEFT trains it: y += dropout(x) A^T B^T * alpha / r on each target module, the base weights frozen."""

    def __init__(self, cfg, spec, gen):
        C, I = cfg["hidden_size"], cfg["intermediate_size"]
        hd = head_dim(cfg)
        Dq, Dkv = cfg["num_attention_heads"] * hd, cfg["num_key_value_heads"] * hd
        shapes = {"q_proj": (Dq, C), "k_proj": (Dkv, C), "v_proj": (Dkv, C), "o_proj": (C, Dq),
                  "gate_proj": (I, C), "up_proj": (I, C), "down_proj": (C, I)}
        r = spec["r"]
        self.scaling, self.dropout = spec["alpha"] / r, spec["dropout"]
        self.A, self.B = {}, {}
        for l in range(cfg["num_hidden_layers"]):
            for t in spec["targets"]:
                path = f"model.layers.{l}.{LORA_BLOCK[t]}.{t}"
                out_f, in_f = shapes[t]
                self.A[path] = (torch.randn(r, in_f, generator=gen) / math.sqrt(in_f)).requires_grad_()
                self.B[path] = torch.zeros(out_f, r).requires_grad_()

    def delta(self, path, x):
        if path not in self.A:
            return 0
        return (F.dropout(x, self.dropout) @ self.A[path].t()) @ self.B[path].t() * self.scaling

    def parameters(self):
        return list(self.A.values()) + list(self.B.values())


def bench_train(cfg, a, gen):
    p = init_params(cfg, gen)
    lora = TrainLora(cfg, a["lora"], gen) if a.get("lora") else None
    if lora:
        for t in p.values():
            t.requires_grad_(False)
    trained = lora.parameters() if lora else list(p.values())
    opt = torch.optim.AdamW(trained, lr=1e-4)
    ids = torch.randint(0, cfg["vocab_size"], (a["batch"], a["seq"]), generator=gen)

    def step():
        logits = forward(cfg, p, ids, lora)
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, cfg["vocab_size"]), ids[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trained, 1.0)
        opt.step()

    step()
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(a["steps"]):
        step()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return a["steps"] * a["batch"] * a["seq"] / seconds, seconds, cpu


@torch.no_grad()
def bench_generate(cfg, a, gen):
    """Greedy decoding with a key/value cache (the way transformers generates), batch of equal-length prompts."""
    p = {k: v.detach() for k, v in init_params(cfg, gen).items()}
    B, P, G = a["batch"], a["prompt"], a["new_tokens"]
    Hq, Hkv, hd = cfg["num_attention_heads"], cfg["num_key_value_heads"], head_dim(cfg)
    eps = cfg["rms_norm_eps"]
    cos_all, sin_all = rope_cos_sin(cfg, P + G, torch.float32)
    head = p["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings") else p["lm_head.weight"]

    def run(ids, cache, past):
        T = ids.shape[1]
        x = p["model.embed_tokens.weight"][ids]
        cos, sin = cos_all[past:past + T], sin_all[past:past + T]
        mask = torch.full((T, past + T), float("-inf")).triu(past + 1)
        for l in range(cfg["num_hidden_layers"]):
            pre = f"model.layers.{l}"
            h = rms_norm(x, p[pre + ".input_layernorm.weight"], eps)
            q = F.linear(h, p[pre + ".self_attn.q_proj.weight"]).view(B, T, Hq, hd).transpose(1, 2)
            k = F.linear(h, p[pre + ".self_attn.k_proj.weight"]).view(B, T, Hkv, hd).transpose(1, 2)
            v = F.linear(h, p[pre + ".self_attn.v_proj.weight"]).view(B, T, Hkv, hd).transpose(1, 2)
            half = hd // 2
            q = q * cos + torch.cat((-q[..., half:], q[..., :half]), -1) * sin
            k = k * cos + torch.cat((-k[..., half:], k[..., :half]), -1) * sin
            if l in cache:
                k = torch.cat((cache[l][0], k), 2)
                v = torch.cat((cache[l][1], v), 2)
            cache[l] = (k, v)
            rep = Hq // Hkv
            kk = k[:, :, None].expand(B, Hkv, rep, past + T, hd).reshape(B, Hq, past + T, hd)
            vv = v[:, :, None].expand(B, Hkv, rep, past + T, hd).reshape(B, Hq, past + T, hd)
            att = torch.softmax(q @ kk.transpose(-1, -2) / math.sqrt(hd) + mask, -1) @ vv
            x = x + F.linear(att.transpose(1, 2).reshape(B, T, Hq * hd), p[pre + ".self_attn.o_proj.weight"])
            h = rms_norm(x, p[pre + ".post_attention_layernorm.weight"], eps)
            g = F.silu(F.linear(h, p[pre + ".mlp.gate_proj.weight"])) * F.linear(h, p[pre + ".mlp.up_proj.weight"])
            x = x + F.linear(g, p[pre + ".mlp.down_proj.weight"])
        return rms_norm(x[:, -1], p["model.norm.weight"], eps) @ head.t()

    def generate():
        ids = torch.randint(0, cfg["vocab_size"], (B, P), generator=gen)
        cache = {}
        logits = run(ids, cache, 0)
        for i in range(G - 1):
            nxt = logits.argmax(-1, keepdim=True)
            logits = run(nxt, cache, P + i)

    generate()
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(a["steps"]):
        generate()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return a["steps"] * B * G / seconds, seconds, cpu


def main():
    a = json.loads(sys.argv[1])
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))
    gen = torch.Generator().manual_seed(a.get("seed", 0))
    cfg = {"rms_norm_eps": 1e-6, "rope_theta": 10000.0, "tie_word_embeddings": False, **a["config"]}
    cfg.setdefault("num_key_value_heads", cfg["num_attention_heads"])
    tps, seconds, cpu = (bench_train if a["mode"] == "train" else bench_generate)(cfg, a, gen)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"tokens_per_second": tps, "seconds": seconds, "cpu_seconds": cpu, "peak_rss_bytes": peak,
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
