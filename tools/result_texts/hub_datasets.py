"""The dataset inspector's texts (tools/hub/datasets.py): a dataset's configs, splits, schema,
sample rows, statistics and parquet files, in markdown sections."""

from __future__ import annotations

from tools.result_texts.kinds import ToolTextKind

# A feature's type, as one short phrase
LIST_OF = "list of {type}"
CLASS_LABEL = "ClassLabel ({names}{more})"
LABEL = "{index}={name}"  # each of {names}, joined by ", "
MORE_LABELS = " …"  # {more}, past the first twenty
SUB_FEATURE = "{name}: {type}"  # each of a dict's, joined by ", " inside braces
MEDIA = "<media>"  # an image or audio cell (a signed URL)
# Sections
CHAT = "{column}: keys {keys}; roles {roles}; {fewest}-{most} turns per row in the sample"
ROLE = "{role} ({count})"  # each of {roles}, joined by ", "
CHAT_HEAD = "## Chat format"
NO_SUCH = "No {what} {wanted!r}; choose one of: {options}."
SPLITS_HEAD = "## Configs and splits\n| config | split | rows | parquet |\n|---|---|---|---|"
SPLIT_ROW = "| {config} | {split} | {rows} | {parquet} |"
MORE_SPLITS = "+{count} more splits"
SCHEMA_HEAD = "## Schema ({config})"
UNAVAILABLE = "unavailable: {error}"  # under a section's head, when the viewer failed
FEATURE = "- {name}: {type}"
ROWS_FAILED_HEAD = "## Sample rows ({where})"
ROWS_HEAD = "## Sample rows ({where}, {count} shown)"
ROW = "{index}: {row}"
PARQUET_HEAD = "## Parquet files ({count}, {size})"
PARQUET_FILE = "- {config}/{split}/{name} {size}"
MORE_FILES = "+{count} more"
EXAMPLE_URL = "example URL: {url}"
STATS_FAILED_HEAD = "## Statistics ({where})"
STATS_HEAD = "## Statistics ({where}, {rows} rows)"
STAT = "- {name} ({type}): {stats}"
NOT_IN_VIEWER = (
    "{error} If the dataset exists, the viewer may not support it: list and read its files with "
    "hf_repo_files instead."
)
NO_SPLITS = "{dataset}: the dataset viewer lists no splits yet. Try hf_repo_files list."
DATASET = "# Dataset {dataset}\nviewer features: {features}; configs: {configs}"
NO_VIEWER = "# Dataset {dataset}\nviewer features: none; configs: {configs}"


TEXTS: dict[ToolTextKind, tuple[str, ...]] = {
    "hf_inspect_dataset": (
        LIST_OF,
        CLASS_LABEL,
        LABEL,
        MORE_LABELS,
        SUB_FEATURE,
        MEDIA,
        CHAT,
        ROLE,
        CHAT_HEAD,
        NO_SUCH,
        SPLITS_HEAD,
        SPLIT_ROW,
        MORE_SPLITS,
        SCHEMA_HEAD,
        UNAVAILABLE,
        FEATURE,
        ROWS_FAILED_HEAD,
        ROWS_HEAD,
        ROW,
        PARQUET_HEAD,
        PARQUET_FILE,
        MORE_FILES,
        EXAMPLE_URL,
        STATS_FAILED_HEAD,
        STATS_HEAD,
        STAT,
        NOT_IN_VIEWER,
        NO_SPLITS,
        DATASET,
        NO_VIEWER,
    ),
}
