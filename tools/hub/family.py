"""The Hugging Face family: Hub search and details, datasets, papers, docs, repos, jobs.

| tool | auto | ask | never_auto |
|---|---|---|---|
| hf_search, hf_repo_details, hf_inspect_dataset, hf_papers, hf_docs_* | always | | |
| hf_repo_files | list, read | upload, delete | |
| hf_repo_git | list_refs, list_prs, get_pr, create_branch, create_tag, private create_repo | the rest | |
| hf_jobs | ps, logs, inspect, follow, cancel, hardware; CPU run/uv if confirm_cpu_jobs is false | run, uv | scheduled_* |
| hf_sandbox | exec, read/write_file, status, list (this thread's); cpu-basic create; upload in the workspace | paid create, delete, upload outside | upload of a credential path |
| trackio_metrics | always | | |
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tools.catalog import ToolSpec
from tools.hub.datasets import datasets_spec
from tools.hub.docs_fetch import docs_fetch_spec
from tools.hub.docs_search import docs_search_spec
from tools.hub.jobs import jobs_spec
from tools.hub.papers import papers_spec
from tools.hub.repo_details import repo_details_spec
from tools.hub.repo_files import repo_files_spec
from tools.hub.repo_git import repo_git_spec
from tools.hub.sandbox_space import sandbox_space_spec
from tools.hub.search import search_spec
from tools.hub.trackio_metrics import trackio_spec

if TYPE_CHECKING:
    from configs.settings import Settings


def hub_specs(settings: Settings) -> list[ToolSpec]:
    """Every Hugging Face tool, in the order the model sees them."""
    return [
        search_spec(),
        repo_details_spec(),
        datasets_spec(),
        papers_spec(),
        docs_search_spec(),
        docs_fetch_spec(),
        repo_files_spec(),
        repo_git_spec(),
        jobs_spec(
            confirm_cpu_jobs=settings.approval.confirm_cpu_jobs, max_job_cost=settings.max_job_cost
        ),
        sandbox_space_spec(),
        trackio_spec(),
    ]
