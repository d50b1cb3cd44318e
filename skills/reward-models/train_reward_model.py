# /// script
# requires-python = ">=3.11"
# dependencies = [
#     "trl==1.16.0",
#     "transformers==5.23.0",
#     "datasets==5.2.0",
#     "accelerate==1.15.0",
#     "peft==0.21.2",
# ]
# ///
"""Reward model template: train a scalar scorer on preference pairs with TRL's RewardTrainer.

Rows need `chosen` and `rejected` (plain text, or conversations as message lists; an optional
`prompt` column is shared by both). The model is a sequence classifier with one output; the loss
is -log sigmoid(r_chosen - r_rejected). The held-out pair accuracy (how often the chosen answer
scores higher) is printed before training (about 0.5: the head is new) and after.

Run on Hugging Face Jobs (hf_jobs, operation "uv"), smoke test first:
    script_args: --hub-model-id you/qwen-rm-smoke --max-steps 20 --max-samples 512
Full fine-tunes keep fp32 weights under bf16 autocast; --lora trains an adapter on a bf16 base.
"""

from __future__ import annotations

import argparse
import math

import torch
from datasets import load_dataset
from trl import RewardConfig, RewardTrainer


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Train a reward model on preference pairs (TRL).")
    p.add_argument("--model-id", default="Qwen/Qwen2.5-0.5B-Instruct")
    p.add_argument("--dataset-id", default="trl-lib/ultrafeedback_binarized")
    p.add_argument("--split", default="train")
    p.add_argument("--eval-split", default="test", help="Carved from train if missing.")
    p.add_argument("--max-samples", type=int, default=None, help="Subsample (smoke tests).")
    p.add_argument("--max-length", type=int, default=1024, help="Longer pairs are dropped.")
    p.add_argument("--hub-model-id", required=True, help="e.g. your-name/qwen-rm")
    p.add_argument("--public", action="store_true", help="Make a new Hub repo public.")
    p.add_argument("--max-steps", type=int, default=-1)
    p.add_argument("--num-train-epochs", type=float, default=1.0)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--gradient-accumulation-steps", type=int, default=2)
    p.add_argument("--learning-rate", type=float, default=None, help="Default 1e-5; 1e-4 LoRA.")
    p.add_argument("--center-rewards", type=float, default=0.01, help="0 to turn off.")
    p.add_argument("--lora", action="store_true", help="Train a LoRA adapter (and the head).")
    p.add_argument("--logging-steps", type=int, default=10)
    p.add_argument("--report-to", default="none", help="trackio, tensorboard or none.")
    p.add_argument("--seed", type=int, default=42)
    return p.parse_args()


def precision() -> str:
    """'bf16' on Ampere or newer, 'fp16' on older GPUs, 'fp32' on CPU (TRL defaults to bf16)."""
    if not torch.cuda.is_available():
        return "fp32"
    return "bf16" if torch.cuda.is_bf16_supported() else "fp16"


def splits(args: argparse.Namespace):
    ds = load_dataset(args.dataset_id)
    train = ds[args.split]
    if args.eval_split in ds:
        held_out = ds[args.eval_split]
    else:
        parts = train.train_test_split(test_size=0.1, seed=args.seed)
        train, held_out = parts["train"], parts["test"]
    if args.max_samples:
        train = train.shuffle(seed=args.seed).select(range(min(args.max_samples, len(train))))
        held_out = held_out.select(range(min(args.max_samples, len(held_out))))
    return train, held_out


def main() -> None:
    args = parse_args()
    mode = precision()
    train, held_out = splits(args)
    print(f"pairs: train {len(train)} | held out {len(held_out)} | precision {mode}")
    peft_config = None
    if args.lora:
        from peft import LoraConfig

        # SEQ_CLS keeps the new score head trainable next to the adapter
        peft_config = LoraConfig(
            r=16, lora_alpha=32, target_modules="all-linear", task_type="SEQ_CLS"
        )
    half = "bfloat16" if mode == "bf16" else "float16"
    config = RewardConfig(
        output_dir=args.hub_model_id.split("/")[-1],
        max_steps=args.max_steps,
        num_train_epochs=args.num_train_epochs,
        per_device_train_batch_size=args.batch_size,
        per_device_eval_batch_size=args.batch_size,
        gradient_accumulation_steps=args.gradient_accumulation_steps,
        learning_rate=args.learning_rate or (1e-4 if args.lora else 1e-5),
        max_length=args.max_length,
        center_rewards_coefficient=args.center_rewards or None,
        model_init_kwargs={"dtype": half if args.lora and mode != "fp32" else "float32"},
        bf16=mode == "bf16",
        fp16=mode == "fp16",
        eval_strategy="no",  # evaluated before and after, below
        save_strategy="no",
        logging_steps=args.logging_steps,
        disable_tqdm=True,
        report_to=args.report_to,
        push_to_hub=True,
        hub_model_id=args.hub_model_id,
        hub_private_repo=not args.public,
        seed=args.seed,
    )
    trainer = RewardTrainer(
        model=args.model_id,
        args=config,
        train_dataset=train,
        eval_dataset=held_out,
        peft_config=peft_config,
    )
    before = trainer.evaluate()["eval_accuracy"]
    trainer.train()
    losses = [e["loss"] for e in trainer.state.log_history if "loss" in e]
    if not losses or not all(math.isfinite(x) for x in losses):
        raise SystemExit(f"The loss is not finite ({losses}): nothing was pushed.")
    after = trainer.evaluate()["eval_accuracy"]
    print(f"held-out pair accuracy: {before:.3f} -> {after:.3f}")
    trainer.push_to_hub(dataset_name=args.dataset_id)
    print(f"Pushed: https://huggingface.co/{args.hub_model_id}")


if __name__ == "__main__":
    main()
