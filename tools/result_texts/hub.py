"""The Hub tools' shared texts (tools/hub/client.py): a failed Hub call as one sentence, what
failed ({action}, the tool's own words), why, and what to do. The server's words come in as
a field ({said})."""

from __future__ import annotations

from tools.result_texts.kinds import ToolTextKind

# hub (tools/hub/client.py)
OFF_HUB = (
    "{action} stopped: {url} redirects to {target}, which is not a Hugging Face host, so it "
    "was not followed. Open that URL another way if you trust it."
)
TOO_MANY_REDIRECTS = "{action} failed: more than {count} redirects from {url}."
FAILED = "{action} failed: {why}{detail}. {fix}"
SERVER_SAID = " (the server said: {said})"  # {detail}
# {why} and {fix}, by status
SERVER_ERROR = "the server had an error ({status})"
RETRY_SOON = "This is usually temporary: retry soon."
REFUSED = "the request was refused ({status})"
FIX_ARGUMENTS = "Fix the arguments and retry."
NOT_ACCEPTED = "the Hub did not accept the credentials (401)"
NO_TOKEN = "no Hugging Face token is set (401)"
SET_TOKEN = (
    "Set HF_TOKEN to a valid token from https://huggingface.co/settings/tokens (or run "
    "`hf auth login`) and retry."
)
PAYMENT = "payment is required (402)"
ADD_CREDITS = (
    "This needs credits or a payment method on the account: add them at "
    "https://huggingface.co/settings/billing, then retry."
)
FORBIDDEN = "the token is not allowed to do this (403)"
WRITE_ACCESS = (
    "Use a token with write access to this namespace, or request access if the repo is gated."
)
NOT_FOUND = "it was not found (404)"
CHECK_NAME = (
    "Check the name or id (for repos also repo_type, revision and path); private repos "
    "need a token with access."
)
CONFLICT = "it conflicts with what exists (409)"
PICK_ANOTHER = "It may already exist; pick another name."
RATE_LIMITED = "the Hub is rate-limiting these requests (429)"
WAIT_A_MINUTE = "Wait a minute before retrying."
WAIT = "Wait {seconds} s before retrying."
# A call that failed before the Hub answered
TIMED_OUT = "{action} failed: {host} did not answer in time. Retry, or check HF_ENDPOINT."
UNREACHABLE = (
    "{action} failed: could not reach {host} ({error}). Check the network and HF_ENDPOINT."
)
TOKEN_UNSET = "{action} failed: no Hugging Face token is set. {fix}"
BAD_ARGUMENTS = "{action} failed: {error}. Fix the arguments and retry."
OTHER = "{action} failed: {name}: {error}."


TEXTS: dict[ToolTextKind, tuple[str, ...]] = {
    "hub": (
        OFF_HUB,
        TOO_MANY_REDIRECTS,
        FAILED,
        SERVER_SAID,
        SERVER_ERROR,
        RETRY_SOON,
        REFUSED,
        FIX_ARGUMENTS,
        NOT_ACCEPTED,
        NO_TOKEN,
        SET_TOKEN,
        PAYMENT,
        ADD_CREDITS,
        FORBIDDEN,
        WRITE_ACCESS,
        NOT_FOUND,
        CHECK_NAME,
        CONFLICT,
        PICK_ANOTHER,
        RATE_LIMITED,
        WAIT_A_MINUTE,
        WAIT,
        TIMED_OUT,
        UNREACHABLE,
        TOKEN_UNSET,
        BAD_ARGUMENTS,
        OTHER,
    ),
}
