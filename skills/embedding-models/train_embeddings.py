# /// script
# requires-python = ">=3.11"
# dependencies = [
#     "sentence-transformers==6.2.0",
#     "transformers==5.23.0",
#     "datasets==5.2.0",
#     "accelerate==1.15.0",
# ]
# ///
"""Embedding template: fine-tune a sentence-transformers model on (anchor, positive) pairs.

The loss is MultipleNegativesRankingLoss: every other positive in the batch is a negative, so
bigger batches give harder training (and duplicates in a batch would be false negatives, hence
the NO_DUPLICATES sampler). Retrieval is scored on a held-out split before and after training
(NDCG@10, MRR@10, recall@10), so the log shows whether fine-tuning helped.

Run on Hugging Face Jobs (hf_jobs, operation "uv"), smoke test first:
    script_args: --hub-model-id you/minilm-nq-smoke --max-steps 20 --max-samples 2000
Weights load in fp32 even from a bf16 checkpoint (bf16 autocast on Ampere+); the repo is private unless --public.
"""

from __future__ import annotations

import argparse
import math

import torch
from datasets import Dataset, load_dataset
from sentence_transformers import (
    SentenceTransformer,
    SentenceTransformerTrainer,
    SentenceTransformerTrainingArguments,
)
from sentence_transformers.sentence_transformer.evaluation import InformationRetrievalEvaluator
from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
from sentence_transformers.sentence_transformer.training_args import BatchSamplers


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Fine-tune an embedding model on pairs.")
    p.add_argument("--model-id", default="sentence-transformers/all-MiniLM-L6-v2")
    p.add_argument("--dataset-id", default="sentence-transformers/natural-questions")
    p.add_argument("--dataset-config", default=None)
    p.add_argument("--split", default="train")
    p.add_argument("--anchor-column", default="query")
    p.add_argument("--positive-column", default="answer")
    p.add_argument("--eval-size", type=float, default=0.05, help="Share held out for retrieval.")
    p.add_argument("--max-eval-samples", type=int, default=1000)
    p.add_argument("--max-samples", type=int, default=None, help="Subsample (smoke tests).")
    p.add_argument("--hub-model-id", required=True, help="e.g. your-name/minilm-nq")
    p.add_argument("--public", action="store_true", help="Make a new Hub repo public.")
    p.add_argument("--max-steps", type=int, default=-1)
    p.add_argument("--num-train-epochs", type=float, default=1.0)
    p.add_argument("--batch-size", type=int, default=64, help="Larger = more in-batch negatives.")
    p.add_argument("--learning-rate", type=float, default=2e-5)
    p.add_argument("--warmup", type=float, default=0.1, help="Steps, or a fraction if < 1.")
    p.add_argument("--logging-steps", type=int, default=10)
    p.add_argument("--report-to", default="none", help="trackio, tensorboard or none.")
    p.add_argument("--seed", type=int, default=42)
    return p.parse_args()


def load_pairs(args: argparse.Namespace) -> tuple[Dataset, Dataset]:
    """(train, held-out) pairs with columns `anchor` and `positive`."""
    ds = load_dataset(args.dataset_id, args.dataset_config, split=args.split)
    ds = ds.select_columns([args.anchor_column, args.positive_column])
    ds = ds.rename_columns({args.anchor_column: "anchor", args.positive_column: "positive"})
    ds = ds.filter(lambda r: bool(r["anchor"] and r["positive"]))
    if args.max_samples:
        ds = ds.shuffle(seed=args.seed).select(range(min(args.max_samples, len(ds))))
    parts = ds.train_test_split(test_size=args.eval_size, seed=args.seed)
    held_out = parts["test"].select(range(min(args.max_eval_samples, len(parts["test"]))))
    return parts["train"], held_out


def retrieval_evaluator(pairs: Dataset) -> InformationRetrievalEvaluator:
    """Each anchor must find its own positive among all held-out positives."""
    queries = {f"q{i}": row["anchor"] for i, row in enumerate(pairs)}
    corpus = {f"d{i}": row["positive"] for i, row in enumerate(pairs)}
    relevant = {f"q{i}": {f"d{i}"} for i in range(len(pairs))}
    return InformationRetrievalEvaluator(
        queries, corpus, relevant, name="held-out", mrr_at_k=[10], ndcg_at_k=[10]
    )


def ndcg(metrics: dict[str, float]) -> float:
    return next(v for k, v in metrics.items() if k.endswith("ndcg@10"))


def main() -> None:
    args = parse_args()
    bf16 = torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    print(f"device: {'cuda' if torch.cuda.is_available() else 'cpu'} | bf16 autocast: {bf16}")
    train, held_out = load_pairs(args)
    print(f"train pairs: {len(train)} | held-out pairs: {len(held_out)}")

    # fp32 weights whatever the checkpoint holds: a bf16 checkpoint would otherwise load (and
    # train) in bf16, where small updates round away; bf16 stays autocast only.
    model = SentenceTransformer(args.model_id, model_kwargs={"dtype": torch.float32})
    evaluator = retrieval_evaluator(held_out)
    before = ndcg(evaluator(model))
    print(f"baseline held-out ndcg@10: {before:.4f}")

    config = SentenceTransformerTrainingArguments(
        output_dir=args.hub_model_id.split("/")[-1],
        max_steps=args.max_steps,
        num_train_epochs=args.num_train_epochs,
        per_device_train_batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        warmup_steps=args.warmup if args.warmup < 1 else int(args.warmup),
        bf16=bf16,
        batch_sampler=BatchSamplers.NO_DUPLICATES,  # duplicates would be false negatives
        logging_steps=args.logging_steps,
        logging_first_step=True,
        disable_tqdm=True,
        save_strategy="no",
        report_to=args.report_to,
        seed=args.seed,
    )
    trainer = SentenceTransformerTrainer(
        model=model,
        args=config,
        train_dataset=train,
        loss=MultipleNegativesRankingLoss(model),
    )
    trainer.train()
    losses = [e["loss"] for e in trainer.state.log_history if "loss" in e]
    if not losses or not all(math.isfinite(x) for x in losses):
        raise SystemExit(f"The loss is not finite ({losses}): nothing was pushed.")
    after = ndcg(evaluator(model))
    print(f"held-out ndcg@10: {before:.4f} -> {after:.4f}")

    url = model.push_to_hub(
        args.hub_model_id, private=not args.public, exist_ok=True, train_datasets=[args.dataset_id]
    )
    print(f"Pushed: {url}")


if __name__ == "__main__":
    main()
