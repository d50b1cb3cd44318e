"""What every Hugging Face tool shares: where the Hub is, the token, and errors as sentences.

Base URLs are read from the environment at call time (tests point them at loopback):
``HF_ENDPOINT`` for the Hub and ``ML_INTERN_DATASETS_SERVER_URL`` for the dataset viewer.
The token (``HF_TOKEN``, else huggingface_hub's saved login) is sent only to those two
origins (`HostToken`), redirects included.

huggingface_hub and httpx are imported inside functions: this module is imported on start-up.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from langchain_core.tools import ToolException

from tools.host_token import HostToken, origin
from tools.result_texts import tool_text
from tools.result_texts.hub import (
    ADD_CREDITS,
    BAD_ARGUMENTS,
    CHECK_NAME,
    CONFLICT,
    FAILED,
    FIX_ARGUMENTS,
    FORBIDDEN,
    NO_TOKEN,
    NOT_ACCEPTED,
    NOT_FOUND,
    OFF_HUB,
    OTHER,
    PAYMENT,
    PICK_ANOTHER,
    RATE_LIMITED,
    REFUSED,
    RETRY_SOON,
    SERVER_ERROR,
    SERVER_SAID,
    SET_TOKEN,
    TIMED_OUT,
    TOKEN_UNSET,
    TOO_MANY_REDIRECTS,
    UNREACHABLE,
    WAIT,
    WAIT_A_MINUTE,
    WRITE_ACCESS,
)
from tools.tls import verifying_context

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


def async_client(**kwargs: Any) -> httpx.AsyncClient:
    """An httpx client for Hub URLs: the token only to the Hub, redirects followed (5 at most)."""
    import httpx

    return httpx.AsyncClient(
        verify=verifying_context(),
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
                tool_text("hub", OFF_HUB, action=action, url=response.url, target=target)
            )

    hooks = {"response": [stay_on_the_hub]}
    async with async_client(timeout=HTTP_TIMEOUT_S, event_hooks=hooks) as client:
        try:
            response = await client.get(url, params=params, headers=headers)
        except httpx.TooManyRedirects:
            raise ToolException(
                tool_text("hub", TOO_MANY_REDIRECTS, action=action, count=MAX_REDIRECTS, url=url)
            ) from None
        except httpx.HTTPError as exc:
            raise explain(exc, action) from exc
    raise_for_status(response, action)
    return response


# --- errors as sentences --------------------------------------------------------------------


def _why_and_fix(status: int) -> tuple[str, str]:
    """Why a call with HTTP `status` failed, and what to do about it."""
    if status >= 500:
        return tool_text("hub", SERVER_ERROR, status=status), tool_text("hub", RETRY_SOON)
    if status == 401:
        return tool_text("hub", NOT_ACCEPTED), tool_text("hub", SET_TOKEN)
    if status == 402:
        return tool_text("hub", PAYMENT), tool_text("hub", ADD_CREDITS)
    if status == 403:
        return tool_text("hub", FORBIDDEN), tool_text("hub", WRITE_ACCESS)
    if status == 404:
        return tool_text("hub", NOT_FOUND), tool_text("hub", CHECK_NAME)
    if status == 409:
        return tool_text("hub", CONFLICT), tool_text("hub", PICK_ANOTHER)
    if status == 429:
        return tool_text("hub", RATE_LIMITED), tool_text("hub", WAIT_A_MINUTE)
    return tool_text("hub", REFUSED, status=status), tool_text("hub", FIX_ARGUMENTS)


def sentence(action: str, status: int, message: str = "", retry_after: str | None = None) -> str:
    """One actionable sentence for an HTTP failure: what failed, why, what to do."""
    why, fix = _why_and_fix(status)
    if status == 429 and retry_after:
        fix = tool_text("hub", WAIT, seconds=retry_after)
    if status == 401 and not hf_token():
        why = tool_text("hub", NO_TOKEN)
    said = " ".join(message.split())[:200]
    detail = tool_text("hub", SERVER_SAID, said=said) if said else ""
    return _redact(tool_text("hub", FAILED, action=action, why=why, detail=detail, fix=fix))


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
        text = tool_text("hub", TIMED_OUT, action=action, host=host)
    elif isinstance(exc, httpx.HTTPError):
        text = tool_text("hub", UNREACHABLE, action=action, host=host, error=exc)
    elif isinstance(exc, LocalTokenNotFoundError):
        text = tool_text("hub", TOKEN_UNSET, action=action, fix=tool_text("hub", SET_TOKEN))
    elif isinstance(exc, ValueError | FileNotFoundError):
        text = tool_text("hub", BAD_ARGUMENTS, action=action, error=exc)
    else:
        text = tool_text("hub", OTHER, action=action, name=type(exc).__name__, error=exc)
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
