"""What every Hugging Face tool shares: where the Hub is, the token, and errors as sentences.

Base URLs are read from the environment at call time (tests point them at loopback):
``HF_ENDPOINT`` for the Hub and ``ML_INTERN_DATASETS_SERVER_URL`` for the dataset viewer.
The token (``HF_TOKEN``, else huggingface_hub's saved login) is sent only to those two
origins (`HostToken`), redirects included.

huggingface_hub and httpx are imported inside functions: this module is imported on start-up.
"""

from __future__ import annotations

import asyncio
import functools
import os
import ssl
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from langchain_core.tools import ToolException

from tools.host_token import HostToken, origin

if TYPE_CHECKING:
    import httpx
    from huggingface_hub import HfApi

DEFAULT_HUB = "https://huggingface.co"
DEFAULT_DATASETS_SERVER = "https://datasets-server.huggingface.co"
HUB_HOSTS = frozenset({"huggingface.co", "www.huggingface.co", "hf.co"})
MAX_REDIRECTS = 5
HTTP_TIMEOUT_S = 30.0


def hub_endpoint() -> str:
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_HUB).rstrip("/")


def datasets_server_url() -> str:
    return (os.environ.get("ML_INTERN_DATASETS_SERVER_URL") or DEFAULT_DATASETS_SERVER).rstrip("/")


def hf_token() -> str | None:
    """HF_TOKEN, else the token saved by `hf auth login`, else None. On a server where people
    sign in (a Space with `hf_oauth`): the token of the person whose run this is, and nothing
    else (see tools/hub/user_tokens.py)."""
    from tools.hub import user_tokens

    if user_tokens.people_sign_in():
        return user_tokens.run_token()
    token = os.environ.get("HF_TOKEN")
    if token:
        return token
    from huggingface_hub import get_token

    return get_token()


def hub_api() -> HfApi:
    """An HfApi bound to the configured endpoint (huggingface_hub reads HF_ENDPOINT only at import)."""
    from huggingface_hub import HfApi

    return HfApi(endpoint=hub_endpoint(), token=hf_token() or False, library_name="ml-intern")


def repo_url(repo_id: str, repo_type: str = "model") -> str:
    prefix = "" if repo_type == "model" else f"{repo_type}s/"
    return f"{hub_endpoint()}/{prefix}{repo_id}"


# --- hosts and the token --------------------------------------------------------------------


def token_allowed(url: str) -> bool:
    """True only for the Hub endpoint and the dataset viewer: the token goes nowhere else."""
    return origin(url) in {origin(hub_endpoint()), origin(datasets_server_url())}


def is_hub_url(url: str) -> bool:
    """huggingface.co, hf.co (https) or the configured endpoint."""
    scheme, host, _ = origin(url)
    return (scheme == "https" and host in HUB_HOSTS) or origin(url) == origin(hub_endpoint())


def hub_token() -> HostToken:
    """httpx auth sending the Hugging Face token to the Hub and the viewer only."""
    return HostToken(hf_token, token_allowed)


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    import httpx

    return httpx.create_ssl_context()  # loading CA certificates costs ~50 ms: do it once


def async_client(**kwargs: Any) -> httpx.AsyncClient:
    """An httpx client for Hub URLs: the token only to the Hub, redirects followed (5 at most)."""
    import httpx

    return httpx.AsyncClient(
        verify=_ssl_context(),
        auth=hub_token(),
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        **kwargs,
    )


class OffHubRedirect(ToolException):
    """A Hub URL redirected to a host that is not the Hub."""


async def hub_get(
    url: str,
    *,
    action: str,
    params: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    offsite: bool = True,
) -> httpx.Response:
    """GET `url`; the token only ever goes to the Hub's own origins (see `HostToken`).

    `offsite=False` refuses a redirect to a non-Hub host (OffHubRedirect) instead of following
    it without credentials. Network failures and 4xx/5xx raise a one-sentence ToolException.
    """
    import httpx

    async def stay_on_the_hub(response: httpx.Response) -> None:
        if offsite or not response.has_redirect_location:
            return
        target = urljoin(str(response.url), response.headers["location"])
        if not is_hub_url(target):
            raise OffHubRedirect(
                f"{action} stopped: {response.url} redirects to {target}, which is not a Hugging "
                "Face host, so it was not followed. Open that URL another way if you trust it."
            )

    hooks = {"response": [stay_on_the_hub]}
    async with async_client(timeout=HTTP_TIMEOUT_S, event_hooks=hooks) as client:
        try:
            response = await client.get(url, params=params, headers=headers)
        except httpx.TooManyRedirects:
            raise ToolException(
                f"{action} failed: more than {MAX_REDIRECTS} redirects from {url}."
            ) from None
        except httpx.HTTPError as exc:
            raise explain(exc, action) from exc
    raise_for_status(response, action)
    return response


# --- errors as sentences --------------------------------------------------------------------

_FIXES: dict[int, tuple[str, str]] = {
    401: (
        "the Hub did not accept the credentials (401)",
        "Set HF_TOKEN to a valid token from https://huggingface.co/settings/tokens (or run "
        "`hf auth login`) and retry.",
    ),
    402: (
        "payment is required (402)",
        "This needs credits or a payment method on the account: add them at "
        "https://huggingface.co/settings/billing, then retry.",
    ),
    403: (
        "the token is not allowed to do this (403)",
        "Use a token with write access to this namespace, or request access if the repo is gated.",
    ),
    404: (
        "it was not found (404)",
        "Check the name or id (for repos also repo_type, revision and path); private repos "
        "need a token with access.",
    ),
    409: ("it conflicts with what exists (409)", "It may already exist; pick another name."),
    429: ("the Hub is rate-limiting these requests (429)", "Wait a minute before retrying."),
}


def sentence(action: str, status: int, message: str = "", retry_after: str | None = None) -> str:
    """One actionable sentence for an HTTP failure: what failed, why, what to do."""
    if status >= 500:
        why, fix = f"the server had an error ({status})", "This is usually temporary: retry soon."
    elif status in _FIXES:
        why, fix = _FIXES[status]
    else:
        why, fix = f"the request was refused ({status})", "Fix the arguments and retry."
    if status == 429 and retry_after:
        fix = f"Wait {retry_after} s before retrying."
    if status == 401 and not hf_token():
        why, fix = "no Hugging Face token is set (401)", _FIXES[401][1]
    said = " ".join(message.split())[:200]
    detail = f" (the server said: {said})" if said else ""
    return _redact(f"{action} failed: {why}{detail}. {fix}")


def _redact(text: str) -> str:
    token = hf_token()
    return text.replace(token, "***") if token else text


def _server_message(response: httpx.Response) -> str:
    header = response.headers.get("x-error-message")
    if header:
        return header
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] if "html" not in response.headers.get("content-type", "") else ""
    if isinstance(body, dict):
        return str(body.get("error") or body.get("message") or "")
    return ""


def raise_for_status(response: httpx.Response, action: str) -> None:
    if response.status_code >= 400:
        raise ToolException(
            sentence(
                action,
                response.status_code,
                _server_message(response),
                response.headers.get("retry-after"),
            )
        )


def explain(exc: BaseException, action: str) -> ToolException:
    """Any failure of a Hub call as a ToolException the model (and the user) can act on."""
    import httpx
    from huggingface_hub.errors import HfHubHTTPError, LocalTokenNotFoundError

    if isinstance(exc, ToolException):
        return exc
    if isinstance(exc, HfHubHTTPError) and exc.response is not None:
        response = exc.response
        message = exc.server_message or ""
        if not message:
            try:
                message = _server_message(response)
            except httpx.ResponseNotRead:
                message = ""
        retry_after = response.headers.get("retry-after")
        return ToolException(sentence(action, response.status_code, message, retry_after))
    host = urlsplit(hub_endpoint()).netloc
    if isinstance(exc, httpx.TimeoutException):
        text = f"{action} failed: {host} did not answer in time. Retry, or check HF_ENDPOINT."
    elif isinstance(exc, httpx.HTTPError):
        text = (
            f"{action} failed: could not reach {host} ({exc}). Check the network and HF_ENDPOINT."
        )
    elif isinstance(exc, LocalTokenNotFoundError):
        text = f"{action} failed: no Hugging Face token is set. {_FIXES[401][1]}"
    elif isinstance(exc, ValueError | FileNotFoundError):
        text = f"{action} failed: {exc}. Fix the arguments and retry."
    else:
        text = f"{action} failed: {type(exc).__name__}: {exc}."
    return ToolException(_redact(text))


async def call_hub[T](action: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking huggingface_hub call off the event loop; failures become sentences."""
    try:
        return await asyncio.to_thread(fn, *args, **kwargs)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        raise explain(exc, action) from exc


# --- building tools -------------------------------------------------------------------------


def human_size(size: float | None) -> str:
    if size is None:
        return "?"
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} TB"
