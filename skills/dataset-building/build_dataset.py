# /// script
# requires-python = ">=3.11"
# dependencies = [
#     "datasets==5.2.0",
#     "huggingface-hub>=1.33",
# ]
# ///
"""Dataset template: clean, deduplicate, decontaminate, split and push a text dataset.

Reads any dataset `load_dataset` can (a Hub id, or a local folder of jsonl/csv/parquet files),
for example the raw output of a generation Job. Each step says what it removed:
  1. clean: strip, drop rows shorter than --min-chars or longer than --max-chars;
  2. exact dedup on a normalised form (lower case, punctuation and spacing removed);
  3. decontaminate: drop rows sharing a --ngram-word sequence with --eval-dataset (a benchmark
     you will report on), so that the score is not measured on training data;
  4. split off --test-size for a held-out set, and push privately with a card of the counts.

Run on Hugging Face Jobs (hf_jobs, operation "uv", a CPU flavor), or locally for small data:
    script_args: --source you/raw-generations --repo-id you/clean-sft --text-column text
"""

from __future__ import annotations

import argparse
import hashlib
import re

from datasets import Dataset, DatasetDict, load_dataset

_WORD = re.compile(r"\w+")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Clean, dedup, decontaminate and push a dataset.")
    p.add_argument("--source", required=True, help="Hub id or local folder of data files.")
    p.add_argument("--split", default="train")
    p.add_argument("--text-column", default="text", help="The column checked and deduplicated.")
    p.add_argument("--min-chars", type=int, default=20)
    p.add_argument("--max-chars", type=int, default=20_000)
    p.add_argument("--eval-dataset", default=None, help="Benchmark to decontaminate against.")
    p.add_argument("--eval-config", default=None)
    p.add_argument("--eval-split", default="test")
    p.add_argument("--eval-column", default="question")
    p.add_argument("--ngram-words", type=int, default=13, help="Shared run that contaminates.")
    p.add_argument("--test-size", type=float, default=0.05, help="0 for no test split.")
    p.add_argument("--repo-id", required=True, help="e.g. your-name/clean-sft")
    p.add_argument("--public", action="store_true", help="Make a new dataset repo public.")
    p.add_argument("--seed", type=int, default=42)
    return p.parse_args()


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def fingerprint(text: str) -> str:
    """Equal for texts that differ only in case, spacing and punctuation."""
    return hashlib.sha1(" ".join(words(text)).encode()).hexdigest()


def ngrams(text: str, n: int) -> set[tuple[str, ...]]:
    w = words(text)
    return {tuple(w[i : i + n]) for i in range(len(w) - n + 1)}


def clean(ds: Dataset, args: argparse.Namespace) -> Dataset:
    col = args.text_column
    ds = ds.map(lambda r: {col: (r[col] or "").strip()})
    return ds.filter(lambda r: args.min_chars <= len(r[col]) <= args.max_chars)


def dedup(ds: Dataset, column: str) -> Dataset:
    seen: set[str] = set()
    keep = []
    for i, text in enumerate(ds[column]):
        key = fingerprint(text)
        if key not in seen:
            seen.add(key)
            keep.append(i)
    return ds.select(keep)


def decontaminate(ds: Dataset, args: argparse.Namespace) -> Dataset:
    bench = load_dataset(args.eval_dataset, args.eval_config, split=args.eval_split)
    banned: set[tuple[str, ...]] = set()
    for text in bench[args.eval_column]:
        banned |= ngrams(str(text), args.ngram_words)
    return ds.filter(lambda r: not (ngrams(r[args.text_column], args.ngram_words) & banned))


def card(args: argparse.Namespace, counts: dict[str, int], parts: DatasetDict) -> str:
    steps = "\n".join(f"| {step} | {n} |" for step, n in counts.items())
    sizes = ", ".join(f"{name}: {len(part)}" for name, part in parts.items())
    return (
        f"---\nlicense: other\n---\n# {args.repo_id.split('/')[-1]}\n\n"
        f"Built from `{args.source}` ({args.split}) by build_dataset.py. Splits: {sizes}.\n\n"
        f"| step | rows left |\n|---|---|\n{steps}\n\n"
        f"Exact duplicates: same text after lower-casing and removing punctuation and spacing. "
        f"Decontaminated against: {args.eval_dataset or 'nothing'} "
        f"({args.ngram_words}-word overlap).\n"
    )


def push(parts: DatasetDict, readme: str, args: argparse.Namespace) -> None:
    """One parquet file per split under data/ (the Hub reads `data/<split>-*.parquet` as that
    split) and the card, in one commit to a private repo unless --public."""
    import tempfile
    from pathlib import Path

    from huggingface_hub import HfApi

    api = HfApi()
    api.create_repo(args.repo_id, repo_type="dataset", private=not args.public, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "data").mkdir()
        for name, part in parts.items():
            part.to_parquet(f"{folder}/data/{name}-00000-of-00001.parquet")
        Path(folder, "README.md").write_text(readme, encoding="utf-8")
        api.upload_folder(
            folder_path=folder, repo_id=args.repo_id, repo_type="dataset", commit_message="Build"
        )


def main() -> None:
    args = parse_args()
    ds = load_dataset(args.source, split=args.split)
    if args.text_column not in ds.column_names:
        raise SystemExit(f"No column {args.text_column!r}; columns: {ds.column_names}")
    counts = {"loaded": len(ds)}
    ds = clean(ds, args)
    counts[f"cleaned ({args.min_chars}-{args.max_chars} chars)"] = len(ds)
    ds = dedup(ds, args.text_column)
    counts["exact duplicates removed"] = len(ds)
    if args.eval_dataset:
        ds = decontaminate(ds, args)
        counts[f"decontaminated ({args.eval_dataset})"] = len(ds)
    for step, n in counts.items():
        print(f"{step}: {n}")
    if len(ds) < 2:
        raise SystemExit("Fewer than 2 rows left: nothing was pushed. Check the thresholds.")
    if args.test_size > 0:
        parts = ds.train_test_split(test_size=args.test_size, seed=args.seed)
    else:
        parts = DatasetDict(train=ds)
    push(parts, card(args, counts, parts), args)
    print(f"Pushed: https://huggingface.co/datasets/{args.repo_id}")


if __name__ == "__main__":
    main()
