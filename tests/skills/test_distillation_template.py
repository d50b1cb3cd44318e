"""The distillation template moves a tiny student towards a teacher and pushes it; a teacher
with another vocabulary is refused before any training."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.skills import tiny
from tests.skills.conftest import CALL, SKILLS, Build, run_template
from tests.skills.hub import ModelHub
from tests.skills.weights import all_finite, changed_fraction, logged_losses

SCRIPT = SKILLS / "distillation" / "train_distillation.py"
pytestmark = pytest.mark.timeout(600)


def prompts(folder: Path) -> Path:
    rows = [{"messages": [{"role": "user", "content": t}, {"role": "assistant", "content": "ok"}]}
            for t in tiny.corpus(8)]  # fmt: skip
    return tiny.write_jsonl(folder, "train", rows)


def test_student_moves_towards_the_teacher_and_is_pushed(
    build: Build, tiny_lm: Path, hub: ModelHub, template_env: dict[str, str], tmp_path: Path
) -> None:
    # same architecture and tokenizer, other weights
    teacher = build("tiny.perturbed_copy_dir", tmp_path / "teacher", str(tiny_lm))
    args = [
        "--model-id", str(tiny_lm), "--teacher-id", str(teacher), "--dataset-id",
        str(prompts(tmp_path / "data")), "--hub-model-id", "alice/tiny-distil", "--max-steps", "2",
        "--batch-size", "4", "--gradient-accumulation-steps", "1", "--learning-rate", "1e-3",
        "--max-completion-length", "8", "--logging-steps", "1",
    ]  # fmt: skip
    done = run_template(SCRIPT, args, template_env, tmp_path)

    assert all_finite(logged_losses(done.stdout)), done.stdout[-2000:]
    assert "divergence to the teacher: first" in done.stdout
    repo = hub.repo("models", "alice/tiny-distil")
    assert repo.private
    before = (tiny_lm / "model.safetensors").read_bytes()
    assert changed_fraction(before, repo.files["model.safetensors"]) > 0.5


def test_a_teacher_with_another_vocabulary_is_refused_before_training(
    build: Build, call_env: dict[str, str], tiny_lm: Path, tmp_path: Path
) -> None:
    other = build("tiny.uniform_policy_dir", tmp_path / "other")
    check = [str(SCRIPT), "check_vocabularies", str(tiny_lm)]
    refused = run_template(CALL, [*check, str(other)], call_env, tmp_path, check=False)
    assert refused.returncode == 1 and "Traceback" not in refused.stderr, refused.stderr[-3000:]
    assert "different vocabularies" in refused.stderr.splitlines()[-1]  # its SystemExit
    run_template(CALL, [*check, str(tiny_lm)], call_env, tmp_path)  # one family passes
