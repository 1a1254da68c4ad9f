"""Builds a tiny random LlamaForCausalLM and a byte-level BPE tokenizer in a folder, offline (no downloads), for the
sidecar's self-checks. The tokenizer is trained on the same small corpus the check trains on."""

from __future__ import annotations

import argparse
import json
from typing import List

CYCLE = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


def corpus() -> List[str]:
    """Lines "<word> ... ten ." from every start of a counting cycle: a pattern a tiny model learns in a few steps."""
    return [" ".join(CYCLE[i:]) + " ." for i in range(len(CYCLE))]


def build(folder: str, seed: int = 0, hidden: int = 64, layers: int = 2) -> None:
    """Writes config.json, model.safetensors and tokenizer files of a fresh random model into folder."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    specials = ["<s>", "</s>", "<pad>"]
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    bpe.train_from_iterator(corpus() * 4 + ["### Answer: ###"], trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=bpe, bos_token="<s>", eos_token="</s>", pad_token="<pad>",
                                        clean_up_tokenization_spaces=False)
    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=hidden, intermediate_size=2 * hidden, num_hidden_layers=layers,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
                         bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                         pad_token_id=tokenizer.pad_token_id, tie_word_embeddings=False)
    LlamaForCausalLM(config).save_pretrained(folder, safe_serialization=True)
    tokenizer.save_pretrained(folder)


def write_rows(path: str) -> None:
    """SFT rows: the first word of each line as the prompt, the rest as the completion, weights from 1 down to .1."""
    with open(path, "w", encoding="utf-8") as fh:
        for i, line in enumerate(corpus()):
            first, rest = line.split(" ", 1)
            fh.write(json.dumps({"id": str(i), "prompt": first, "completion": " " + rest, "weight": round(1 - i / 10, 2)}) + "\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder")
    parser.add_argument("--rows", help="also write SFT rows of the corpus to this JSONL file")
    args = parser.parse_args()
    build(args.folder)
    if args.rows:
        write_rows(args.rows)
