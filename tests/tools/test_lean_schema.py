"""A lean request's schemas (tools/lean_schema.py): every tool keeps its name and its required
arguments, shows no argument it does not take, and costs no more than its one-line form."""

from __future__ import annotations

import json
from pathlib import Path

from configs.settings import Settings
from tools.catalog import ToolCatalog
from tools.families import build_catalog, one_line_schema
from tools.lean_schema import lean_schema


def catalog(tmp_path: Path) -> ToolCatalog:
    from graph.experiments import with_ledger
    from graph.research_agent import with_research

    settings = Settings()
    return with_ledger(with_research(build_catalog(settings), settings, tmp_path), tmp_path)


def test_every_lean_schema_keeps_what_a_call_needs_and_is_no_longer(tmp_path: Path) -> None:
    for spec in catalog(tmp_path):
        full = one_line_schema(spec.tool)
        lean = lean_schema(full, spec.lean_args)
        params, shown = full["function"]["parameters"], lean["function"]["parameters"]
        assert lean["function"]["name"] == spec.name
        assert shown.get("required") == params.get("required"), spec.name
        assert set(shown["properties"]) <= set(params["properties"]), spec.name
        assert set(params.get("required") or ()) <= set(shown["properties"]), spec.name
        assert len(json.dumps(lean)) <= len(json.dumps(full)), spec.name
        assert '"null"' not in json.dumps(lean) and '"maximum"' not in json.dumps(lean)


def test_jobs_shows_what_a_uv_job_or_a_hardware_question_needs(tmp_path: Path) -> None:
    spec = catalog(tmp_path).get("hf_jobs")
    assert spec is not None
    lean = lean_schema(one_line_schema(spec.tool), spec.lean_args)["function"]["parameters"]
    assert set(lean["properties"]) == {
        "operation", "script", "dependencies", "flavor", "timeout", "wait", "job_id"
    }  # fmt: skip
    assert "hardware" in lean["properties"]["operation"]["enum"]
    assert lean["properties"]["dependencies"] == {
        "type": "array", "items": {"type": "string"}, "description": "uv: pip requirements."
    }  # fmt: skip
