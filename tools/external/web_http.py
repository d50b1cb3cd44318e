"""HTTP for the web tools: no credentials, env proxies honoured, redirects checked hop by hop.

Why `trust_env=False` with the proxy chosen here: httpx then reads nothing from the
environment on its own (no future netrc or header variables can slip in), while users behind
a proxy still get it: HTTP(S)_PROXY / ALL_PROXY / NO_PROXY are read through the standard
library, and SSL_CERT_FILE / SSL_CERT_DIR still feed certificate checks. A proxy's own user
and password go to that proxy only (as Proxy-Authorization), never to the site.

Nothing else identifies the user: a fresh client per hop whose cookie jar refuses every
cookie, no `auth`, no Authorization header, a URL with user:password@ is refused earlier.

Direct connections are pinned: the host is resolved and checked (`web_guard`), then the
request goes to one of those checked addresses (Host header and TLS name stay the host's),
so a name cannot resolve to a public address for the check and a private one for the
connection. Through a proxy the proxy connects; the check then uses this machine's answer.
"""

from __future__ import annotations

import http.cookiejar
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx
from langchain_core.tools import ToolException

from configs.research_settings import WebSettings
from tools.external.web_guard import checked_addresses, checked_url
from tools.result_texts import tool_text
from tools.result_texts.web import (
    BAD_PROXY,
    DETAIL,
    NO_CONNECTION,
    PROXY_REFUSED,
    READ_FAILED,
    TOO_MANY_REDIRECTS,
    TOO_SLOW,
    UNVERIFIED,
)
from tools.tls import verifying_context

MAX_REDIRECTS = 5
SNIFF_BYTES = 4096
USER_AGENT = "Mozilla/5.0 (compatible; ml-intern)"
ACCEPT = "text/html,application/xhtml+xml;q=0.9,text/markdown;q=0.9,text/plain;q=0.8,*/*;q=0.5"
REDIRECTS = frozenset({301, 302, 303, 307, 308})
_HEADERS = {"Accept": ACCEPT, "Accept-Language": "en;q=1.0, *;q=0.5"}
# (media type, first bytes) -> whether the body is worth reading (text) or not (PDF, binary).
Wanted = Callable[[str, bytes], bool]


@dataclass(frozen=True)
class Download:
    url: str  # after redirects
    status: int
    reason: str
    headers: httpx.Headers
    body: bytes  # up to max_download_bytes; only the first bytes when not wanted
    complete: bool  # False: stopped at the size cap, or not read on (not wanted)

    @property
    def media_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def declared_size(self) -> int | None:
        size = self.headers.get("content-length", "")
        return int(size) if size.isdigit() else None


def proxy_for(url: str) -> str | None:
    """The proxy the environment names for this URL (None: connect directly)."""
    proxies = urllib.request.getproxies()
    host = httpx.URL(url).host
    if not proxies or urllib.request.proxy_bypass_environment(host, proxies):
        return None
    proxy = proxies.get(httpx.URL(url).scheme) or proxies.get("all")
    if not proxy:
        return None
    return proxy if "://" in proxy else f"http://{proxy}"


def shown_proxy(proxy: str) -> str:
    """A proxy URL without its user and password, fit for a message."""
    parts = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.scheme}://{parts.hostname or '?'}{port}"


def new_client(settings: WebSettings, proxy: str | None) -> httpx.AsyncClient:
    """A client that sends no credential and keeps no cookie; a clear error for a bad proxy."""
    no_cookies = http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    try:
        return httpx.AsyncClient(
            trust_env=False,
            proxy=proxy,
            verify=verifying_context(),
            cookies=no_cookies,
            timeout=settings.timeout_s,
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT},
        )
    except (ImportError, ValueError) as exc:
        shown = shown_proxy(proxy or "")
        raise ToolException(tool_text("web_http", BAD_PROXY, proxy=shown, error=exc)) from None


async def download(url: str, settings: WebSettings, wanted: Wanted) -> Download:
    """GET `url`, following at most MAX_REDIRECTS redirects, each hop checked again."""
    for _hop in range(MAX_REDIRECTS + 1):
        got = await _one_hop(url, settings, wanted)
        if isinstance(got, Download):
            return got
        url = got
    raise ToolException(tool_text("web_http", TOO_MANY_REDIRECTS, count=MAX_REDIRECTS, url=url))


async def _one_hop(url: str, settings: WebSettings, wanted: Wanted) -> Download | str:
    """The response of one request, or the URL a redirect points to (not yet checked)."""
    checked_url(url, settings)
    proxy = proxy_for(url)
    target = httpx.URL(url)
    port = target.port or (443 if target.scheme == "https" else 80)
    addresses = await checked_addresses(target.host, port, settings, proxied=proxy is not None)
    async with new_client(settings, proxy) as client:
        response = await _send(client, target, [] if proxy else addresses, settings)
        try:
            if response.status_code in REDIRECTS and "location" in response.headers:
                return urljoin(url, response.headers["location"].strip())
            body, complete = b"", True  # an error page: its status is what matters
            if response.status_code < 400:
                body, complete = await _read(response, settings.max_download_bytes, wanted)
        except httpx.HTTPError as exc:
            raise ToolException(failure(url, exc, settings)) from None
        finally:
            await response.aclose()
    return Download(
        url, response.status_code, response.reason_phrase, response.headers, body, complete
    )


async def _send(
    client: httpx.AsyncClient, url: httpx.URL, addresses: list[str], settings: WebSettings
) -> httpx.Response:
    """The response (headers only), from the first checked address that takes the connection.

    No addresses: through a proxy, which connects to the host itself.
    """
    requests = [client.build_request("GET", url, headers=_HEADERS)] if not addresses else []
    for address in addresses:
        requests.append(
            client.build_request(
                "GET",
                url.copy_with(host=address),
                headers={**_HEADERS, "Host": url.netloc.decode("ascii")},
                extensions={"sni_hostname": url.raw_host.decode("ascii")},
            )
        )
    for attempt, request in enumerate(requests, start=1):
        try:
            return await client.send(request, stream=True)
        except httpx.ConnectError as exc:
            if attempt == len(requests):
                raise ToolException(failure(str(url), exc, settings)) from None
        except httpx.HTTPError as exc:
            raise ToolException(failure(str(url), exc, settings)) from None
    raise AssertionError("unreachable: there is always one request")


async def _read(response: httpx.Response, cap: int, wanted: Wanted) -> tuple[bytes, bool]:
    """Up to `cap` bytes of the body; past the first bytes only if `wanted` says so."""
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    body = bytearray()
    sniffed = False
    async for chunk in response.aiter_bytes():
        body += chunk
        if not sniffed and len(body) >= SNIFF_BYTES:
            sniffed = True
            if not wanted(media, bytes(body[:SNIFF_BYTES])):
                return bytes(body), False
        if len(body) > cap:
            return bytes(body[:cap]), False
    return bytes(body), True


def too_slow(host: str, settings: WebSettings) -> str:
    """Why a host that did not answer in time is not shown."""
    return tool_text("web_http", TOO_SLOW, host=host, seconds=settings.timeout_s)


def failure(url: str, exc: httpx.HTTPError, settings: WebSettings) -> str:
    """One sentence about a transport failure, with what to try next."""
    host = httpx.URL(url).host
    name = type(exc).__name__
    detail = tool_text("web_http", DETAIL, error=name, said=str(exc)[:200]) if str(exc) else name
    if isinstance(exc, httpx.TimeoutException):
        return too_slow(host, settings)
    if isinstance(exc, httpx.ProxyError):
        return tool_text("web_http", PROXY_REFUSED, url=url, detail=detail)
    if isinstance(exc, httpx.ConnectError) and "CERTIFICATE_VERIFY_FAILED" in str(exc):
        return tool_text("web_http", UNVERIFIED, host=host, detail=detail)
    if isinstance(exc, httpx.ConnectError):
        return tool_text("web_http", NO_CONNECTION, host=host, detail=detail)
    return tool_text("web_http", READ_FAILED, url=url, detail=detail)
