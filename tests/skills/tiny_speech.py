"""A tiny wav2vec2 CTC model, its character processor and clips of tones, built on disk."""

from __future__ import annotations

import json
import math
from pathlib import Path

LETTERS = "abcdefgh"
RATE = 16_000


def ctc_model_dir(folder: Path) -> Path:
    """A 2-layer Wav2Vec2ForCTC over a character vocabulary, with its processor, in fp32."""
    import torch
    from transformers import (
        Wav2Vec2Config,
        Wav2Vec2CTCTokenizer,
        Wav2Vec2FeatureExtractor,
        Wav2Vec2ForCTC,
        Wav2Vec2Processor,
    )

    folder.mkdir(parents=True, exist_ok=True)
    vocab = {"<pad>": 0, "<unk>": 1, "|": 2, **{c: i + 3 for i, c in enumerate(LETTERS)}}
    (folder / "vocab.json").write_text(json.dumps(vocab))
    tokenizer = Wav2Vec2CTCTokenizer(
        str(folder / "vocab.json"), unk_token="<unk>", pad_token="<pad>", word_delimiter_token="|"
    )
    extractor = Wav2Vec2FeatureExtractor(
        feature_size=1, sampling_rate=RATE, padding_value=0.0, return_attention_mask=True
    )
    Wav2Vec2Processor(feature_extractor=extractor, tokenizer=tokenizer).save_pretrained(folder)
    config = Wav2Vec2Config(
        vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=64, conv_dim=(32, 32), conv_stride=(5, 5), conv_kernel=(10, 10),
        num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=2, pad_token_id=0,
        do_stable_layer_norm=True, feat_extract_norm="layer",
    )  # fmt: skip
    torch.manual_seed(0)
    Wav2Vec2ForCTC(config).to(torch.float32).save_pretrained(folder)
    return folder


def tone_rows(n: int = 16) -> list[dict]:
    """Each letter is a 0.05 s tone of its own pitch; a row says two or three letters."""
    rows = []
    for i in range(n):
        word = "".join(LETTERS[(i + k) % len(LETTERS)] for k in range(2 + i % 2))
        samples: list[float] = []
        for letter in word:
            pitch = 200 + 100 * LETTERS.index(letter)
            samples += [0.5 * math.sin(2 * math.pi * pitch * t / RATE) for t in range(800)]
        rows.append({"audio": {"array": samples, "sampling_rate": RATE}, "text": word})
    return rows
