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
        return f"{host} is on the deny list (web.deny_domains)"
    if settings.allow_domains and not on_domain(host, settings.allow_domains):
        return f"{host} is not on the allow list (web.allow_domains: {', '.join(settings.allow_domains)})"
    return None


def checked_url(url: str, settings: WebSettings) -> SplitResult:
    """The parsed URL when web_fetch may request it; a ToolException saying why not."""
    shown = url if len(url) <= 200 else url[:200] + "…"
    if not url or any(c.isspace() or ord(c) < 32 for c in url):
        raise ToolException(
            f"{shown!r} is not a valid URL (empty, or it contains spaces or control characters)."
        )
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ToolException(f"{shown!r} is not a valid URL ({exc}).") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ToolException(
            f"Only http:// and https:// URLs can be fetched; {shown!r} is not one. "
            "Give an absolute URL such as https://example.com/page."
        )
    if not parts.hostname:
        raise ToolException(
            f"{shown!r} has no host name. Give a URL like https://example.com/page."
        )
    if parts.username is not None or parts.password is not None:
        raise ToolException(
            f"{parts.scheme}://…@{parts.hostname} carries a user name or password; web tools never "
            "send credentials. Use the URL without them."
        )
    if port == 0:
        raise ToolException(f"{shown!r} has port 0, which cannot be fetched.")
    if reason := domain_refusal(parts.hostname, settings):
        raise ToolException(f"Refused {shown}: {reason}.")
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
        return "an unspecified address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_loopback:
        kind = "a loopback address"
    elif ip.is_link_local:
        kind = "a link-local address"
    elif ip.is_reserved:
        return "a reserved address"
    elif ip.is_private:
        kind = "a private address"
    elif not ip.is_global:
        kind = "a non-public (shared or special-purpose) address"
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
                f"Could not resolve the host {host} ({exc}). Check the spelling of the URL."
            ) from None
        addresses = list(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))
    for address in addresses:
        if kind := address_refusal(address, settings.allow_private_addresses):
            where = host if host.strip("[]") == address else f"{host} ({address})"
            fix = (
                f"set web.allow_private_addresses to true to reach {kind.split(' ', 1)[1]}es"
                if address_refusal(address, True) is None
                else "such addresses are never fetched"
            )
            raise ToolException(
                f"Refused {where}: {kind}; web_fetch only reaches public addresses ({fix})."
            )
    return addresses
