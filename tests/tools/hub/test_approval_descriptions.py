"""The approval prompt for Hub writes and jobs shows what a human needs to judge them."""

from __future__ import annotations

from tools.hub.jobs import describe_job
from tools.hub.repo_files import describe_repo_files
from tools.hub.repo_git import describe_repo_git


def test_a_job_request_shows_hardware_timeout_dependencies_and_the_whole_script() -> None:
    script = "from trl import SFTTrainer\nprint('training')\n" * 3
    text = describe_job(
        {
            "operation": "uv",
            "flavor": "a10g-large",
            "timeout": "2h",
            "dependencies": ["trl", "peft"],
            "script": script,
        }
    )
    assert "a10g-large" in text and "timeout 2h" in text
    assert "trl, peft" in text
    assert script in text


def test_a_scheduled_job_shows_its_schedule() -> None:
    assert "schedule @daily" in describe_job(
        {"operation": "scheduled_run", "schedule": "@daily", "image": "python:3.12"}
    )


def test_file_and_git_requests_name_the_repo() -> None:
    upload = describe_repo_files(
        {
            "operation": "upload",
            "repo_id": "me/model",
            "repo_type": "model",
            "path": "README.md",
            "content": "x" * 1200,
        }
    )
    assert upload == "Upload on the Hub: model repo me/model at README.md (1,200 characters)"
    delete = describe_repo_git(
        {
            "operation": "delete_branch",
            "repo_id": "me/data",
            "repo_type": "dataset",
            "branch": "old",
        }
    )
    assert "delete_branch" in delete and "dataset repo me/data" in delete and "old" in delete
