# /// script
# requires-python = ">=3.11"
# dependencies = [
#     "transformers==5.23.0",
#     "datasets==5.2.0",
#     "accelerate==1.15.0",
#     "pillow>=11",
#     "torchvision>=0.24",
# ]
# ///
"""Image classification template: fine-tune a vision backbone with the transformers Trainer.

Accepts any dataset with an image column and a class-label column (Hub id, or a local folder of
<split>/<class>/<image> files, which `datasets` reads as an image folder). The classification
head is replaced to match the dataset's labels (names kept in config.id2label). Accuracy on the
eval split is printed before training (the new head is at chance) and after.

Run on Hugging Face Jobs (hf_jobs, operation "uv"), smoke test first:
    script_args: --hub-model-id you/vit-beans-smoke --max-steps 20
Weights stay fp32 (bf16 autocast on Ampere+); the repo is private unless --public.
"""

from __future__ import annotations

import argparse
import math

import numpy as np
import torch
from datasets import ClassLabel, DatasetDict, load_dataset
from transformers import (
    AutoImageProcessor,
    AutoModelForImageClassification,
    Trainer,
    TrainingArguments,
)


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Fine-tune an image classifier, pushed to the Hub.")
    p.add_argument("--model-id", default="google/vit-base-patch16-224-in21k")
    p.add_argument("--dataset-id", default="AI-Lab-Makerere/beans")
    p.add_argument("--image-column", default="image")
    p.add_argument("--label-column", default="labels")
    p.add_argument("--eval-split", default="validation", help="Carved from train if missing.")
    p.add_argument("--max-samples", type=int, default=None, help="Subsample train (smoke tests).")
    p.add_argument("--hub-model-id", required=True, help="e.g. your-name/vit-beans")
    p.add_argument("--public", action="store_true", help="Make a new Hub repo public.")
    p.add_argument("--max-steps", type=int, default=-1)
    p.add_argument("--num-train-epochs", type=float, default=3.0)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--learning-rate", type=float, default=5e-5)
    p.add_argument("--warmup", type=float, default=0.1, help="Steps, or a fraction if < 1.")
    p.add_argument("--logging-steps", type=int, default=10)
    p.add_argument("--report-to", default="none", help="trackio, tensorboard or none.")
    p.add_argument("--seed", type=int, default=42)
    return p.parse_args()


def load_splits(args: argparse.Namespace) -> DatasetDict:
    """train and eval splits with a ClassLabel label column."""
    ds = load_dataset(args.dataset_id)
    if args.label_column not in ds["train"].column_names and "label" in ds["train"].column_names:
        args.label_column = "label"  # image folders name it `label`
    if not isinstance(ds["train"].features[args.label_column], ClassLabel):
        ds = ds.class_encode_column(args.label_column)
    if args.eval_split not in ds:
        parts = ds["train"].train_test_split(
            test_size=0.15, seed=args.seed, stratify_by_column=args.label_column
        )
        ds = DatasetDict(train=parts["train"], eval=parts["test"])
    else:
        ds = DatasetDict(train=ds["train"], eval=ds[args.eval_split])
    if args.max_samples:
        ds["train"] = (
            ds["train"]
            .shuffle(seed=args.seed)
            .select(range(min(args.max_samples, len(ds["train"]))))
        )
    return ds


def accuracy(prediction) -> dict[str, float]:
    logits, labels = prediction
    return {"accuracy": float((np.argmax(logits, axis=-1) == labels).mean())}


def main() -> None:
    args = parse_args()
    bf16 = torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    print(f"device: {'cuda' if torch.cuda.is_available() else 'cpu'} | bf16 autocast: {bf16}")
    ds = load_splits(args)
    names = ds["train"].features[args.label_column].names
    print(f"classes: {names} | train {len(ds['train'])} | eval {len(ds['eval'])}")

    processor = AutoImageProcessor.from_pretrained(args.model_id)
    model = AutoModelForImageClassification.from_pretrained(
        args.model_id,
        num_labels=len(names),
        id2label=dict(enumerate(names)),
        label2id={n: i for i, n in enumerate(names)},
        ignore_mismatched_sizes=True,  # a new head for these classes
        dtype=torch.float32,  # master weights; bf16 only as autocast
    )

    def transform(batch: dict) -> dict:
        images = [img.convert("RGB") for img in batch[args.image_column]]
        out = processor(images, return_tensors="pt")
        out["labels"] = batch[args.label_column]
        return out

    ds = ds.with_transform(transform)  # applied on the fly, per batch

    config = TrainingArguments(
        output_dir=args.hub_model_id.split("/")[-1],
        max_steps=args.max_steps,
        num_train_epochs=args.num_train_epochs,
        per_device_train_batch_size=args.batch_size,
        per_device_eval_batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        warmup_steps=args.warmup if args.warmup < 1 else int(args.warmup),
        bf16=bf16,
        remove_unused_columns=False,  # keep the image column for the transform
        eval_strategy="epoch" if args.max_steps < 0 else "no",
        save_strategy="no",
        logging_steps=args.logging_steps,
        logging_first_step=True,
        disable_tqdm=True,
        push_to_hub=True,
        hub_model_id=args.hub_model_id,
        hub_private_repo=not args.public,
        report_to=args.report_to,
        seed=args.seed,
    )
    trainer = Trainer(
        model=model,
        args=config,
        train_dataset=ds["train"],
        eval_dataset=ds["eval"],
        processing_class=processor,  # saved and pushed with the model
        compute_metrics=accuracy,
    )
    before = trainer.evaluate()["eval_accuracy"]
    print(f"baseline eval accuracy (new head): {before:.4f}")
    trainer.train()
    losses = [e["loss"] for e in trainer.state.log_history if "loss" in e]
    if not losses or not all(math.isfinite(x) for x in losses):
        raise SystemExit(f"The loss is not finite ({losses}): nothing was pushed.")
    after = trainer.evaluate()["eval_accuracy"]
    print(f"eval accuracy: {before:.4f} -> {after:.4f}")
    trainer.push_to_hub(commit_message="End of training", dataset=args.dataset_id)
    print(f"Pushed: https://huggingface.co/{args.hub_model_id}")


if __name__ == "__main__":
    main()
