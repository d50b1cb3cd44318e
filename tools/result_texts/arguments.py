"""The texts of a call whose arguments do not fit its tool's schema (tools/tool_factory.py and
the schemas' own checks in tools/hub/): the one sentence the model reads, and the problems it
lists, before anything runs."""

from __future__ import annotations

from tools.result_texts.kinds import ToolTextKind

# The sentence, with each problem as `where: what` (pydantic's location and message)
INVALID = "Invalid arguments for `{name}`: {problems}. Fix them and call `{name}` again."
PROBLEM = "{where}: {message}"
CALL_PROBLEM = "arguments: {message}"  # a problem with the call as a whole

# A schema's own checks (pydantic puts "Value error, " before them)
UNKNOWN_FLAVOR = "unknown flavor {value!r}; choose one of {names}"
BAD_TIMEOUT = "timeout must look like '300', '30m', '2h' or '1d'"
NOT_SPACE_ID = "{value!r} is not a Space id; give it as 'user/space-name'"

TEXTS: dict[ToolTextKind, tuple[str, ...]] = {
    "arguments": (INVALID, PROBLEM, CALL_PROBLEM, UNKNOWN_FLAVOR, BAD_TIMEOUT, NOT_SPACE_ID),
}
