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
"""Distillation template: train a small student to match a larger teacher (TRL DistillationTrainer).

On-policy: the student writes completions for the dataset's prompts and learns the teacher's
next-token distribution on them (generalized Jensen-Shannon divergence; --beta 0 forward KL,
1 reverse KL, 0.5 JSD). Teacher and student must share a tokenizer (same family, e.g. Qwen2.5
1.5B -> 0.5B). Rows need a `prompt` (text or messages); `messages` rows are cut to the turns
before the last assistant answer. Full fine-tunes keep fp32 weights under bf16 autocast.

Run on Hugging Face Jobs (hf_jobs, operation "uv"), smoke test first:
    script_args: --hub-model-id you/qwen-0.5b-distilled-smoke --max-steps 10 --max-samples 64
"""

from __future__ import annotations

import argparse
import math

import torch
from datasets import load_dataset
from transformers import AutoTokenizer
from trl import DistillationConfig, DistillationTrainer


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description="On-policy distillation of a teacher into a student.")
    p.add_argument("--model-id", default="Qwen/Qwen2.5-0.5B-Instruct", help="The student.")
    p.add_argument("--teacher-id", default="Qwen/Qwen2.5-1.5B-Instruct")
    p.add_argument("--dataset-id", default="trl-lib/tldr")
    p.add_argument("--split", default="train")
    p.add_argument("--max-samples", type=int, default=None, help="Subsample (smoke tests).")
    p.add_argument("--hub-model-id", required=True, help="e.g. your-name/qwen-0.5b-distilled")
    p.add_argument("--public", action="store_true", help="Make a new Hub repo public.")
    p.add_argument("--max-steps", type=int, default=-1)
    p.add_argument("--num-train-epochs", type=float, default=1.0)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--gradient-accumulation-steps", type=int, default=4)
    p.add_argument("--learning-rate", type=float, default=1e-6, help="TRL's default.")
    p.add_argument("--beta", type=float, default=1.0, help="0 forward KL, 0.5 JSD, 1 reverse KL.")
    p.add_argument("--max-completion-length", type=int, default=256)
    p.add_argument("--temperature", type=float, default=1.0)
    p.add_argument("--logging-steps", type=int, default=10)
    p.add_argument("--report-to", default="none", help="trackio, tensorboard or none.")
    p.add_argument("--seed", type=int, default=42)
    return p.parse_args()


def precision() -> str:
    """'bf16' on Ampere or newer, 'fp16' on older GPUs, 'fp32' on CPU (TRL defaults to bf16)."""
    if not torch.cuda.is_available():
        return "fp32"
    return "bf16" if torch.cuda.is_bf16_supported() else "fp16"


def to_prompt(row: dict) -> dict:
    """A `messages` row becomes the conversation up to its last assistant turn."""
    if row.get("prompt"):
        return {"prompt": row["prompt"]}
    turns = row["messages"]
    last = max(i for i, m in enumerate(turns) if m["role"] == "assistant")
    return {"prompt": turns[:last]}


def check_vocabularies(student_id: str, teacher_id: str) -> None:
    """The loss compares distributions token by token: both must number tokens alike."""
    student, teacher = (AutoTokenizer.from_pretrained(i) for i in (student_id, teacher_id))
    if student.get_vocab() != teacher.get_vocab():
        raise SystemExit(
            f"{student_id} and {teacher_id} have different vocabularies: pick a teacher from "
            "the student's family (same tokenizer), or distil off-policy with SFT on teacher outputs."
        )


def main() -> None:
    args = parse_args()
    mode = precision()
    check_vocabularies(args.model_id, args.teacher_id)
    ds = load_dataset(args.dataset_id, split=args.split)
    if args.max_samples:
        ds = ds.shuffle(seed=args.seed).select(range(min(args.max_samples, len(ds))))
    ds = ds.map(to_prompt, remove_columns=ds.column_names)
    print(f"prompts: {len(ds)} | student {args.model_id} | teacher {args.teacher_id} | {mode}")
    config = DistillationConfig(
        output_dir=args.hub_model_id.split("/")[-1],
        max_steps=args.max_steps,
        num_train_epochs=args.num_train_epochs,
        per_device_train_batch_size=args.batch_size,
        gradient_accumulation_steps=args.gradient_accumulation_steps,
        learning_rate=args.learning_rate,
        beta=args.beta,
        max_completion_length=args.max_completion_length,
        temperature=args.temperature,
        model_init_kwargs={"dtype": "float32"},  # fp32 master weights; bf16 only as autocast
        teacher_model_init_kwargs={"dtype": "float32" if mode == "fp32" else "bfloat16"},
        bf16=mode == "bf16",
        fp16=mode == "fp16",
        save_strategy="no",
        logging_steps=args.logging_steps,
        disable_tqdm=True,
        report_to=args.report_to,
        push_to_hub=True,
        hub_model_id=args.hub_model_id,
        hub_private_repo=not args.public,
        seed=args.seed,
    )
    trainer = DistillationTrainer(
        model=args.model_id, teacher_model=args.teacher_id, args=config, train_dataset=ds
    )
    trainer.train()
    losses = [e["loss"] for e in trainer.state.log_history if "loss" in e]
    if not losses or not all(math.isfinite(x) for x in losses):
        raise SystemExit(f"The loss is not finite ({losses}): nothing was pushed.")
    print(f"divergence to the teacher: first {losses[0]:.4f} -> last {losses[-1]:.4f}")
    trainer.push_to_hub(dataset_name=args.dataset_id)
    print(f"Pushed: https://huggingface.co/{args.hub_model_id}")


if __name__ == "__main__":
    main()
