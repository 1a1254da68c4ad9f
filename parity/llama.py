"""A Llama decoder (Hugging Face LlamaForCausalLM semantics) in plain PyTorch: the reference the TypeScript engine is
checked and timed against. Written from the published architecture, without `transformers`."""
import json
import math
import struct

import numpy as np
import torch

LORA_BLOCK = {"q_proj": "self_attn", "k_proj": "self_attn", "v_proj": "self_attn", "o_proj": "self_attn",
              "gate_proj": "mlp", "up_proj": "mlp", "down_proj": "mlp"}


def read_safetensors(path):
    """Tensors of a safetensors file (F32/F64/U8) as numpy arrays."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    dtypes = {"F32": np.float32, "F64": np.float64, "U8": np.uint8}
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        begin, end = e["data_offsets"]
        out[name] = np.frombuffer(data[begin:end], dtype=dtypes[e["dtype"]]).reshape(e["shape"])
    return out


def write_safetensors(path, tensors):
    """Writes float32 tensors (names sorted, header padded to 8 bytes)."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name], dtype=np.float32)
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        blobs.append(a.tobytes())
        offset += a.nbytes
    raw = json.dumps(header).encode()
    raw += b" " * ((8 - len(raw) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for b in blobs:
            f.write(b)


def head_dim(cfg):
    return cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]


def rms_norm(x, w, eps):
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def rope_cos_sin(cfg, T, dtype):
    hd = head_dim(cfg)
    inv_freq = 1.0 / (cfg["rope_theta"] ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
    freqs = torch.outer(torch.arange(T, dtype=torch.float64), inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos().to(dtype), emb.sin().to(dtype)


class Lora:
    """LoRA weights per module path, scaling alpha / r, optional fixed dropout keep-masks (rows = B * T)."""

    def __init__(self, r, alpha, dropout, A, B, masks=None):
        self.scaling = alpha / r
        self.keep = 1.0 / (1.0 - dropout)
        self.A, self.B, self.masks = A, B, masks or {}

    def delta(self, path, x):
        if path not in self.A:
            return 0
        if path in self.masks:
            x = x * self.masks[path].reshape(x.shape) * self.keep
        return (x @ self.A[path].t()) @ self.B[path].t() * self.scaling


def linear(p, path, x, lora):
    y = x @ p[path + ".weight"].t()
    if lora is not None:
        y = y + lora.delta(path, x)
    return y


def forward(cfg, p, ids, lora=None):
    """Logits (B, T, V) of input ids (B, T) at positions 0..T-1, causal attention."""
    B, T = ids.shape
    Hq, Hkv, hd = cfg["num_attention_heads"], cfg["num_key_value_heads"], head_dim(cfg)
    eps = cfg["rms_norm_eps"]
    x = p["model.embed_tokens.weight"][ids]
    cos, sin = rope_cos_sin(cfg, T, x.dtype)
    causal = torch.full((T, T), float("-inf"), dtype=x.dtype).triu(1)
    for l in range(cfg["num_hidden_layers"]):
        pre = f"model.layers.{l}"
        h = rms_norm(x, p[pre + ".input_layernorm.weight"], eps)
        q = linear(p, pre + ".self_attn.q_proj", h, lora).view(B, T, Hq, hd).transpose(1, 2)
        k = linear(p, pre + ".self_attn.k_proj", h, lora).view(B, T, Hkv, hd).transpose(1, 2)
        v = linear(p, pre + ".self_attn.v_proj", h, lora).view(B, T, Hkv, hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        rep = Hq // Hkv
        k = k[:, :, None].expand(B, Hkv, rep, T, hd).reshape(B, Hq, T, hd)
        v = v[:, :, None].expand(B, Hkv, rep, T, hd).reshape(B, Hq, T, hd)
        att = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(hd) + causal, dim=-1) @ v
        att = att.transpose(1, 2).reshape(B, T, Hq * hd)
        x = x + linear(p, pre + ".self_attn.o_proj", att, lora)
        h = rms_norm(x, p[pre + ".post_attention_layernorm.weight"], eps)
        g = torch.nn.functional.silu(linear(p, pre + ".mlp.gate_proj", h, lora)) * linear(p, pre + ".mlp.up_proj", h, lora)
        x = x + linear(p, pre + ".mlp.down_proj", g, lora)
    x = rms_norm(x, p["model.norm.weight"], eps)
    head = p["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings") else p["lm_head.weight"]
    return x @ head.t()


def weighted_clm_loss(logits, ids, lengths, prompt_lengths, weights):
    """(1/B) sum_i w_i * mean of -log p over example i's completion tokens (docs/method.md Eq. 1 and 5)."""
    logp = torch.log_softmax(logits[:, :-1], dim=-1).gather(-1, ids[:, 1:, None])[..., 0]
    B, T1 = logp.shape
    t = torch.arange(T1)[None, :] + 1
    first = torch.clamp(torch.as_tensor(prompt_lengths), min=1)[:, None]
    mask = ((t >= first) & (t < torch.as_tensor(lengths)[:, None])).to(logp.dtype)
    n = mask.sum(-1)
    per_example = torch.where(n > 0, -(logp * mask).sum(-1) / n.clamp(min=1), torch.zeros_like(n))
    return (torch.as_tensor(weights, dtype=logp.dtype) * per_example).sum() / B
