"""Checks w2s's file formats against the Hugging Face Python libraries, both ways.

usage: check_formats.py OURS_DIR THEIRS_DIR

OURS_DIR holds files w2s wrote and manifest.json, what they must contain (test/engine/formats/parity.test.ts writes
both). Each is read with the reference library: safetensors files with `safetensors`, checkpoints with
`LlamaForCausalLM.from_pretrained` and `AutoTokenizer.from_pretrained`, tokenizer.json files with `tokenizers`, adapters
with `PeftModel.from_pretrained`; tensors must match bit for bit (as float32) and token ids exactly.

THEIRS_DIR receives files the Hugging Face libraries write (hf_samples.py), for w2s to read back.

Prints one line per check and a closing "parity: N passed, M failed"; exits 1 when any check failed.
"""

import json
import sys
import traceback
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from hf_samples import float32_digest, widen, write_all  # noqa: E402

RESULTS = []


def check(name):
    def run(fn):
        try:
            detail = fn()
            RESULTS.append((name, True, detail or ""))
        except Exception as err:  # a failed check is reported, the others still run
            RESULTS.append((name, False, f"{type(err).__name__}: {err}\n{traceback.format_exc(limit=3)}"))
        return fn

    return run


def same_tensors(found: dict, wanted: dict, skip=()):
    names = set(wanted) - set(skip)
    missing = names - set(found)
    assert not missing, f"missing tensors: {sorted(missing)}"
    for name in sorted(names):
        tensor = found[name]
        assert list(tensor.shape) == wanted[name]["shape"], f"{name}: shape {list(tensor.shape)} != {wanted[name]['shape']}"
        digest = float32_digest(widen(tensor.detach().cpu()))
        assert digest == wanted[name]["sha256"], f"{name}: values differ"
    return f"{len(names)} tensors identical"


def main(ours: Path, theirs: Path) -> int:
    from peft import PeftModel
    from safetensors import safe_open
    from safetensors.torch import load_file
    from tokenizers import Tokenizer
    from transformers import AutoTokenizer, LlamaForCausalLM, PreTrainedTokenizerFast

    manifest = json.loads((ours / "manifest.json").read_text(encoding="utf-8"))
    texts = manifest["texts"]

    for key in ("edge_f32", "edge_bf16"):
        spec = manifest[key]

        @check(f"safetensors reads {spec['file']}")
        def _(spec=spec):
            path = str(ours / spec["file"])
            with safe_open(path, framework="pt") as f:
                assert f.metadata() == spec["metadata"], f"metadata {f.metadata()}"
            return same_tensors(load_file(path), spec["tensors"])

    for key in ("checkpoint_f32", "checkpoint_bf16"):
        spec = manifest[key]

        @check(f"LlamaForCausalLM.from_pretrained reads {spec['dir']}")
        def _(spec=spec):
            model, info = LlamaForCausalLM.from_pretrained(str(ours / spec["dir"]), output_loading_info=True, torch_dtype="auto")
            problems = {k: v for k, v in info.items() if v}
            assert not problems, f"loading info: {problems}"
            assert str(model.dtype) == spec["torch_dtype"], f"dtype {model.dtype}"
            skip = ["lm_head.weight"] if model.config.tie_word_embeddings else []
            detail = same_tensors(model.state_dict(), spec["tensors"], skip)
            logits = model(torch.tensor([[model.config.bos_token_id, 5, 6]])).logits
            assert torch.isfinite(logits).all(), "non-finite logits"
            return detail

    spec = manifest["checkpoint_f32"]

    @check("AutoTokenizer.from_pretrained reads our tokenizer files")
    def _():
        tok = AutoTokenizer.from_pretrained(str(ours / spec["dir"]))
        assert isinstance(tok, PreTrainedTokenizerFast), type(tok).__name__
        for field, value in spec["special_ids"].items():
            assert getattr(tok, field) == value, f"{field} = {getattr(tok, field)}, ours {value}"
        got = [tok(t)["input_ids"] for t in texts]
        assert got == spec["ids_with_specials"], f"ids {got} != ours {spec['ids_with_specials']}"
        for t in texts:
            decoded = tok.decode(tok(t, add_special_tokens=False)["input_ids"], clean_up_tokenization_spaces=False)
            assert decoded == t, f"decode {decoded!r} != {t!r}"
        return f"{len(texts)} texts, same ids"

    for key in ("closed_vocabulary", "gpt2"):
        spec_t = manifest[key]

        @check(f"tokenizers encodes like w2s with {spec_t['file']}")
        def _(spec_t=spec_t):
            tok = Tokenizer.from_file(str(ours / spec_t["file"]))
            got = [tok.encode(t, add_special_tokens=False).ids for t in texts]
            assert got == spec_t["ids"], f"ids {got} != ours {spec_t['ids']}"
            return f"{len(texts)} texts, same ids"

    spec_a = manifest["adapter"]

    @check("PeftModel.from_pretrained reads our adapter")
    def _():
        base = LlamaForCausalLM.from_pretrained(str(ours / spec_a["base"]))
        model = PeftModel.from_pretrained(base, str(ours / spec_a["dir"]))
        config = model.peft_config["default"]
        assert (config.r, config.lora_alpha, sorted(config.target_modules)) == (
            spec_a["config"]["r"],
            spec_a["config"]["lora_alpha"],
            sorted(spec_a["config"]["target_modules"]),
        ), f"config {config}"
        # In memory PEFT keys carry the adapter name, which the file leaves out.
        state = {k.replace(".default.weight", ".weight"): v for k, v in model.state_dict().items() if "lora_" in k}
        assert set(state) == set(spec_a["tensors"]), f"LoRA tensors {sorted(set(state) ^ set(spec_a['tensors']))}"
        return same_tensors(state, spec_a["tensors"])

    @check("Hugging Face libraries write the files for w2s to read")
    def _():
        write_all(theirs)
        return str(theirs)

    failed = 0
    for name, ok, detail in RESULTS:
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}")
        failed += not ok
    print(f"parity: {len(RESULTS) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: check_formats.py OURS_DIR THEIRS_DIR")
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
