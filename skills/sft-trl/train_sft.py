# /// script
# requires-python = ">=3.11"
# dependencies = [
#     "trl==1.16.0",
#     "transformers==5.23.0",
#     "datasets==5.2.0",
#     "accelerate==1.15.0",
#     "peft==0.21.2",
#     "bitsandbytes>=0.46",
#     "trackio==0.43.0",
#     "kernels>=0.10",
# ]
# ///
"""SFT template: fine-tune a causal LM with TRL's SFTTrainer and push the result to the Hub.

Full fine-tune by default; --use-lora trains a LoRA adapter, --load-in-4bit makes it QLoRA.
Accepted data: `messages` (list of {role, content}), `conversations` (from/value, TRL converts
it), `prompt` + `completion`, or `text`. Rows with `instruction`/`output` (optional `input`) or
`question`/`answer` are turned into `messages` below; for anything else, edit `to_trl_format`.

Precision: a full fine-tune keeps fp32 master weights and trains under bf16 autocast (fp16 on
pre-Ampere GPUs); LoRA/QLoRA load the frozen base in bf16. Loading a full fine-tune's weights in
bf16 makes AdamW's small updates round away.

Run on Hugging Face Jobs (hf_jobs, operation "uv", an Ampere-or-newer GPU flavor), first as a
smoke test with the same script:
    script_args: --hub-model-id you/qwen-sft-smoke --max-steps 3 --max-samples 64
then the full run with the real --hub-model-id and no --max-steps / --max-samples.
Everything not pushed to the Hub is lost when the Job ends; checkpoints are pushed as they are
saved (hub_strategy="checkpoint"), and --resume continues from the Hub's last-checkpoint/.
That folder holds the optimizer state (~12 bytes per parameter): once the final model is pushed
it is deleted from the repo, unless --keep-hub-checkpoint.
For a live Trackio dashboard pass --trackio-space-id you/trackio (else metrics stay in the Job).
"""

from __future__ import annotations

import argparse
import math
import os

import torch
from datasets import Dataset, get_dataset_split_names, load_dataset
from transformers import AutoModelForCausalLM, AutoTokenizer, BitsAndBytesConfig
from trl import SFTConfig, SFTTrainer


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Supervised fine-tuning with TRL, pushed to the Hub.")
    p.add_argument("--model-id", default="Qwen/Qwen3-0.6B")
    p.add_argument("--dataset-id", default="trl-lib/Capybara")
    p.add_argument("--dataset-config", default=None)
    p.add_argument("--train-split", default="train")
    p.add_argument(
        "--eval-split",
        default="auto",
        help="Split name, 'auto' (use test/validation if present, else carve one), or 'none'.",
    )
    p.add_argument("--eval-fraction", type=float, default=0.02, help="Carved when no eval split.")
    p.add_argument("--max-eval-samples", type=int, default=500)
    p.add_argument("--hub-model-id", required=True, help="e.g. your-name/qwen3-0.6b-sft")
    p.add_argument(
        "--public", action="store_true", help="Make a new Hub repo public (default private)."
    )
    p.add_argument("--output-dir", default=None, help="Default: the repo name of --hub-model-id.")
    p.add_argument("--hub-strategy", default="checkpoint", help="checkpoint, every_save or end.")
    p.add_argument("--resume", action="store_true", help="Resume from the Hub's last-checkpoint/.")
    p.add_argument(
        "--keep-hub-checkpoint",
        action="store_true",
        help="Leave last-checkpoint/ (optimizer state) in the repo after the final push.",
    )
    # Length of the run
    p.add_argument("--max-steps", type=int, default=-1, help="> 0 overrides epochs (smoke tests).")
    p.add_argument("--num-train-epochs", type=float, default=1.0)
    p.add_argument("--max-samples", type=int, default=None, help="Subsample training rows.")
    # Optimisation
    p.add_argument(
        "--learning-rate", type=float, default=None, help="Default 2e-5 full, 2e-4 LoRA."
    )
    p.add_argument("--lr-scheduler-type", default="cosine")
    p.add_argument(
        "--warmup", type=float, default=0.03, help="Warm-up steps, or a fraction of the run if < 1."
    )
    p.add_argument("--per-device-train-batch-size", type=int, default=4)
    p.add_argument("--gradient-accumulation-steps", type=int, default=4)
    p.add_argument(
        "--max-length", type=int, default=1024, help="Tokens per row; 0 = no truncation."
    )
    p.add_argument("--packing", action="store_true", help="Pack rows into max-length sequences.")
    p.add_argument("--attn-implementation", default=None, help="e.g. kernels-community/flash-attn2")
    p.add_argument("--assistant-only-loss", action="store_true", help="Conversational data only.")
    p.add_argument("--chat-template-path", default=None, help="Tokenizer repo or .jinja to copy.")
    p.add_argument("--eos-token", default=None, help="e.g. '<|im_end|>' for a Qwen base model.")
    # PEFT
    p.add_argument("--use-lora", action="store_true")
    p.add_argument("--load-in-4bit", action="store_true", help="QLoRA (implies --use-lora).")
    p.add_argument("--lora-r", type=int, default=16)
    p.add_argument("--lora-alpha", type=int, default=32)
    p.add_argument("--lora-dropout", type=float, default=0.05)
    p.add_argument("--lora-target-modules", default="all-linear", help="'all-linear' or a,b,c")
    # Logging and saving
    p.add_argument("--logging-steps", type=int, default=10)
    p.add_argument("--save-steps", type=int, default=200)
    p.add_argument("--eval-steps", type=int, default=None, help="Default: --save-steps.")
    p.add_argument("--report-to", default="trackio", help="trackio, tensorboard or none.")
    p.add_argument("--project", default="sft", help="Trackio project (groups runs).")
    p.add_argument("--trackio-space-id", default=None, help="e.g. you/trackio (live dashboard).")
    p.add_argument("--seed", type=int, default=42)
    return p.parse_args()


def to_trl_format(ds: Dataset) -> Dataset:
    """Return `ds` in a format SFTTrainer reads, converting a few common layouts to `messages`."""
    cols = set(ds.column_names)
    if cols & {"messages", "conversations", "text"} or {"prompt", "completion"} <= cols:
        return ds
    for user_col, answer_col in (("instruction", "output"), ("question", "answer")):
        if {user_col, answer_col} <= cols:

            def convert(row: dict, u: str = user_col, a: str = answer_col) -> dict:
                user = row[u]
                if row.get("input"):
                    user = f"{user}\n\n{row['input']}"
                return {
                    "messages": [
                        {"role": "user", "content": user},
                        {"role": "assistant", "content": row[a]},
                    ]
                }

            return ds.map(convert, remove_columns=ds.column_names)
    raise SystemExit(
        f"Unrecognised columns {sorted(cols)}: map the data to `messages`, `prompt`/`completion` "
        "or `text` in to_trl_format()."
    )


def is_conversational(ds: Dataset) -> bool:
    row = ds[0]
    for key in ("messages", "conversations", "prompt"):
        value = row.get(key)
        if isinstance(value, list) and value and isinstance(value[0], dict):
            return True
    return False


def load_splits(args: argparse.Namespace) -> tuple[Dataset, Dataset | None]:
    train = load_dataset(args.dataset_id, args.dataset_config, split=args.train_split)
    eval_ds = None
    eval_split = args.eval_split
    if eval_split == "auto":
        names = get_dataset_split_names(args.dataset_id, args.dataset_config)
        eval_split = next((n for n in ("test", "validation", "valid") if n in names), None)
        if eval_split is None and args.eval_fraction > 0:
            parts = train.train_test_split(test_size=args.eval_fraction, seed=args.seed)
            train, eval_ds = parts["train"], parts["test"]
    if eval_split not in (None, "none", "auto"):
        eval_ds = load_dataset(args.dataset_id, args.dataset_config, split=eval_split)
    if args.max_samples:
        train = train.shuffle(seed=args.seed).select(range(min(args.max_samples, len(train))))
    if eval_ds is not None:
        cap = args.max_eval_samples
        if args.max_samples:
            cap = min(cap, max(8, args.max_samples // 4))
        eval_ds = eval_ds.shuffle(seed=args.seed).select(range(min(cap, len(eval_ds))))
        eval_ds = to_trl_format(eval_ds)
    return to_trl_format(train), eval_ds


def hub_checkpoint(args: argparse.Namespace, output_dir: str) -> str | None:
    """Download last-checkpoint/ from the Hub repo, if there is one, and return its local path."""
    from huggingface_hub import snapshot_download

    try:
        snapshot_download(
            args.hub_model_id, allow_patterns=["last-checkpoint/*"], local_dir=output_dir
        )
    except Exception as err:  # no repo yet, or no access
        print(f"No checkpoint to resume from ({type(err).__name__}); starting fresh.")
        return None
    path = os.path.join(output_dir, "last-checkpoint")
    return path if os.path.isfile(os.path.join(path, "trainer_state.json")) else None


def drop_hub_checkpoint(repo_id: str) -> None:
    """The release repo keeps the model, not the resume state (optimizer, RNG, scheduler)."""
    from huggingface_hub import HfApi

    api = HfApi()
    if any(f.startswith("last-checkpoint/") for f in api.list_repo_files(repo_id)):
        api.delete_folder("last-checkpoint", repo_id=repo_id, commit_message="Drop resume state")
        print("Deleted last-checkpoint/ (optimizer state) from the repo: training finished.")


def choose_precision() -> str:
    """'bf16' on Ampere or newer, 'fp16' on older GPUs (T4), 'fp32' on CPU; says which."""
    if not torch.cuda.is_available():
        print("No GPU: training in fp32 on CPU (fine for a smoke test, slow for real runs).")
        return "fp32"
    name = torch.cuda.get_device_name()
    if torch.cuda.is_bf16_supported():
        print(f"GPU: {name}: bf16 autocast, fp32 master weights.")
        return "bf16"
    print(f"GPU: {name} has no bf16: fp16 autocast with loss scaling. Prefer an Ampere+ flavor.")
    return "fp16"


def load_model(args: argparse.Namespace, precision: str, use_lora: bool):
    """Full fine-tune: fp32 weights (the optimizer's master copy). LoRA: the frozen base in bf16."""
    half = torch.bfloat16 if precision == "bf16" else torch.float16
    kwargs: dict = {"dtype": half if use_lora and precision != "fp32" else torch.float32}
    if args.attn_implementation:
        kwargs["attn_implementation"] = args.attn_implementation
    if args.load_in_4bit:
        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_compute_dtype=half,
            bnb_4bit_use_double_quant=True,
        )
        kwargs["device_map"] = {"": torch.cuda.current_device()}
    return AutoModelForCausalLM.from_pretrained(args.model_id, **kwargs)


def main() -> None:
    args = parse_args()
    use_lora = args.use_lora or args.load_in_4bit
    precision = choose_precision()
    if args.load_in_4bit and not torch.cuda.is_available():
        raise SystemExit("--load-in-4bit needs a CUDA GPU (bitsandbytes); drop it to run on CPU.")
    lr = args.learning_rate or (2e-4 if use_lora else 2e-5)
    output_dir = args.output_dir or args.hub_model_id.split("/")[-1]

    train_ds, eval_ds = load_splits(args)
    print(f"train rows: {len(train_ds)} | eval rows: {len(eval_ds) if eval_ds else 0}")
    print(f"columns: {train_ds.column_names}\nfirst row: {str(train_ds[0])[:500]}")

    tokenizer = AutoTokenizer.from_pretrained(args.model_id)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if is_conversational(train_ds) and not (tokenizer.chat_template or args.chat_template_path):
        raise SystemExit(
            f"{args.model_id} has no chat template: pass --chat-template-path <tokenizer repo>, "
            "or convert the data to `text` / string `prompt`+`completion`."
        )

    model = load_model(args, precision, use_lora)

    peft_config = None
    if use_lora:
        from peft import LoraConfig

        targets = args.lora_target_modules
        peft_config = LoraConfig(
            r=args.lora_r,
            lora_alpha=args.lora_alpha,
            lora_dropout=args.lora_dropout,
            target_modules=targets if targets == "all-linear" else targets.split(","),
            task_type="CAUSAL_LM",
        )

    config = SFTConfig(
        output_dir=output_dir,
        # Hub: the Job's disk is deleted when it ends.
        push_to_hub=True,
        hub_model_id=args.hub_model_id,
        hub_strategy=args.hub_strategy,
        hub_private_repo=not args.public,  # None would follow the account default
        save_strategy="steps",
        save_steps=args.save_steps,
        save_total_limit=2,
        # Length and optimisation
        max_steps=args.max_steps,
        num_train_epochs=args.num_train_epochs,
        learning_rate=lr,
        lr_scheduler_type=args.lr_scheduler_type,
        warmup_steps=args.warmup if args.warmup < 1 else int(args.warmup),  # no warmup_ratio in 5.x
        per_device_train_batch_size=args.per_device_train_batch_size,
        gradient_accumulation_steps=args.gradient_accumulation_steps,
        bf16=precision == "bf16",  # autocast; gradient checkpointing is TRL's default
        fp16=precision == "fp16",
        # Data
        max_length=args.max_length if args.max_length > 0 else None,
        packing=args.packing,
        assistant_only_loss=args.assistant_only_loss,
        chat_template_path=args.chat_template_path,
        eos_token=args.eos_token,
        # Evaluation
        eval_strategy="steps" if eval_ds is not None else "no",
        eval_steps=args.eval_steps or args.save_steps,
        per_device_eval_batch_size=args.per_device_train_batch_size,
        # Logs readable in `hf_jobs logs`: plain dict lines instead of progress bars
        logging_steps=args.logging_steps,
        logging_first_step=True,
        disable_tqdm=True,
        log_level="info",
        report_to=args.report_to,
        project=args.project,
        trackio_space_id=args.trackio_space_id,
        run_name=output_dir,
        seed=args.seed,
    )

    trainer = SFTTrainer(
        model=model,
        args=config,
        train_dataset=train_ds,
        eval_dataset=eval_ds,
        processing_class=tokenizer,
        peft_config=peft_config,
    )
    if use_lora:
        trainer.model.print_trainable_parameters()

    resume = hub_checkpoint(args, output_dir) if args.resume else None
    result = trainer.train(resume_from_checkpoint=resume)
    trainer.log_metrics("train", result.metrics)
    losses = [e["loss"] for e in trainer.state.log_history if "loss" in e]
    if losses:
        print(f"loss: first {losses[0]:.4f} -> last {losses[-1]:.4f} over {len(losses)} logs")
    if not all(math.isfinite(x) for x in losses):
        raise SystemExit("The loss is not finite: the run is broken; nothing was pushed.")
    if eval_ds is not None:
        trainer.log_metrics("eval", trainer.evaluate())

    trainer.push_to_hub(dataset_name=args.dataset_id, commit_message="End of training")
    if args.hub_strategy == "checkpoint" and not args.keep_hub_checkpoint:
        drop_hub_checkpoint(args.hub_model_id)
    kind = "LoRA adapter" if use_lora else "full model"
    print(f"Pushed {kind}: https://huggingface.co/{args.hub_model_id}")


if __name__ == "__main__":
    main()
