# /// script
# requires-python = ">=3.11"
# dependencies = [
#     "transformers==5.23.0",
#     "datasets[audio]==5.2.0",
#     "accelerate==1.15.0",
# ]
# ///
"""Speech recognition template: fine-tune a wav2vec2-style encoder with a CTC head.

Rows need audio (a datasets `Audio` column, resampled here to 16 kHz, or a dict with `array`
and `sampling_rate` already at 16 kHz) and a transcript. The model's processor (feature
extractor + character tokenizer) must exist: fine-tune a checkpoint that has one, or build it
from the transcripts' characters first (see SKILL.md). Word error rate on the eval split is
printed before training and after.

Run on Hugging Face Jobs (hf_jobs, operation "uv"), smoke test first:
    script_args: --hub-model-id you/w2v2-asr-smoke --max-steps 20 --max-samples 64
Weights stay fp32 (bf16 autocast on Ampere+); the repo is private unless --public.
"""

from __future__ import annotations

import argparse
import math

import numpy as np
import torch
from datasets import Audio, load_dataset
from transformers import AutoModelForCTC, AutoProcessor, Trainer, TrainingArguments

RATE = 16_000


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Fine-tune a CTC speech recognizer, pushed to the Hub.")
    p.add_argument("--model-id", default="facebook/wav2vec2-base-960h")
    p.add_argument("--dataset-id", required=True)
    p.add_argument("--dataset-config", default=None)
    p.add_argument("--audio-column", default="audio")
    p.add_argument("--text-column", default="text")
    p.add_argument("--eval-split", default="test", help="Carved from train if missing.")
    p.add_argument("--max-samples", type=int, default=None, help="Subsample (smoke tests).")
    p.add_argument("--max-seconds", type=float, default=20.0, help="Longer clips are dropped.")
    p.add_argument("--hub-model-id", required=True, help="e.g. your-name/w2v2-asr")
    p.add_argument("--public", action="store_true", help="Make a new Hub repo public.")
    p.add_argument("--max-steps", type=int, default=-1)
    p.add_argument("--num-train-epochs", type=float, default=10.0)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--learning-rate", type=float, default=1e-4)
    p.add_argument("--warmup", type=float, default=0.1, help="Steps, or a fraction if < 1.")
    p.add_argument("--logging-steps", type=int, default=10)
    p.add_argument("--report-to", default="none", help="trackio, tensorboard or none.")
    p.add_argument("--seed", type=int, default=42)
    return p.parse_args()


def word_error_rate(references: list[str], hypotheses: list[str]) -> float:
    """Word-level edit distance over all references' words (what jiwer computes)."""
    errors = words = 0
    for ref, hyp in zip(references, hypotheses, strict=True):
        r, h = ref.split(), hyp.split()
        row = list(range(len(h) + 1))
        for i, word in enumerate(r, 1):
            prev, row[0] = row[0], i
            for j, guess in enumerate(h, 1):
                prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (word != guess))
        errors, words = errors + row[-1], words + len(r)
    return errors / max(words, 1)


def load_splits(args: argparse.Namespace, processor):
    ds = load_dataset(args.dataset_id, args.dataset_config)
    if args.eval_split not in ds:
        ds = ds["train"].train_test_split(test_size=0.1, seed=args.seed)
        ds[args.eval_split] = ds.pop("test")
    train, held_out = ds["train"], ds[args.eval_split]
    if args.max_samples:
        train = train.shuffle(seed=args.seed).select(range(min(args.max_samples, len(train))))
        held_out = held_out.select(range(min(args.max_samples, len(held_out))))
    if isinstance(train.features[args.audio_column], Audio):  # decode and resample on access
        train = train.cast_column(args.audio_column, Audio(sampling_rate=RATE))
        held_out = held_out.cast_column(args.audio_column, Audio(sampling_rate=RATE))

    def features(row: dict) -> dict:
        audio = row[args.audio_column]
        array = np.asarray(audio["array"], dtype=np.float32)
        if audio["sampling_rate"] != RATE:
            raise SystemExit(f"Audio at {audio['sampling_rate']} Hz: cast it to {RATE} Hz first.")
        text = str(row[args.text_column]).lower()  # character vocabularies are usually lower case
        return {
            "input_values": processor(array, sampling_rate=RATE).input_values[0],
            "labels": processor.tokenizer(text).input_ids,
            "seconds": len(array) / RATE,
        }

    columns = train.column_names
    train = train.map(features, remove_columns=columns)
    held_out = held_out.map(features, remove_columns=columns)
    return train.filter(lambda r: r["seconds"] <= args.max_seconds), held_out


def main() -> None:
    args = parse_args()
    bf16 = torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    processor = AutoProcessor.from_pretrained(args.model_id)
    train, held_out = load_splits(args, processor)
    print(f"clips: train {len(train)} | eval {len(held_out)}")
    model = AutoModelForCTC.from_pretrained(
        args.model_id,
        dtype=torch.float32,
        ctc_loss_reduction="mean",
        pad_token_id=processor.tokenizer.pad_token_id,
        vocab_size=len(processor.tokenizer),
        ignore_mismatched_sizes=True,  # a new vocabulary gets a new head (reported on load)
    )
    model.freeze_feature_encoder()  # the convolutional front end stays as pre-trained

    def collate(rows: list[dict]) -> dict:
        audio = processor.pad(
            [{"input_values": r["input_values"]} for r in rows], return_tensors="pt"
        )
        labels = processor.tokenizer.pad(
            [{"input_ids": r["labels"]} for r in rows], return_tensors="pt"
        )
        audio["labels"] = labels["input_ids"].masked_fill(labels["attention_mask"] == 0, -100)
        return audio

    def wer(pred) -> dict[str, float]:
        ids = np.argmax(pred.predictions, axis=-1)
        label_ids = np.where(
            pred.label_ids == -100, processor.tokenizer.pad_token_id, pred.label_ids
        )
        hypotheses = processor.batch_decode(ids)
        references = processor.batch_decode(label_ids, group_tokens=False)
        return {"wer": word_error_rate(references, hypotheses)}

    config = TrainingArguments(
        output_dir=args.hub_model_id.split("/")[-1],
        max_steps=args.max_steps,
        num_train_epochs=args.num_train_epochs,
        per_device_train_batch_size=args.batch_size,
        per_device_eval_batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        warmup_steps=args.warmup if args.warmup < 1 else int(args.warmup),
        bf16=bf16,
        remove_unused_columns=False,
        save_strategy="no",
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
        train_dataset=train.remove_columns("seconds"),
        eval_dataset=held_out.remove_columns("seconds"),
        data_collator=collate,
        compute_metrics=wer,
        processing_class=processor,
    )
    before = trainer.evaluate()["eval_wer"]
    trainer.train()
    losses = [e["loss"] for e in trainer.state.log_history if "loss" in e]
    if not losses or not all(math.isfinite(x) for x in losses):
        raise SystemExit(f"The loss is not finite ({losses}): nothing was pushed.")
    after = trainer.evaluate()["eval_wer"]
    print(f"eval WER: {before:.3f} -> {after:.3f}")
    trainer.push_to_hub(commit_message="End of training", dataset=args.dataset_id)
    print(f"Pushed: https://huggingface.co/{args.hub_model_id}")


if __name__ == "__main__":
    main()
