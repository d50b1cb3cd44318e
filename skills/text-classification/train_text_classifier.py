# /// script
# requires-python = ">=3.11"
# dependencies = [
#     "transformers==5.23.0",
#     "datasets==5.2.0",
#     "accelerate==1.15.0",
#     "scikit-learn>=1.5",
# ]
# ///
"""Text classification template: fine-tune an encoder (BERT, ModernBERT, DeBERTa) on labelled text.

Any dataset with a text column and a label column (integers, a ClassLabel, or strings, which are
mapped to ids here). The head is new, sized to the labels, with names kept in config.id2label.
Accuracy and macro-F1 on the eval split are printed before training (a new head is at chance)
and after; the best checkpoint by macro-F1 is the one pushed.

Run on Hugging Face Jobs (hf_jobs, operation "uv"), smoke test first:
    script_args: --hub-model-id you/bert-imdb-smoke --max-steps 20 --max-samples 512
Weights stay fp32 (bf16 autocast on Ampere+); the repo is private unless --public.
"""

from __future__ import annotations

import argparse
import math

import numpy as np
import torch
from datasets import ClassLabel, DatasetDict, load_dataset
from sklearn.metrics import accuracy_score, f1_score
from transformers import (
    AutoModelForSequenceClassification,
    AutoTokenizer,
    DataCollatorWithPadding,
    Trainer,
    TrainingArguments,
)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Fine-tune a text classifier, pushed to the Hub.")
    p.add_argument("--model-id", default="answerdotai/ModernBERT-base")
    p.add_argument("--dataset-id", default="stanfordnlp/imdb")
    p.add_argument("--text-column", default="text")
    p.add_argument("--label-column", default="label")
    p.add_argument("--eval-split", default="test", help="Carved from train if missing.")
    p.add_argument("--max-samples", type=int, default=None, help="Subsample (smoke tests).")
    p.add_argument("--max-length", type=int, default=512)
    p.add_argument("--hub-model-id", required=True, help="e.g. your-name/bert-imdb")
    p.add_argument("--public", action="store_true", help="Make a new Hub repo public.")
    p.add_argument("--max-steps", type=int, default=-1)
    p.add_argument("--num-train-epochs", type=float, default=3.0)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--learning-rate", type=float, default=3e-5)
    p.add_argument("--warmup", type=float, default=0.1, help="Steps, or a fraction if < 1.")
    p.add_argument("--logging-steps", type=int, default=10)
    p.add_argument("--report-to", default="none", help="trackio, tensorboard or none.")
    p.add_argument("--seed", type=int, default=42)
    return p.parse_args()


def load_splits(args: argparse.Namespace) -> tuple[DatasetDict, list[str]]:
    """train/eval with `text` and integer `label`, and the label names in id order."""
    ds = load_dataset(args.dataset_id)
    if args.eval_split not in ds:
        ds = ds["train"].train_test_split(test_size=0.1, seed=args.seed)
        ds[args.eval_split] = ds.pop("test")
    ds = DatasetDict(train=ds["train"], eval=ds[args.eval_split])
    ds = ds.select_columns([args.text_column, args.label_column])
    ds = ds.rename_columns({args.text_column: "text", args.label_column: "label"})
    feature = ds["train"].features["label"]
    if isinstance(feature, ClassLabel):
        names = feature.names
    else:  # plain ints or strings: the sorted distinct values become the classes
        names = sorted({str(v) for v in ds["train"]["label"]})
        index = {n: i for i, n in enumerate(names)}
        ds = ds.map(lambda r: {"label": index[str(r["label"])]})
    if args.max_samples:
        ds["train"] = (
            ds["train"]
            .shuffle(seed=args.seed)
            .select(range(min(args.max_samples, len(ds["train"]))))
        )
        ds["eval"] = ds["eval"].select(range(min(args.max_samples, len(ds["eval"]))))
    return ds, names


def metrics(pred) -> dict[str, float]:
    labels, guesses = pred.label_ids, np.argmax(pred.predictions, axis=-1)
    return {
        "accuracy": float(accuracy_score(labels, guesses)),
        "macro_f1": float(f1_score(labels, guesses, average="macro")),
    }


def main() -> None:
    args = parse_args()
    bf16 = torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    ds, names = load_splits(args)
    print(f"classes: {names} | train {len(ds['train'])} | eval {len(ds['eval'])}")
    tokenizer = AutoTokenizer.from_pretrained(args.model_id)
    ds = ds.map(
        lambda b: tokenizer(b["text"], truncation=True, max_length=args.max_length),
        batched=True,
        remove_columns=["text"],
    )
    model = AutoModelForSequenceClassification.from_pretrained(
        args.model_id,
        num_labels=len(names),
        id2label=dict(enumerate(names)),
        label2id={n: i for i, n in enumerate(names)},
        dtype=torch.float32,  # fp32 weights; bf16 only as autocast
    )
    config = TrainingArguments(
        output_dir=args.hub_model_id.split("/")[-1],
        max_steps=args.max_steps,
        num_train_epochs=args.num_train_epochs,
        per_device_train_batch_size=args.batch_size,
        per_device_eval_batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        warmup_steps=args.warmup if args.warmup < 1 else int(args.warmup),
        weight_decay=0.01,
        bf16=bf16,
        eval_strategy="epoch" if args.max_steps < 0 else "no",
        save_strategy="epoch" if args.max_steps < 0 else "no",
        load_best_model_at_end=args.max_steps < 0,
        metric_for_best_model="macro_f1",
        save_total_limit=2,
        logging_steps=args.logging_steps,
        disable_tqdm=True,
        report_to=args.report_to,
        push_to_hub=True,
        hub_model_id=args.hub_model_id,
        hub_private_repo=not args.public,
        seed=args.seed,
    )
    trainer = Trainer(
        model=model,
        args=config,
        train_dataset=ds["train"],
        eval_dataset=ds["eval"],
        processing_class=tokenizer,
        data_collator=DataCollatorWithPadding(tokenizer),
        compute_metrics=metrics,
    )
    before = trainer.evaluate()
    trainer.train()
    losses = [e["loss"] for e in trainer.state.log_history if "loss" in e]
    if not losses or not all(math.isfinite(x) for x in losses):
        raise SystemExit(f"The loss is not finite ({losses}): nothing was pushed.")
    after = trainer.evaluate()
    for name in ("accuracy", "macro_f1"):
        print(f"eval {name}: {before['eval_' + name]:.4f} -> {after['eval_' + name]:.4f}")
    trainer.push_to_hub(commit_message="End of training", dataset=args.dataset_id)
    print(f"Pushed: https://huggingface.co/{args.hub_model_id}")


if __name__ == "__main__":
    main()
