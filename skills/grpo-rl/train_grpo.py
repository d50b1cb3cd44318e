# /// script
# requires-python = ">=3.11"
# dependencies = [
#     "trl==1.16.0",
#     "transformers==5.23.0",
#     "datasets==5.2.0",
#     "accelerate==1.15.0",
#     "peft==0.21.2",
#     "trackio==0.43.0",
#     "rich>=13",
# ]
# ///
"""GRPO template: train a chat model with TRL's GRPOTrainer and one verifiable reward.

The default task is GSM8K: every row's `answer` ends with `#### <number>`. The model is asked to
finish its reply with the same marker, and the reward is 1.0 when the number after the model's
last `####` equals the reference number, else 0.0.

Before training it scores the starting model on the eval split (the baseline reward), and
after training the same split again, so the log shows whether RL helped. Full fine-tunes keep
fp32 master weights under bf16 autocast (at GRPO's 1e-6 learning rate, bf16 weights would barely
move); --lora trains an adapter on a bf16 base at 1e-5. Qwen3-style thinking is off unless
--thinking: otherwise the completion budget fills with <think> text.

Run on Hugging Face Jobs (hf_jobs, operation "uv"), e.g. a smoke test:
    script_args: --hub-model-id you/qwen-grpo-smoke --max-steps 10 --max-samples 64
For vLLM generation add the dependency "trl[vllm]" and pass --use-vllm.

To train on another dataset, point --question-column and --answer-column at its columns and
rewrite `reference_answer` / `exact_answer_reward` for its answer format.
"""

from __future__ import annotations

import argparse
import math
import re

import torch
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
    p.add_argument("--eval-split", default="test", help="Held-out split; 'none' to skip.")
    p.add_argument("--max-eval-samples", type=int, default=64)
    p.add_argument("--question-column", default="question")
    p.add_argument("--answer-column", default="answer")
    p.add_argument("--hub-model-id", required=True, help="e.g. your-name/model-grpo")
    p.add_argument(
        "--public", action="store_true", help="Make a new Hub repo public (default private)."
    )
    p.add_argument("--max-steps", type=int, default=200)
    p.add_argument("--max-samples", type=int, default=None, help="Subsample rows (smoke tests).")
    p.add_argument("--num-generations", type=int, default=8)
    p.add_argument("--per-device-train-batch-size", type=int, default=8)
    p.add_argument("--gradient-accumulation-steps", type=int, default=4)
    p.add_argument(
        "--per-device-eval-batch-size",
        type=int,
        default=None,
        help="Completions per eval step; a multiple of --num-generations (default: equal to it).",
    )
    p.add_argument("--max-completion-length", type=int, default=512)
    p.add_argument(
        "--learning-rate", type=float, default=None, help="Default 1e-6 full, 1e-5 LoRA."
    )
    p.add_argument("--thinking", action="store_true", help="Keep Qwen3-style <think> turned on.")
    p.add_argument("--beta", type=float, default=0.0, help="KL coefficient; 0 loads no ref model.")
    p.add_argument("--logging-steps", type=int, default=5)
    p.add_argument("--save-steps", type=int, default=100)
    p.add_argument("--use-vllm", action="store_true", help="Colocated vLLM; needs trl[vllm].")
    p.add_argument("--vllm-gpu-memory-utilization", type=float, default=0.3)
    p.add_argument("--lora", action="store_true", help="Train a LoRA adapter instead.")
    p.add_argument("--report-to", default="trackio", help="trackio, tensorboard or none.")
    p.add_argument("--project", default="grpo", help="Trackio project (groups runs).")
    p.add_argument("--trackio-space-id", default=None, help="e.g. you/trackio (live dashboard).")
    p.add_argument("--seed", type=int, default=42)
    args = p.parse_args()
    if args.per_device_eval_batch_size is None:
        args.per_device_eval_batch_size = args.num_generations  # one prompt's group per eval step
    problems = batch_problems(args)
    if problems:
        p.error("\n".join(problems))
    return args


def batch_problems(args: argparse.Namespace) -> list[str]:
    """What GRPOTrainer would reject (or crash on at the first evaluation), said with the fix.

    TRL 1.16 groups rewards as view(-1, num_generations): the train batch x accumulation and the
    eval batch must both hold whole groups, and with eval_strategy="no" GRPOConfig does not check
    the eval batch, so a bad one dies at the baseline evaluation after the model has loaded.
    """
    g = args.num_generations
    if g < 2:
        return [f"--num-generations {g}: GRPO compares completions of one prompt; use 2 or more."]
    problems = []
    train = args.per_device_train_batch_size * args.gradient_accumulation_steps
    if train % g:
        problems.append(
            f"per-device-train-batch-size x gradient-accumulation-steps = "
            f"{args.per_device_train_batch_size} x {args.gradient_accumulation_steps} = {train} "
            f"is not a multiple of --num-generations {g}: make --gradient-accumulation-steps "
            f"a multiple of {g // math.gcd(g, args.per_device_train_batch_size)}, "
            "or lower --num-generations."
        )
    if args.per_device_eval_batch_size % g:
        problems.append(
            f"--per-device-eval-batch-size {args.per_device_eval_batch_size} is not a multiple of "
            f"--num-generations {g}: use {g} (one prompt's completions per eval step) or a multiple."
        )
    return problems


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


def build_dataset(args: argparse.Namespace, split: str, limit: int | None):
    config = args.dataset_config or None
    ds = load_dataset(args.dataset_id, config, split=split)
    if limit:
        ds = ds.shuffle(seed=args.seed).select(range(min(limit, len(ds))))

    def to_prompt(row: dict) -> dict:
        return {
            "prompt": [
                {"role": "system", "content": INSTRUCTION},
                {"role": "user", "content": row[args.question_column]},
            ],
            "gold": reference_answer(str(row[args.answer_column])),
        }

    return ds.map(to_prompt, remove_columns=ds.column_names)


def choose_precision() -> str:
    """'bf16' on Ampere or newer, 'fp16' on older GPUs (T4), 'fp32' on CPU; says which."""
    if not torch.cuda.is_available():
        print("No GPU: fp32 on CPU (a smoke test only; generation is very slow).")
        return "fp32"
    if torch.cuda.is_bf16_supported():
        return "bf16"
    print(f"{torch.cuda.get_device_name()} has no bf16: fp16 autocast. Prefer an Ampere+ flavor.")
    return "fp16"


def weights_dtype(precision: str, lora: bool) -> str:
    """Full fine-tunes keep fp32 master weights; a LoRA base is frozen, so half is enough."""
    if lora and precision != "fp32":
        return "bfloat16" if precision == "bf16" else "float16"
    return "float32"


def eval_reward(trainer: GRPOTrainer, label: str) -> float | None:
    """Mean reward of the current policy on the eval split, printed with `label`."""
    if trainer.eval_dataset is None:
        return None
    metrics = trainer.evaluate()
    reward = metrics.get("eval_reward")
    print(f"{label} eval reward: {reward}")
    return reward


def main() -> None:
    args = parse_args()
    precision = choose_precision()
    lr = args.learning_rate or (1e-5 if args.lora else 1e-6)
    train_dataset = build_dataset(args, args.split, args.max_samples)
    eval_dataset = None
    if args.eval_split != "none":
        eval_dataset = build_dataset(args, args.eval_split, args.max_eval_samples)

    # Check the reward on the reference answers before paying for generation.
    sample = train_dataset.select(range(min(4, len(train_dataset))))
    fake = [[{"role": "assistant", "content": f"... {MARKER} {g}"}] for g in sample["gold"]]
    if exact_answer_reward(fake, sample["gold"]) != [1.0] * len(sample):
        raise SystemExit("The reward gives less than 1.0 to the reference answers: fix it first.")

    peft_config = None
    if args.lora:
        from peft import LoraConfig

        peft_config = LoraConfig(
            r=16, lora_alpha=32, target_modules="all-linear", task_type="CAUSAL_LM"
        )

    config = GRPOConfig(
        output_dir=args.hub_model_id.split("/")[-1],
        max_steps=args.max_steps,
        learning_rate=lr,
        per_device_train_batch_size=args.per_device_train_batch_size,
        per_device_eval_batch_size=args.per_device_eval_batch_size,
        gradient_accumulation_steps=args.gradient_accumulation_steps,
        num_generations=args.num_generations,
        max_completion_length=args.max_completion_length,
        chat_template_kwargs={"enable_thinking": args.thinking},  # ignored by other templates
        beta=args.beta,
        model_init_kwargs={"dtype": weights_dtype(precision, args.lora)},
        bf16=precision == "bf16",
        fp16=precision == "fp16",
        use_vllm=args.use_vllm,
        vllm_mode="colocate",
        vllm_gpu_memory_utilization=args.vllm_gpu_memory_utilization,
        logging_steps=args.logging_steps,
        log_completions=True,
        num_completions_to_print=2,
        eval_strategy="no",  # evaluated before and after training, below
        save_strategy="steps",
        save_steps=args.save_steps,
        save_total_limit=1,
        push_to_hub=True,
        hub_model_id=args.hub_model_id,
        hub_private_repo=not args.public,
        report_to=args.report_to,
        project=args.project,
        trackio_space_id=args.trackio_space_id,
        seed=args.seed,
    )

    trainer = GRPOTrainer(
        model=args.model_id,
        reward_funcs=[exact_answer_reward],
        args=config,
        train_dataset=train_dataset,
        eval_dataset=eval_dataset,
        peft_config=peft_config,
    )
    before = eval_reward(trainer, "baseline (before training)")
    trainer.train()
    after = eval_reward(trainer, "after training")
    losses = [e["loss"] for e in trainer.state.log_history if "loss" in e]
    if not all(math.isfinite(x) for x in losses):
        raise SystemExit("The loss is not finite: the run is broken; nothing was pushed.")
    if before is not None and after is not None:
        print(f"eval reward: {before:.3f} -> {after:.3f}")
    trainer.push_to_hub(dataset_name=args.dataset_id)
    print(f"Pushed to https://huggingface.co/{args.hub_model_id}")


if __name__ == "__main__":
    main()
