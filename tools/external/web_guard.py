"""Which URLs `web_fetch` may open and which search results `web_search` may show.

Three checks, each a plain function so every hop of a redirect chain passes all of them:

- `checked_url`: an absolute http(s) URL with a host, no user name or password in it, on a
  domain the allow/deny lists accept (deny wins; an empty allow list allows every domain).
- `address_refusal`: why an IP address is not a public one. Loopback, private, link-local and
  other non-global ranges are refused unless `allow_private_addresses`; unspecified, multicast
  and reserved ones always (they are never a page). An IPv4 address hidden in an IPv6 one
  (IPv4-mapped, 6to4, Teredo, NAT64) is judged as that IPv4 address.
- `checked_addresses`: resolve the host and refuse it if any of its addresses is refused (a
  name with one public and one private address is refused: the connection could use either).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import SplitResult, urlsplit

from langchain_core.tools import ToolException

from configs.research_settings import WebSettings
from tools.result_texts import tool_text
from tools.result_texts.web import (
    ALLOW_PRIVATE,
    BAD_URL,
    CREDENTIALS,
    DENIED,
    HOST_AT,
    LINK_LOCAL,
    LOOPBACK,
    MULTICAST,
    NEVER_FETCHED,
    NO_HOST,
    NON_PUBLIC,
    NOT_A_URL,
    NOT_ALLOWED,
    NOT_HTTP,
    NOT_PUBLIC,
    NOT_RESOLVED,
    PORT_ZERO,
    PRIVATE,
    REFUSED,
    RESERVED,
    UNSPECIFIED,
)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def normal_domain(entry: str) -> str:
    """A list entry as a bare lower-case host ('https://Docs.x.org/' -> docs.x.org, '*.x.org' -> x.org)."""
    entry = entry.strip().lower()
    if "://" in entry:
        entry = urlsplit(entry).hostname or ""
    return entry.removeprefix("*.").strip(".").strip("[]")


def on_domain(host: str, domains: Iterable[str]) -> bool:
    """True when `host` is one of `domains` or a subdomain of one."""
    host = host.lower().rstrip(".").strip("[]")
    for domain in map(normal_domain, domains):
        if domain and (host == domain or host.endswith("." + domain)):
            return True
    return False


def domain_refusal(host: str, settings: WebSettings) -> str | None:
    """Why the allow/deny lists keep `host` out, or None when they let it in."""
    if on_domain(host, settings.deny_domains):
        return tool_text("web_guard", DENIED, host=host)
    if settings.allow_domains and not on_domain(host, settings.allow_domains):
        domains = ", ".join(settings.allow_domains)
        return tool_text("web_guard", NOT_ALLOWED, host=host, domains=domains)
    return None


def checked_url(url: str, settings: WebSettings) -> SplitResult:
    """The parsed URL when web_fetch may request it; a ToolException saying why not."""
    shown = url if len(url) <= 200 else url[:200] + "…"
    if not url or any(c.isspace() or ord(c) < 32 for c in url):
        raise ToolException(tool_text("web_guard", NOT_A_URL, url=shown))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ToolException(tool_text("web_guard", BAD_URL, url=shown, error=exc)) from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ToolException(tool_text("web_guard", NOT_HTTP, url=shown))
    if not parts.hostname:
        raise ToolException(tool_text("web_guard", NO_HOST, url=shown))
    if parts.username is not None or parts.password is not None:
        raise ToolException(
            tool_text("web_guard", CREDENTIALS, scheme=parts.scheme, host=parts.hostname)
        )
    if port == 0:
        raise ToolException(tool_text("web_guard", PORT_ZERO, url=shown))
    if reason := domain_refusal(parts.hostname, settings):
        raise ToolException(tool_text("web_guard", REFUSED, url=shown, reason=reason))
    return parts


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, Teredo, NAT64), if any."""
    if isinstance(ip, ipaddress.IPv4Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_refusal(address: str | IPAddress, allow_private: bool) -> str | None:
    """What kind of non-public address this is (for a sentence), or None when it may be used."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    ip = embedded_ipv4(ip) or ip
    if ip.is_unspecified or (ip.version == 4 and ip.packed[0] == 0):
        return tool_text("web_guard", UNSPECIFIED)
    if ip.is_multicast:
        return tool_text("web_guard", MULTICAST)
    if ip.is_loopback:
        kind = tool_text("web_guard", LOOPBACK)
    elif ip.is_link_local:
        kind = tool_text("web_guard", LINK_LOCAL)
    elif ip.is_reserved:
        return tool_text("web_guard", RESERVED)
    elif ip.is_private:
        kind = tool_text("web_guard", PRIVATE)
    elif not ip.is_global:
        kind = tool_text("web_guard", NON_PUBLIC)
    else:
        return None
    return None if allow_private else kind


def literal_ip(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


async def checked_addresses(
    host: str, port: int, settings: WebSettings, *, proxied: bool = False
) -> list[str]:
    """The host's addresses, every one of them allowed; a ToolException naming a refused one.

    Through a proxy the proxy resolves the name: when this machine cannot resolve it, the
    name is let through (an address literal is always checked).
    """
    if (ip := literal_ip(host)) is not None:
        addresses = [str(ip)]
    else:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except (OSError, UnicodeError) as exc:
            if proxied:
                return []
            raise ToolException(
                tool_text("web_guard", NOT_RESOLVED, host=host, error=exc)
            ) from None
        addresses = list(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))
    for address in addresses:
        if kind := address_refusal(address, settings.allow_private_addresses):
            if host.strip("[]") == address:
                where = host
            else:
                where = tool_text("web_guard", HOST_AT, host=host, address=address)
            fix = (
                tool_text("web_guard", ALLOW_PRIVATE, kinds=kind.split(" ", 1)[1])
                if address_refusal(address, True) is None
                else tool_text("web_guard", NEVER_FETCHED)
            )
            raise ToolException(tool_text("web_guard", NOT_PUBLIC, where=where, kind=kind, fix=fix))
    return addresses
