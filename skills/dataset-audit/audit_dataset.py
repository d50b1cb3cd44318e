# /// script
# requires-python = ">=3.11"
# dependencies = ["datasets==5.2.0", "transformers==5.23.0"]
# ///
"""Audit a Hugging Face dataset before training. Read-only: it never changes or uploads data.

Prints, per split: row count, empty rows, exact and normalized duplicates, token-length
percentiles (with --tokenizer) and the label distribution (when a label column exists); then the
overlap between splits (rows of one split whose normalized text also appears in another: leakage).

  uv run audit_dataset.py stanfordnlp/imdb --text-column text --tokenizer Qwen/Qwen2.5-0.5B
  uv run audit_dataset.py HuggingFaceH4/ultrachat_200k --messages-column messages \
      --split train_sft --split test_sft --tokenizer Qwen/Qwen2.5-0.5B-Instruct --max-rows 20000
"""

from __future__ import annotations

import argparse
import hashlib
import math
import re
import sys
import unicodedata
from collections import Counter
from typing import Any

from datasets import ClassLabel, Dataset, DatasetDict, load_dataset

LABEL_CANDIDATES = ("label", "labels", "class", "category")
TEXT_CANDIDATES = ("text", "content", "prompt", "question", "sentence")
MESSAGE_CANDIDATES = ("messages", "conversations", "conversation", "chat")
PERCENTILES = (50, 90, 95, 99)
_SPACES = re.compile(r"\s+")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Audit a Hub dataset before training.")
    parser.add_argument("dataset", help="Hub dataset id (or a local dataset directory)")
    parser.add_argument("--config", default=None, help="config (subset) name")
    parser.add_argument("--split", action="append", help="split to audit (repeatable; default all)")
    column = parser.add_mutually_exclusive_group()
    column.add_argument("--text-column", help="column holding plain text")
    column.add_argument("--messages-column", help="column holding chat messages (role/content)")
    parser.add_argument("--label-column", help="label column (default: auto-detect)")
    parser.add_argument("--tokenizer", help="tokenizer id for token lengths (the model's)")
    parser.add_argument("--max-length", type=int, help="count rows longer than this many tokens")
    parser.add_argument("--max-rows", type=int, help="audit only the first N rows of each split")
    parser.add_argument("--revision", default=None, help="dataset revision (branch, tag or sha)")
    return parser.parse_args()


def load(args: argparse.Namespace) -> DatasetDict:
    try:
        if args.split:
            loaded = {
                name: load_dataset(args.dataset, args.config, split=name, revision=args.revision)
                for name in args.split
            }
            data = DatasetDict(loaded)
        else:
            data = load_dataset(args.dataset, args.config, revision=args.revision)
    except Exception as exc:  # gated, missing config, wrong split...
        sys.exit(
            f"Could not load {args.dataset}: {exc}\n"
            "Gated or private? Accept the terms on the dataset page and set HF_TOKEN. "
            "Several configs? Pass --config."
        )
    if isinstance(data, Dataset):
        data = DatasetDict({"train": data})
    if args.max_rows:
        data = DatasetDict(
            {name: ds.select(range(min(args.max_rows, len(ds)))) for name, ds in data.items()}
        )
    return data


def pick_column(columns: list[str], wanted: str | None, candidates: tuple[str, ...]) -> str | None:
    if wanted:
        if wanted not in columns:
            sys.exit(f"Column {wanted!r} not found; columns are {columns}")
        return wanted
    return next((c for c in candidates if c in columns), None)


def content_text(content: Any) -> str:
    """A message's content as text: a string, or the text parts of a multimodal list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text") or "" for p in content if isinstance(p, dict)]
        return " ".join(parts)
    return "" if content is None else str(content)


def messages_text(messages: Any) -> str:
    if not messages:
        return ""
    lines = []
    for message in messages:
        role = message.get("role") or message.get("from") or "?"
        text = content_text(message.get("content", message.get("value")))
        lines.append(f"{role}: {text}")
    return "\n".join(lines)


def normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return _SPACES.sub(" ", text).strip()


def digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def is_empty(value: Any, chat: bool) -> bool:
    if chat:
        if not value:
            return True
        return all(not content_text(m.get("content", m.get("value"))).strip() for m in value)
    return value is None or not str(value).strip()


def percentile(sorted_values: list[int], pct: float) -> int:
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def token_lengths(values: list[Any], tokenizer: Any, chat: bool) -> list[int]:
    if chat and getattr(tokenizer, "chat_template", None):
        texts = []
        for value in values:
            try:
                texts.append(tokenizer.apply_chat_template(value or [], tokenize=False))
            except Exception:  # roles the template rejects
                texts.append(messages_text(value))
        special = False  # the template already adds BOS/EOS where the model expects them
    elif chat:
        texts, special = [messages_text(v) for v in values], True
    else:
        texts, special = ["" if v is None else str(v) for v in values], True
    lengths: list[int] = []
    for start in range(0, len(texts), 1000):
        batch = tokenizer(texts[start : start + 1000], add_special_tokens=special)
        lengths.extend(len(ids) for ids in batch["input_ids"])
    return lengths


def audit_split(
    name: str, ds: Dataset, args: argparse.Namespace, tokenizer: Any
) -> tuple[str, set[str]] | None:
    columns = ds.column_names
    chat_col = pick_column(
        columns, args.messages_column, () if args.text_column else MESSAGE_CANDIDATES
    )
    text_col = None if chat_col else pick_column(columns, args.text_column, TEXT_CANDIDATES)
    column = chat_col or text_col
    print(f"\n=== split {name}: {len(ds):,} rows; columns {columns}")
    if column is None:
        print("  no text or messages column found; pass --text-column or --messages-column")
        return None
    chat = chat_col is not None
    values = ds[column]
    texts = [messages_text(v) if chat else ("" if v is None else str(v)) for v in values]
    print(f"  audited column: {column} ({'chat messages' if chat else 'text'})")

    empty = sum(is_empty(v, chat) for v in values)
    print(f"  empty rows: {empty:,} ({empty / max(len(ds), 1):.2%})")

    exact = Counter(digest(t) for t in texts)
    norm_hashes = [digest(normalize(t)) for t in texts]
    norm = Counter(norm_hashes)
    exact_extra = sum(c - 1 for c in exact.values())
    norm_extra = sum(c - 1 for c in norm.values())
    print(f"  exact duplicate rows (beyond first copy): {exact_extra:,}")
    print(f"  duplicates after normalizing case/whitespace/unicode: {norm_extra:,}")
    if norm_extra:
        top = norm.most_common(1)[0]
        example = texts[norm_hashes.index(top[0])][:120].replace("\n", " ")
        print(f"  most repeated ({top[1]}x): {example!r}")

    if tokenizer is not None:
        lengths = sorted(token_lengths(values, tokenizer, chat))
        if lengths:
            stats = ", ".join(f"p{p}={percentile(lengths, p):,}" for p in PERCENTILES)
            print(f"  tokens: min={lengths[0]:,}, {stats}, max={lengths[-1]:,}")
            limit = args.max_length
            if limit:
                over = sum(n > limit for n in lengths)
                print(f"  rows over {limit:,} tokens (truncated in training): {over:,}")

    label_col = pick_column(columns, args.label_column, LABEL_CANDIDATES)
    if label_col and label_col != column:
        feature = ds.features[label_col]
        counts: Counter = Counter()
        for value in ds[label_col]:
            for item in value if isinstance(value, list) else [value]:
                if isinstance(feature, ClassLabel) and isinstance(item, int) and item >= 0:
                    item = feature.int2str(item)
                counts[item if isinstance(item, (str, int, float, bool)) else str(item)] += 1
        print(f"  label distribution ({label_col}, {len(counts)} values):")
        for label, count in counts.most_common(30):
            print(f"    {label!s:<30} {count:>10,} ({count / max(len(ds), 1):.2%})")
        if len(counts) > 1:
            ratio = counts.most_common()[0][1] / counts.most_common()[-1][1]
            print(f"  imbalance (largest/smallest class): {ratio:.1f}x")
    return column, set(norm_hashes)


def main() -> None:
    args = parse_args()
    data = load(args)
    tokenizer = None
    if args.tokenizer:
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(args.tokenizer)
    print(f"dataset {args.dataset} (config {args.config or 'default'})")
    print("split sizes: " + ", ".join(f"{n}={len(ds):,}" for n, ds in data.items()))
    hashes: dict[str, set[str]] = {}
    for name, ds in data.items():
        result = audit_split(name, ds, args, tokenizer)
        if result:
            hashes[name] = result[1]
    names = list(hashes)
    if len(names) > 1:
        print("\n=== overlap between splits (normalized text; leakage if one is an eval split)")
        for i, first in enumerate(names):
            for second in names[i + 1 :]:
                shared = len(hashes[first] & hashes[second])
                print(f"  {first} & {second}: {shared:,} distinct texts in both")
    print("\nReport these numbers to the user; drop or change rows only with their approval.")


if __name__ == "__main__":
    main()
