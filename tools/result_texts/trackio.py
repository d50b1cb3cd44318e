"""The trackio_metrics tool's texts (tools/hub/trackio_metrics.py, trackio_data.py,
trackio_local.py, trackio_space.py): projects, runs, metric summaries and alerts, read from
local Trackio files or a dashboard Space, and what went wrong reading them."""

from __future__ import annotations

from tools.result_texts.kinds import ToolTextKind

# The tool (tools/hub/trackio_metrics.py)
NEEDS_PROJECT = "{operation} needs `project`; operation='projects' lists the project names."
NO_PROJECTS = (
    "No Trackio projects in {where} yet. A training script creates one with "
    "trackio.init(project=...); pass `space` if it logged to a Space."
)
ONE_PROJECT = "{count} Trackio project"  # {count}
PROJECTS = "{count} Trackio projects"  # {count}
PROJECTS_HEAD = "{count} ({where}):"  # then a line per project
PROJECT_LINE = "- {name}"
NEXT_RUNS = "Next: operation='runs' with project='<name>'."
ONE_RUN = "{count} run"  # {count}
RUNS = "{count} runs"  # {count}
RUNS_HEAD = "{count} of project {project!r} ({where}), newest first:"
RUNS_COLUMNS = "run | id | started (UTC) | last log (UTC) | last step | logs"
RUN_ROW = "{name} | {id} | {started} | {last_logged} | {last_step} | {logs}"
OLDER_RUNS = "… and {count} older runs."
METRICS_HEAD = (
    "Run {run!r} (id {id}) of project {project!r} ({where}): {rows} logged rows, steps "
    "{first}-{last}, last log {time} UTC{newest}."
)
NEWEST_RUN = " (newest run)"  # {newest}
SAMPLED = " The Space sends at most {cap:,} sampled rows: counts are of those."
METRICS_COLUMNS = "metric | last (step) | min (step) | max (step) | count"
MORE_METRICS = "… {count} more: {keys}; pick with `keys`."
SERIES_HEAD = "Series (step:value, up to {points} points, first to last):"
SERIES = "{key}: {points}"
NO_MATCHING_METRIC = "No metric of run {run!r} matches {keys}; its metrics: {names}."
NO_NUMBERS = (
    "Run {run!r} logged no numeric metrics (only media, tables or text); log numbers with "
    "trackio.log({{'loss': ...}})."
)
METRIC_ROW = "{key} | {last} ({step}) | {lowest} | {highest} | {count}{nonfinite}"
NONFINITE = " ({count} nan/inf)"  # {nonfinite}
IN_PROJECT = "project {project!r}"  # {scope}
AND_RUN = ", run {run!r}"  # after IN_PROJECT
NO_ALERTS = (
    "No alerts in {scope} ({where}). Training scripts raise them with "
    "trackio.alert(title, text=..., level=trackio.AlertLevel.WARN)."
)
ALERT_TEXT = "{title}: {text}"
ALERT_ROW = "{time} | {level} | {run} | {step} | {alert}"
OLDER_ALERTS = "… and {count} older alerts."
ONE_ALERT = "{count} alert"  # {count}
ALERTS = "{count} alerts"  # {count}
ALERTS_HEAD = "{count} in {scope} ({where}), newest first:"
ALERTS_COLUMNS = "time (UTC) | level | run | step | alert"
# Runs (tools/hub/trackio_data.py)
NO_RUNS = (
    "Project {project!r} has no logged metrics yet: the training script has not called "
    "trackio.log(...) (or has not flushed yet); check again once it has run a few steps."
)
NO_RUN = (
    "No run {wanted!r} in project {project!r}; newest runs: {newest}. Pass one of them as `run`."
)
# Local files (tools/hub/trackio_local.py)
LOCAL = "local Trackio data in {folder}"  # {where}
NO_LOCAL_PROJECT = (
    "No Trackio project {project!r} in {folder} ({listed}); if the run logged to a Space, pass "
    "`space`."
)
LOCAL_PROJECTS = "local projects: {names}"  # {listed}
NONE_YET = "there are none yet"  # {listed}
CANNOT_OPEN = "Could not open Trackio project file {path}: {error}."
READ_FAILED = (
    "Reading Trackio project {project!r} ({path}) failed: {error}. Retry; if it persists the "
    "file may be damaged."
)
# A dashboard Space (tools/hub/trackio_space.py)
NO_HOST = (
    "The Hub gives Space {space} no host: it has never run. Check the Space id (the space_id "
    "the run passed to trackio.init) and open it on the Hub."
)
SPACE = "Space {space}"  # {where}
NO_SPACE_PROJECT = (
    "No Trackio project {project!r} on Space {space} ({listed}); check the project name the "
    "training script passed to trackio.init."
)
ITS_PROJECTS = "its projects: {names}"  # {listed}
NO_PROJECTS_YET = "it has no projects yet"  # {listed}
SLOW = (
    "Trackio Space {space} ({url}) did not answer in {seconds:.0f} s; it may be waking up or "
    "busy: retry in a minute."
)
UNREACHABLE = (
    "Could not reach Trackio Space {space} at {url} ({error}); check that the Space exists and "
    "is running."
)
NOT_A_DASHBOARD = (
    "Space {space} did not answer like a Trackio dashboard ({url} sent no JSON object); check "
    "that it is the Space the run logged to (its space_id)."
)
API_ERROR = "Trackio Space {space} refused {api}: {said}."
REDIRECTED = (
    "Trackio Space {space} redirected to {where} instead of answering (not followed); it may "
    "be sleeping or building: open it on the Hub, then retry."
)
TOKEN_REFUSED = (
    "Trackio Space {space} refused the Hugging Face token ({status}); use a token that can read it."
)
PUBLIC_REFUSED = (
    "Trackio Space {space} refused the request ({status}); it is public on the Hub, so no "
    "token was sent to it. Check that it is the Space the run logged to."
)
NO_API = (
    "Trackio Space {space} runs a Trackio version without `{api}`; redeploy it with `trackio sync`."
)
NOT_FOUND = (
    "Trackio Space {space} answered 404 at {url}: check that it is a Trackio dashboard and "
    "that it is running."
)
SAID = " ({said})"  # {detail}
SPACE_ERROR = (
    "Trackio Space {space} had an error ({status}){detail}; it may be starting or paused: "
    "retry soon."
)
REFUSED = "Trackio Space {space} refused {api} ({status}){detail}."


TEXTS: dict[ToolTextKind, tuple[str, ...]] = {
    "trackio_metrics": (
        NEEDS_PROJECT,
        NO_PROJECTS,
        ONE_PROJECT,
        PROJECTS,
        PROJECTS_HEAD,
        PROJECT_LINE,
        NEXT_RUNS,
        ONE_RUN,
        RUNS,
        RUNS_HEAD,
        RUNS_COLUMNS,
        RUN_ROW,
        OLDER_RUNS,
        METRICS_HEAD,
        NEWEST_RUN,
        SAMPLED,
        METRICS_COLUMNS,
        MORE_METRICS,
        SERIES_HEAD,
        SERIES,
        NO_MATCHING_METRIC,
        NO_NUMBERS,
        METRIC_ROW,
        NONFINITE,
        IN_PROJECT,
        AND_RUN,
        NO_ALERTS,
        ALERT_TEXT,
        ALERT_ROW,
        OLDER_ALERTS,
        ONE_ALERT,
        ALERTS,
        ALERTS_HEAD,
        ALERTS_COLUMNS,
        NO_RUNS,
        NO_RUN,
        LOCAL,
        NO_LOCAL_PROJECT,
        LOCAL_PROJECTS,
        NONE_YET,
        CANNOT_OPEN,
        READ_FAILED,
        NO_HOST,
        SPACE,
        NO_SPACE_PROJECT,
        ITS_PROJECTS,
        NO_PROJECTS_YET,
        SLOW,
        UNREACHABLE,
        NOT_A_DASHBOARD,
        API_ERROR,
        REDIRECTED,
        TOKEN_REFUSED,
        PUBLIC_REFUSED,
        NO_API,
        NOT_FOUND,
        SAID,
        SPACE_ERROR,
        REFUSED,
    ),
}
