"""hf_inspect_dataset: what a dataset holds, from the dataset viewer API, before training on it.

The viewer's base URL is ML_INTERN_DATASETS_SERVER_URL (default
https://datasets-server.huggingface.co); huggingface_hub hard-codes it, so we call it directly.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Any

from langchain_core.tools import ToolException
from pydantic import AliasChoices, BaseModel, Field

from tools.call_context import CallContext
from tools.catalog import ToolSpec
from tools.hub.client import datasets_server_url, hub_get, human_size
from tools.policy import always
from tools.result_texts import hub_datasets as texts
from tools.result_texts import tool_text
from tools.text import cut
from tools.tool_factory import make_tool

MAX_CELL_CHARS = 300
MAX_SPLITS_SHOWN = 30
MAX_PARQUET_SHOWN = 10
CHAT_COLUMNS = ("messages", "conversations", "conversation", "chat")


class InspectDatasetArgs(BaseModel):
    """Inspect a Hub dataset before using it: configs (subsets) and splits with row counts, the schema
    (with ClassLabel names), a few sample rows (long values cut), parquet files and sizes, and
    for chat datasets the roles and keys of the messages. Set statistics=true for per-column
    statistics. Use it before writing a training script: TRL trainers take `messages`,
    `prompt`/`completion` or `text` (SFT) and `prompt`/`chosen`/`rejected` (DPO); compare the
    schema with what yours takes and convert with datasets.map, never train on a guess."""

    dataset: str = Field(description="Dataset id, e.g. 'stanfordnlp/imdb'.")
    # LangChain reserves the argument name `config`; `config` is still accepted as an alias.
    subset: str | None = Field(
        None,
        validation_alias=AliasChoices("subset", "config"),
        description="The config (subset) to inspect; default the first one.",
    )
    split: str | None = Field(None, description="Split for samples; default train or the first.")
    sample_rows: int = Field(3, ge=0, le=20, description="How many sample rows to show.")
    statistics: bool = Field(False, description="Also show per-column statistics.")


async def _viewer(path: str, **params: Any) -> dict[str, Any]:
    url = f"{datasets_server_url()}/{path}"
    query = {k: v for k, v in params.items() if v is not None}
    action = f"Dataset viewer /{path} for {params.get('dataset')}"
    return (await hub_get(url, params=query, action=action)).json()


async def _try(coro: Any) -> dict[str, Any] | ToolException:
    try:
        return await coro
    except ToolException as exc:
        return exc


def describe_type(feature: Any) -> str:
    """A feature type from the viewer's `features` JSON, as one short phrase."""
    if isinstance(feature, list):
        return tool_text(
            "hf_inspect_dataset", texts.LIST_OF, type=describe_type(feature[0]) if feature else "?"
        )
    if not isinstance(feature, dict):
        return str(feature)
    kind = feature.get("_type")
    if kind == "Value":
        return str(feature.get("dtype"))
    if kind == "ClassLabel":
        names = feature.get("names") or []
        shown = ", ".join(
            tool_text("hf_inspect_dataset", texts.LABEL, index=i, name=n)
            for i, n in enumerate(names[:20])
        )
        more = tool_text("hf_inspect_dataset", texts.MORE_LABELS) if len(names) > 20 else ""
        return tool_text("hf_inspect_dataset", texts.CLASS_LABEL, names=shown, more=more)
    if kind in {"Sequence", "List", "LargeList"}:
        return tool_text(
            "hf_inspect_dataset", texts.LIST_OF, type=describe_type(feature.get("feature"))
        )
    if kind is None:  # a dict of sub-features
        inner = ", ".join(
            tool_text("hf_inspect_dataset", texts.SUB_FEATURE, name=k, type=describe_type(v))
            for k, v in feature.items()
        )
        return "{" + inner + "}"
    return str(kind)


def _short_value(value: Any) -> Any:
    if isinstance(value, str):
        return cut(value, MAX_CELL_CHARS)
    if isinstance(value, list):
        return [_short_value(v) for v in value[:10]] + (["…"] if len(value) > 10 else [])
    if isinstance(value, dict):
        if "src" in value and len(value) <= 4:  # image/audio cells: a signed URL
            return tool_text("hf_inspect_dataset", texts.MEDIA)
        return {k: _short_value(v) for k, v in value.items()}
    return value


def chat_summary(rows: list[dict[str, Any]]) -> list[str]:
    """Roles and message keys of chat-style columns in the sample rows."""
    lines = []
    for column in CHAT_COLUMNS:
        messages = [
            m
            for row in rows
            if isinstance(row.get(column), list)
            for m in row[column]
            if isinstance(m, dict)
        ]
        if not messages:
            continue
        keys = sorted({k for m in messages for k in m})
        role_key = next((k for k in ("role", "from") if k in keys), None)
        roles = Counter(str(m.get(role_key)) for m in messages) if role_key else Counter()
        turns = [len(row[column]) for row in rows if isinstance(row.get(column), list)]
        said = ", ".join(
            tool_text("hf_inspect_dataset", texts.ROLE, role=r, count=n)
            for r, n in roles.most_common()
        )
        lines.append(
            tool_text(
                "hf_inspect_dataset",
                texts.CHAT,
                column=column,
                keys=keys,
                roles=said or "?",
                fewest=min(turns),
                most=max(turns),
            )
        )
    return lines


def _pick(options: list[str], wanted: str | None, preferred: str, what: str) -> str:
    if wanted is not None:
        if wanted not in options:
            raise ToolException(
                tool_text(
                    "hf_inspect_dataset",
                    texts.NO_SUCH,
                    what=what,
                    wanted=wanted,
                    options=", ".join(options),
                )
            )
        return wanted
    return preferred if preferred in options else options[0]


def _splits_section(splits: list[dict[str, Any]], size: dict[str, Any] | None) -> list[str]:
    rows = {
        (s["config"], s["split"]): s for s in ((size or {}).get("size") or {}).get("splits", [])
    }
    lines = [tool_text("hf_inspect_dataset", texts.SPLITS_HEAD)]
    for s in splits[:MAX_SPLITS_SHOWN]:
        known = rows.get((s["config"], s["split"]), {})
        count = known.get("num_rows")
        parquet = human_size(known.get("num_bytes_parquet_files"))
        shown = str(count) if count is None else f"{count:,}"
        lines.append(
            tool_text(
                "hf_inspect_dataset",
                texts.SPLIT_ROW,
                config=s["config"],
                split=s["split"],
                rows=shown,
                parquet=parquet,
            )
        )
    if len(splits) > MAX_SPLITS_SHOWN:
        lines.append(
            tool_text("hf_inspect_dataset", texts.MORE_SPLITS, count=len(splits) - MAX_SPLITS_SHOWN)
        )
    return lines


def _schema_section(info: dict[str, Any] | ToolException, config: str) -> list[str]:
    if isinstance(info, ToolException):
        return [
            tool_text("hf_inspect_dataset", texts.SCHEMA_HEAD, config=config),
            _unavailable(info),
        ]
    features = (info.get("dataset_info") or {}).get("features") or {}
    return [
        tool_text("hf_inspect_dataset", texts.SCHEMA_HEAD, config=config),
        *(
            tool_text("hf_inspect_dataset", texts.FEATURE, name=k, type=describe_type(v))
            for k, v in features.items()
        ),
    ]


def _unavailable(error: ToolException) -> str:
    """The line under a section's head when the viewer could not give it."""
    return tool_text("hf_inspect_dataset", texts.UNAVAILABLE, error=error)


def _rows_section(first: dict[str, Any] | ToolException, where: str, n: int) -> list[str]:
    if isinstance(first, ToolException):
        return [
            tool_text("hf_inspect_dataset", texts.ROWS_FAILED_HEAD, where=where),
            _unavailable(first),
        ]
    rows = [r.get("row", {}) for r in first.get("rows", [])]
    lines = [tool_text("hf_inspect_dataset", texts.ROWS_HEAD, where=where, count=min(n, len(rows)))]
    for i, row in enumerate(rows[:n]):
        shown = json.dumps(_short_value(row), ensure_ascii=False, default=str)
        lines.append(tool_text("hf_inspect_dataset", texts.ROW, index=i, row=shown))
    if chat := chat_summary(rows):
        lines += [tool_text("hf_inspect_dataset", texts.CHAT_HEAD), *chat]
    return lines


def _parquet_section(parquet: dict[str, Any] | ToolException) -> list[str]:
    if isinstance(parquet, ToolException):
        return []
    files = parquet.get("parquet_files") or []
    total = sum(f.get("size") or 0 for f in files)
    lines = [
        tool_text(
            "hf_inspect_dataset", texts.PARQUET_HEAD, count=len(files), size=human_size(total)
        )
    ]
    for f in files[:MAX_PARQUET_SHOWN]:
        size = human_size(f.get("size"))
        lines.append(
            tool_text(
                "hf_inspect_dataset",
                texts.PARQUET_FILE,
                config=f["config"],
                split=f["split"],
                name=f["filename"],
                size=size,
            )
        )
    if len(files) > MAX_PARQUET_SHOWN:
        lines.append(
            tool_text("hf_inspect_dataset", texts.MORE_FILES, count=len(files) - MAX_PARQUET_SHOWN)
        )
    if files:
        lines.append(tool_text("hf_inspect_dataset", texts.EXAMPLE_URL, url=files[0]["url"]))
    return lines


def _stats_section(stats: dict[str, Any] | ToolException, where: str) -> list[str]:
    if isinstance(stats, ToolException):
        return [
            tool_text("hf_inspect_dataset", texts.STATS_FAILED_HEAD, where=where),
            _unavailable(stats),
        ]
    lines = [
        tool_text(
            "hf_inspect_dataset", texts.STATS_HEAD, where=where, rows=stats.get("num_examples", "?")
        )
    ]
    for column in stats.get("statistics", []):
        values = column.get("column_statistics") or {}
        shown = {k: v for k, v in values.items() if k != "histogram"}
        text = cut(json.dumps(shown, ensure_ascii=False, default=str), 400)
        name, kind = column.get("column_name"), column.get("column_type")
        lines.append(tool_text("hf_inspect_dataset", texts.STAT, name=name, type=kind, stats=text))
    return lines


async def _inspect(
    call: CallContext,
    dataset: str,
    subset: str | None,
    split: str | None,
    sample_rows: int,
    statistics: bool,
) -> str:
    valid, splits, parquet, size = await asyncio.gather(
        _try(_viewer("is-valid", dataset=dataset)),
        _try(_viewer("splits", dataset=dataset)),
        _try(_viewer("parquet", dataset=dataset)),
        _try(_viewer("size", dataset=dataset)),
    )
    if isinstance(splits, ToolException):
        raise ToolException(tool_text("hf_inspect_dataset", texts.NOT_IN_VIEWER, error=splits))
    entries = splits.get("splits") or []
    if not entries:
        return tool_text("hf_inspect_dataset", texts.NO_SPLITS, dataset=dataset)
    configs = list(dict.fromkeys(s["config"] for s in entries))
    chosen = _pick(configs, subset, "default", "config")
    split_names = [s["split"] for s in entries if s["config"] == chosen]
    chosen_split = _pick(split_names, split, "train", "split")
    where = {"dataset": dataset, "config": chosen, "split": chosen_split}
    info, first, stats = await asyncio.gather(
        _try(_viewer("info", dataset=dataset, config=chosen)),
        _try(_viewer("first-rows", **where)) if sample_rows else asyncio.sleep(0, {}),
        _try(_viewer("statistics", **where)) if statistics else asyncio.sleep(0, None),
    )
    flags = valid if isinstance(valid, dict) else {}
    viewer = ", ".join(k for k in ("preview", "viewer", "search", "statistics") if flags.get(k))
    if viewer:
        lines = [
            tool_text(
                "hf_inspect_dataset",
                texts.DATASET,
                dataset=dataset,
                features=viewer,
                configs=configs,
            )
        ]
    else:
        lines = [tool_text("hf_inspect_dataset", texts.NO_VIEWER, dataset=dataset, configs=configs)]
    lines += _splits_section(entries, size if isinstance(size, dict) else None)
    lines += _schema_section(info, chosen)
    if sample_rows:
        lines += _rows_section(first, f"{chosen}/{chosen_split}", sample_rows)
    if statistics and stats is not None:
        lines += _stats_section(stats, f"{chosen}/{chosen_split}")
    lines += _parquet_section(parquet)
    return "\n".join(lines)


def datasets_spec() -> ToolSpec:
    return ToolSpec(
        tool=make_tool("hf_inspect_dataset", InspectDatasetArgs, _inspect),
        family="hub",
        approval=always("auto"),
        read_only=True,
        summary="dataset",
    )
