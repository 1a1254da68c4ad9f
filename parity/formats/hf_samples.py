"""Files written by the Hugging Face libraries themselves, for w2s to read.

`python hf_samples.py OUT_DIR` writes:
  hf-tiny-llama/   a LlamaForCausalLM saved by transformers (bf16, sharded) with a byte-level BPE tokenizer trained by
                   `tokenizers` and saved by PreTrainedTokenizerFast
  hf-tiny-lora/    a LoRA adapter of that model saved by PEFT
  py-edge.safetensors  F16 and BF16 edge values (subnormals, infinities, NaN, signed zeros) saved by `safetensors`
  expected.json    what a correct reader must find: a SHA-256 of each tensor as little-endian float32, token ids of
                   sample texts, the config fields

The committed fixtures in test/engine/formats/fixtures/ were made with this script; check_formats.py runs it again
into a temporary folder.
"""

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file as load_torch

SAMPLE_TEXTS = [
    "Question: is the wug blue?\nAnswer: yes",
    "  leading spaces,\ttabs\tand\n\nblank lines  ",
    "Ünïcödé façade — 漢字 and emoji 🚀👍🏽",
    "numbers 3.14159 and 2026-11-26, code: x[i] += 1;",
    "",
]

TRAINING_TEXT = [
    "the quick brown fox jumps over the lazy dog",
    "Question: is the wug blue? Answer: yes",
    "Question: is the dax red? Answer: no",
    "numbers 0 1 2 3 4 5 6 7 8 9 and punctuation . , ; : ! ?",
]


def float32_digest(values: np.ndarray) -> str:
    """SHA-256 of the values as contiguous little-endian float32 bytes."""
    return hashlib.sha256(np.ascontiguousarray(values, dtype="<f4").tobytes()).hexdigest()


def widen(tensor: torch.Tensor) -> np.ndarray:
    """float32 values of a tensor, widening 16-bit floats bit-exactly (NaN payloads kept)."""
    if tensor.dtype == torch.bfloat16:
        bits = tensor.contiguous().view(torch.int16).numpy().view(np.uint16).astype(np.uint32) << 16
        return bits.view(np.float32)
    if tensor.dtype == torch.float16:
        return tensor.contiguous().view(torch.int16).numpy().view(np.float16).astype(np.float32)
    return tensor.to(torch.float32).numpy()


def digests_of(files) -> dict:
    out = {}
    for path in files:
        for name, tensor in load_torch(str(path)).items():
            out[name] = {"shape": list(tensor.shape), "sha256": float32_digest(widen(tensor))}
    return out


def train_tokenizer(out_dir: Path):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=320,
        special_tokens=["<s>", "</s>", "<pad>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(TRAINING_TEXT, trainer=trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", eos_token="</s>", pad_token="<pad>")
    fast.save_pretrained(str(out_dir))
    return fast


def write_tiny_llama(out_dir: Path) -> dict:
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    fast = train_tokenizer(out_dir)
    config = LlamaConfig(
        vocab_size=len(fast),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=64,
        rms_norm_eps=1e-5,
        rope_theta=10000.0,
        tie_word_embeddings=False,
        bos_token_id=fast.bos_token_id,
        eos_token_id=fast.eos_token_id,
        pad_token_id=fast.pad_token_id,
    )
    model = LlamaForCausalLM(config).to(torch.bfloat16)
    model.save_pretrained(str(out_dir), safe_serialization=True, max_shard_size="16KB")
    shards = sorted(out_dir.glob("model-*.safetensors"))
    return {
        "config": {k: getattr(config, k) for k in ("vocab_size", "hidden_size", "num_hidden_layers", "num_key_value_heads", "tie_word_embeddings")},
        "shards": len(shards),
        "tensors": digests_of(shards),
        "token_ids": [fast.backend_tokenizer.encode(t).ids for t in SAMPLE_TEXTS],
    }


def write_tiny_lora(base_dir: Path, out_dir: Path) -> dict:
    from peft import LoraConfig, get_peft_model
    from transformers import LlamaForCausalLM

    torch.manual_seed(1)
    base = LlamaForCausalLM.from_pretrained(str(base_dir), torch_dtype=torch.float32)
    lora = LoraConfig(r=2, lora_alpha=4, lora_dropout=0.05, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM", init_lora_weights=False)
    model = get_peft_model(base, lora)
    model.save_pretrained(str(out_dir))
    (out_dir / "README.md").unlink()  # PEFT's model card template, not part of the adapter
    return {"tensors": digests_of([out_dir / "adapter_model.safetensors"])}


def write_edge_safetensors(path: Path) -> dict:
    from safetensors.torch import save_file as save_torch

    f16_bits = np.array([0x0000, 0x8000, 0x0001, 0x8001, 0x03FF, 0x0400, 0x3C00, 0x7BFF, 0x7C00, 0xFC00, 0x7E00, 0x7C01, 0xFE00], dtype=np.uint16)
    tensors = {
        "f16": torch.from_numpy(f16_bits.view(np.int16).copy()).view(torch.float16).reshape(13, 1),
        "bf16": torch.tensor(
            [0.0, -0.0, 1e-40, -1e-40, 1.0, -2.5, 3.0e38, float("inf"), float("-inf"), float("nan"), 1.17549435e-38, 65504.0],
            dtype=torch.float32,
        ).to(torch.bfloat16),
        "f32": torch.tensor([0.0, -0.0, 1e-45, float("inf"), float("-inf"), float("nan"), 3.4028235e38, -1.5]).reshape(2, 4),
        "empty": torch.zeros(0, 3),
    }
    metadata = {"format": "pt", "origin": "hf_samples.py"}
    save_torch(tensors, str(path), metadata=metadata)
    return {"tensors": digests_of([path]), "metadata": metadata}


def write_all(out: Path) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    llama_dir = out / "hf-tiny-llama"
    expected = {
        "sample_texts": SAMPLE_TEXTS,
        "llama": write_tiny_llama(llama_dir),
        "lora": write_tiny_lora(llama_dir, out / "hf-tiny-lora"),
        "edge": write_edge_safetensors(out / "py-edge.safetensors"),
    }
    (out / "expected.json").write_text(json.dumps(expected, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return expected


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: hf_samples.py OUT_DIR")
    write_all(Path(sys.argv[1]))
