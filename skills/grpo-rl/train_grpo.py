# /// script
# requires-python = ">=3.11"
# dependencies = [
#     "trl>=1.0",
#     "transformers",
#     "datasets",
#     "accelerate",
#     "peft",
#     "rich",
# ]
# ///
"""GRPO template: train a chat model with TRL's GRPOTrainer and one verifiable reward.

The default task is GSM8K: every row's `answer` ends with `#### <number>`. The model is asked to
finish its reply with the same marker, and the reward is 1.0 when the number after the model's
last `####` equals the reference number, else 0.0.

Run on Hugging Face Jobs (hf_jobs, operation "uv"), e.g. a smoke test:
    script_args: --hub-model-id you/qwen-grpo-smoke --max-steps 10 --max-samples 64
For vLLM generation add the dependency "trl[vllm]" and pass --use-vllm.

To train on another dataset, point --question-column and --answer-column at its columns and
rewrite `reference_answer` / `exact_answer_reward` for its answer format.
"""

from __future__ import annotations

import argparse
import re

from datasets import load_dataset
from trl import GRPOConfig, GRPOTrainer

INSTRUCTION = (
    "Solve the problem step by step. On the last line, write the final numeric answer "
    "as '#### <number>' and nothing after it."
)
MARKER = "####"
NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description="GRPO with an exact-answer reward (TRL).")
    p.add_argument("--model-id", default="Qwen/Qwen2.5-0.5B-Instruct")
    p.add_argument("--dataset-id", default="openai/gsm8k")
    p.add_argument("--dataset-config", default="main", help="Config name; '' for none.")
    p.add_argument("--split", default="train")
    p.add_argument("--question-column", default="question")
    p.add_argument("--answer-column", default="answer")
    p.add_argument("--hub-model-id", required=True, help="e.g. your-name/model-grpo")
    p.add_argument("--private", action="store_true", help="Create the Hub repo as private.")
    p.add_argument("--max-steps", type=int, default=200)
    p.add_argument("--max-samples", type=int, default=None, help="Subsample rows (smoke tests).")
    p.add_argument("--num-generations", type=int, default=8)
    p.add_argument("--per-device-train-batch-size", type=int, default=8)
    p.add_argument("--gradient-accumulation-steps", type=int, default=4)
    p.add_argument("--max-completion-length", type=int, default=512)
    p.add_argument("--learning-rate", type=float, default=1e-6)
    p.add_argument("--beta", type=float, default=0.0, help="KL coefficient; 0 loads no ref model.")
    p.add_argument("--logging-steps", type=int, default=5)
    p.add_argument("--save-steps", type=int, default=100)
    p.add_argument("--use-vllm", action="store_true", help="Colocated vLLM; needs trl[vllm].")
    p.add_argument("--vllm-gpu-memory-utilization", type=float, default=0.3)
    p.add_argument("--lora", action="store_true", help="Train a LoRA adapter instead.")
    p.add_argument("--seed", type=int, default=42)
    args = p.parse_args()
    completions_per_step = args.per_device_train_batch_size * args.gradient_accumulation_steps
    if completions_per_step % args.num_generations != 0:
        p.error(
            "per-device-train-batch-size * gradient-accumulation-steps "
            f"({completions_per_step}) must be divisible by num-generations "
            f"({args.num_generations})"
        )
    return args


def to_number(text: str | None) -> float | None:
    """The first number in `text` as a float (commas dropped), or None."""
    if not text:
        return None
    match = NUMBER.search(text)
    if match is None:
        return None
    try:
        return float(match.group(0).replace(",", ""))
    except ValueError:
        return None


def reference_answer(answer: str) -> str:
    """GSM8K keeps the final answer after the last '####'."""
    return answer.rsplit(MARKER, 1)[-1].strip()


def completion_text(completion: str | list[dict]) -> str:
    """Standard prompts give strings; conversational prompts give a list of messages."""
    if isinstance(completion, str):
        return completion
    if not completion:
        return ""
    content = completion[-1].get("content")
    return content if isinstance(content, str) else ""


def exact_answer_reward(completions: list, gold: list[str], **kwargs) -> list[float]:
    """1.0 when the number after the completion's last '####' equals the gold number.

    `gold` is a dataset column: GRPOTrainer passes every column except `prompt` to reward
    functions as a keyword argument of the same name, one value per completion.
    """
    rewards = []
    for completion, reference in zip(completions, gold, strict=True):
        text = completion_text(completion)
        if MARKER not in text:
            rewards.append(0.0)
            continue
        predicted = to_number(text.rsplit(MARKER, 1)[-1])
        expected = to_number(reference)
        ok = predicted is not None and expected is not None and abs(predicted - expected) < 1e-6
        rewards.append(1.0 if ok else 0.0)
    return rewards


def build_dataset(args: argparse.Namespace):
    config = args.dataset_config or None
    ds = load_dataset(args.dataset_id, config, split=args.split)
    if args.max_samples:
        ds = ds.shuffle(seed=args.seed).select(range(min(args.max_samples, len(ds))))

    def to_prompt(row: dict) -> dict:
        return {
            "prompt": [
                {"role": "system", "content": INSTRUCTION},
                {"role": "user", "content": row[args.question_column]},
            ],
            "gold": reference_answer(str(row[args.answer_column])),
        }

    return ds.map(to_prompt, remove_columns=ds.column_names)


def main() -> None:
    args = parse_args()
    train_dataset = build_dataset(args)

    # Check the reward on the reference answers before paying for generation.
    sample = train_dataset.select(range(min(4, len(train_dataset))))
    fake = [[{"role": "assistant", "content": f"... {MARKER} {g}"}] for g in sample["gold"]]
    assert exact_answer_reward(fake, sample["gold"]) == [1.0] * len(sample), "reward is broken"

    peft_config = None
    if args.lora:
        from peft import LoraConfig

        peft_config = LoraConfig(
            r=16, lora_alpha=32, target_modules="all-linear", task_type="CAUSAL_LM"
        )

    config = GRPOConfig(
        output_dir=args.hub_model_id.split("/")[-1],
        max_steps=args.max_steps,
        learning_rate=args.learning_rate,
        per_device_train_batch_size=args.per_device_train_batch_size,
        gradient_accumulation_steps=args.gradient_accumulation_steps,
        num_generations=args.num_generations,
        max_completion_length=args.max_completion_length,
        beta=args.beta,
        model_init_kwargs={"dtype": "bfloat16"},
        use_vllm=args.use_vllm,
        vllm_mode="colocate",
        vllm_gpu_memory_utilization=args.vllm_gpu_memory_utilization,
        logging_steps=args.logging_steps,
        log_completions=True,
        num_completions_to_print=2,
        save_strategy="steps",
        save_steps=args.save_steps,
        save_total_limit=1,
        push_to_hub=True,
        hub_model_id=args.hub_model_id,
        hub_private_repo=args.private,
        report_to="none",
        seed=args.seed,
    )

    trainer = GRPOTrainer(
        model=args.model_id,
        reward_funcs=[exact_answer_reward],
        args=config,
        train_dataset=train_dataset,
        peft_config=peft_config,
    )
    trainer.train()
    trainer.push_to_hub(dataset_name=args.dataset_id)
    print(f"Pushed to https://huggingface.co/{args.hub_model_id}")


if __name__ == "__main__":
    main()
