# /// script
# requires-python = ">=3.11"
# dependencies = [
#     "optuna==5.0.0",
#     "trl==1.16.0",
#     "transformers==5.23.0",
#     "datasets==5.2.0",
#     "accelerate==1.15.0",
# ]
# ///
"""Hyper-parameter search template: an Optuna study over short SFT runs, in one Job.

Each trial trains `--max-steps` steps with sampled settings and reports the eval loss as it
goes; the median pruner stops trials that are worse than the others at the same step. The
study lives in a SQLite file that is uploaded to a private dataset repo after every trial, so a
killed Job loses at most one trial and a rerun with the same --results-repo resumes the study.
Search small (few steps, a data subset), then train the best settings at full length with
sft-trl's train_sft.py.

Run on Hugging Face Jobs (hf_jobs, operation "uv"):
    script_args: --results-repo you/hpo-qwen --n-trials 2 --max-steps 20   (smoke test)
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import time

import optuna
import torch
from datasets import load_dataset
from huggingface_hub import HfApi, hf_hub_download
from transformers import TrainerCallback
from trl import SFTConfig, SFTTrainer

STUDY_FILE = "study.db"


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description="Optuna search over short SFT runs.")
    p.add_argument("--model-id", default="Qwen/Qwen3-0.6B")
    p.add_argument("--dataset-id", default="trl-lib/Capybara")
    p.add_argument("--results-repo", required=True, help="Dataset repo for the study, e.g. you/hpo")
    p.add_argument("--study-name", default="sft")
    p.add_argument("--n-trials", type=int, default=12)
    p.add_argument("--max-steps", type=int, default=100, help="Per trial: keep trials short.")
    p.add_argument("--eval-steps", type=int, default=20)
    p.add_argument("--max-samples", type=int, default=2000)
    p.add_argument("--max-eval-samples", type=int, default=200)
    p.add_argument("--max-length", type=int, default=1024)
    p.add_argument("--seed", type=int, default=42)
    return p.parse_args()


class ReportToOptuna(TrainerCallback):
    """Send each eval loss to the trial; stop training when the pruner says so."""

    def __init__(self, trial: optuna.Trial) -> None:
        self.trial, self.pruned = trial, False

    def on_evaluate(self, args, state, control, metrics=None, **kwargs):
        loss = (metrics or {}).get("eval_loss")
        if loss is None:
            return
        self.trial.report(loss, state.global_step)
        if self.trial.should_prune():
            self.pruned = control.should_training_stop = True


def sample_settings(trial: optuna.Trial) -> dict:
    """The search space: learning rate on a log scale matters most."""
    return {
        "learning_rate": trial.suggest_float("learning_rate", 1e-6, 1e-4, log=True),
        "warmup_steps": trial.suggest_float("warmup_steps", 0.0, 0.1),
        "weight_decay": trial.suggest_float("weight_decay", 0.0, 0.1),
        "per_device_train_batch_size": trial.suggest_categorical(
            "per_device_train_batch_size", [4, 8]
        ),
    }


def objective(args: argparse.Namespace, train, evaluation):
    def run(trial: optuna.Trial) -> float:
        # save_strategy="no": the trial's directory holds only logs; gone when it ends.
        with tempfile.TemporaryDirectory(prefix=f"trial{trial.number}-") as output_dir:
            return train_one(trial, output_dir)

    def train_one(trial: optuna.Trial, output_dir: str) -> float:
        bf16 = torch.cuda.is_available() and torch.cuda.is_bf16_supported()
        reporter = ReportToOptuna(trial)
        config = SFTConfig(
            output_dir=output_dir,
            max_steps=args.max_steps,
            max_length=args.max_length,
            eval_strategy="steps",
            eval_steps=args.eval_steps,
            save_strategy="no",
            logging_steps=args.eval_steps,
            disable_tqdm=True,
            bf16=bf16,
            report_to="none",
            seed=args.seed,
            **sample_settings(trial),
        )
        trainer = SFTTrainer(
            model=args.model_id,  # fp32 weights; bf16 only as autocast
            args=config,
            train_dataset=train,
            eval_dataset=evaluation,
            callbacks=[reporter],
        )
        trainer.train()
        if reporter.pruned:
            raise optuna.TrialPruned()
        loss = trainer.evaluate()["eval_loss"]
        if not math.isfinite(loss):
            raise optuna.TrialPruned()  # diverged: a bad region, not a result
        return loss

    return run


def upload_study(api: HfApi, args: argparse.Namespace, study: optuna.Study) -> None:
    """Push the study file and a readable table after each trial."""
    study.trials_dataframe().to_csv("trials.csv", index=False)
    for name in (STUDY_FILE, "trials.csv"):
        api.upload_file(
            path_or_fileobj=name, path_in_repo=name, repo_id=args.results_repo, repo_type="dataset"
        )


def resume_study_file(args: argparse.Namespace) -> None:
    """Fetch an earlier run's study, if the results repo has one."""
    try:
        path = hf_hub_download(args.results_repo, STUDY_FILE, repo_type="dataset")
    except Exception:
        return
    with open(path, "rb") as src, open(STUDY_FILE, "wb") as dst:
        dst.write(src.read())
    print("Resuming the study from the results repo.")


def main() -> None:
    args = parse_args()
    api = HfApi()
    api.create_repo(args.results_repo, repo_type="dataset", private=True, exist_ok=True)
    resume_study_file(args)
    ds = load_dataset(args.dataset_id, split="train").shuffle(seed=args.seed)
    parts = ds.select(range(min(len(ds), args.max_samples + args.max_eval_samples)))
    parts = parts.train_test_split(test_size=min(args.max_eval_samples, len(parts) // 4), seed=0)

    study = optuna.create_study(
        study_name=args.study_name,
        storage=f"sqlite:///{os.path.abspath(STUDY_FILE)}",
        load_if_exists=True,
        direction="minimize",
        sampler=optuna.samplers.TPESampler(seed=args.seed),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=args.eval_steps),
    )
    started = time.monotonic()
    left = max(0, args.n_trials - len(study.trials))
    study.optimize(
        objective(args, parts["train"], parts["test"]),
        n_trials=left,
        callbacks=[lambda s, t: upload_study(api, args, s)],
    )
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    pruned = [t for t in study.trials if t.state == optuna.trial.TrialState.PRUNED]
    minutes = (time.monotonic() - started) / 60
    print(f"trials: {len(done)} complete, {len(pruned)} pruned, {minutes:.1f} min this run")
    if done:
        print(f"best eval_loss {study.best_value:.4f} with {study.best_params}")
    print(f"Study: https://huggingface.co/datasets/{args.results_repo}")


if __name__ == "__main__":
    main()
