"""A tiny causal LM, tokenizer and datasets built on disk, so templates train with no download.

The models are built in a process of their own (tests/skills/call.py), the datasets in the
test's."""

from __future__ import annotations

import json
from pathlib import Path

CHATML = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
WORDS = "the a cat dog sat ran on mat sun is blue red what why how answer question one two three"


def corpus(n: int = 64) -> list[str]:
    """Short sentences and sums, enough to train a byte-level BPE and a few steps."""
    words = WORDS.split()
    rows = [" ".join(words[(i * 7 + j) % len(words)] for j in range(6)) for i in range(n)]
    return rows + [f"{i} + {i + 1} = {2 * i + 1}" for i in range(n)]


def tokenizer_dir(folder: Path) -> Path:
    """Save a byte-level BPE tokenizer with a ChatML template and EOS <|im_end|>."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=SPECIAL,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(corpus(), trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>"
    )
    fast.chat_template = CHATML
    fast.save_pretrained(folder)
    return folder


def causal_lm_dir(folder: Path) -> Path:
    """A 2-layer Qwen2 model (about 60k parameters) and its tokenizer, saved in fp32."""
    import torch
    from transformers import AutoTokenizer, Qwen2Config, Qwen2ForCausalLM

    tokenizer_dir(folder)
    tok = AutoTokenizer.from_pretrained(folder)
    config = Qwen2Config(
        vocab_size=len(tok),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=256,
        eos_token_id=tok.eos_token_id,
        pad_token_id=tok.pad_token_id,
        tie_word_embeddings=True,
    )
    torch.manual_seed(0)
    Qwen2ForCausalLM(config).to(torch.float32).save_pretrained(folder)
    return folder


def perturbed_copy_dir(folder: Path, source: str) -> Path:
    """The causal LM at `source` with noise added to every weight (same architecture and
    tokenizer, other weights), saved with the tokenizer."""
    import torch
    from transformers import AutoModelForCausalLM

    torch.manual_seed(1)
    model = AutoModelForCausalLM.from_pretrained(source)
    with torch.no_grad():
        for weight in model.parameters():
            weight.add_(torch.randn_like(weight))
    model.save_pretrained(folder)
    return tokenizer_dir(folder)


def write_jsonl(folder: Path, split: str, rows: list[dict]) -> Path:
    """One split of a local dataset (`load_dataset(folder)` finds it by file name)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{split}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return folder


def chat_rows(n: int = 48) -> list[dict]:
    """`instruction`/`output` rows: the SFT template converts them to `messages`."""
    text = corpus(n)
    return [{"instruction": text[i], "output": text[i + n]} for i in range(n)]


def gsm8k_rows(n: int = 16) -> list[dict]:
    """Rows shaped like GSM8K: the answer ends with '#### <number>'."""
    return [
        {
            "question": f"What is {i} + {i + 1}?",
            "answer": f"{i} + {i + 1} = {2 * i + 1}\n#### {2 * i + 1}",
        }
        for i in range(n)
    ]


def uniform_policy_dir(folder: Path, answer: str = "7") -> Path:
    """A causal LM whose next-token distribution is uniform over a 6-token vocabulary
    ('####', the answer, unknown, specials): sampled completions often end in
    '#### <answer>' and often do not, so a GRPO group's rewards differ and its gradient is
    not zero (a random 400-token model never writes the marker, so nothing would train)."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    words = [*SPECIAL, "[UNK]", "####", answer]
    tok = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>", unk_token="[UNK]"
    )
    fast.add_special_tokens({"additional_special_tokens": SPECIAL[1:2]})
    fast.chat_template = CHATML
    fast.save_pretrained(folder)
    config = Qwen2Config(
        vocab_size=len(words),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        eos_token_id=fast.eos_token_id,
        pad_token_id=fast.pad_token_id,
        tie_word_embeddings=False,
    )
    torch.manual_seed(0)
    model = Qwen2ForCausalLM(config).to(torch.float32)
    with torch.no_grad():
        model.lm_head.weight.zero_()  # equal logits: a uniform policy to start from
    model.save_pretrained(folder)
    return folder


def sentence_encoder_dir(folder: Path) -> Path:
    """A 2-layer BERT with mean pooling, saved as a sentence-transformers model."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling, Transformer

    bert = bert_dir(folder / "bert")
    encoder = Transformer(str(bert), max_seq_length=64)
    model = SentenceTransformer(modules=[encoder, Pooling(32, "mean")])
    model.save_pretrained(str(folder / "st"))
    return folder / "st"


def bf16_sentence_encoder_dir(folder: Path) -> Path:
    """`sentence_encoder_dir`'s model saved again in bf16, as many Hub checkpoints are."""
    import torch
    from sentence_transformers import SentenceTransformer

    encoder = sentence_encoder_dir(folder)
    SentenceTransformer(str(encoder)).to(torch.bfloat16).save_pretrained(str(encoder))
    return encoder


def bert_dir(bert: Path) -> Path:
    """A 2-layer BERT encoder and its WordPiece tokenizer, saved in fp32."""
    import torch
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer()
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok.train_from_iterator(
        corpus(), trainers.WordPieceTrainer(vocab_size=300, special_tokens=specials)
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
        sep_token="[SEP]", mask_token="[MASK]",
    )  # fmt: skip
    fast.save_pretrained(bert)
    config = BertConfig(
        vocab_size=len(fast), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, max_position_embeddings=128,
    )  # fmt: skip
    torch.manual_seed(0)
    BertModel(config).save_pretrained(bert)
    return bert


def pair_rows(n: int = 64) -> list[dict]:
    """(query, answer) pairs: a word question and the sentence that contains its words."""
    text = corpus(n)
    return [{"query": " ".join(text[i].split()[:3]), "answer": text[i]} for i in range(n)]


def image_classifier_dir(folder: Path) -> Path:
    """A 2-layer ViT for 32x32 images and its image processor (2 labels, replaced on load)."""
    import torch
    from transformers import ViTConfig, ViTForImageClassification, ViTImageProcessor

    ViTImageProcessor(size={"height": 32, "width": 32}).save_pretrained(folder)
    config = ViTConfig(
        image_size=32, patch_size=8, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
        intermediate_size=64, num_labels=2,
    )  # fmt: skip
    torch.manual_seed(0)
    ViTForImageClassification(config).save_pretrained(folder)
    return folder


def image_folder(folder: Path, per_class: int = 12) -> Path:
    """train/<class>/<n>.png with three colour classes and noise: an image-folder dataset."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    colours = {"red": (200, 30, 30), "green": (30, 200, 30), "blue": (30, 30, 200)}
    for name, rgb in colours.items():
        target = folder / "train" / name
        target.mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            noise = rng.integers(-40, 40, (36, 36, 3))
            pixels = np.clip(np.array(rgb) + noise, 0, 255).astype("uint8")
            Image.fromarray(pixels).save(target / f"{i}.png")
    return folder
