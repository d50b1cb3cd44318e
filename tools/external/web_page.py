"""What a downloaded body is (HTML, text, PDF, binary), its text, and HTML as markdown.

Imported only when `web_fetch` runs: BeautifulSoup, markdownify and charset-normalizer stay
out of start-up.
"""

from __future__ import annotations

import codecs
import re
from typing import Literal
from urllib.parse import urljoin

Kind = Literal["html", "text", "pdf", "binary"]

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = frozenset(
    {
        "application/json", "application/ld+json", "application/xml", "application/javascript",
        "application/x-javascript", "application/x-yaml", "application/yaml", "application/toml",
        "application/x-sh", "application/x-python", "application/x-ndjson", "application/csv",
    }
)  # fmt: skip
# Elements that are never the page's content.
DROPPED = ("script", "style", "nav", "footer", "noscript", "template", "iframe", "svg", "canvas")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def kind_of(media_type: str, head: bytes) -> Kind:
    """The body's kind from its declared type, or from its first bytes when that is vague."""
    if media_type == "application/pdf" or head.startswith(b"%PDF-"):
        return "pdf"
    if media_type in HTML_TYPES:
        return "html"
    if media_type.startswith("text/") or media_type in TEXT_TYPES:
        return "text"
    if media_type.endswith(("+json", "+xml")):
        return "text"
    if media_type and media_type not in ("application/octet-stream", "binary/octet-stream"):
        return "binary"
    if b"\0" in head:
        return "binary"
    start = head.lstrip()[:100].lower()
    return "html" if start.startswith((b"<!doctype html", b"<html")) else "text"


def is_text(media_type: str, head: bytes) -> bool:
    """Whether a body is worth downloading in full (web_http's `wanted`)."""
    return kind_of(media_type, head) in ("html", "text")


def charset_of(content_type: str) -> str | None:
    """The charset parameter of a Content-Type header, when it names a known codec."""
    match = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", content_type, re.I)
    return _known(match.group(1)) if match else None


def _known(name: str) -> str | None:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def decode(body: bytes, content_type: str, kind: Kind, complete: bool = True) -> str:
    """Text from bytes: a BOM, the header's charset, the page's <meta>, UTF-8, then a guess."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(name, errors="replace")
    declared = charset_of(content_type)
    if declared is None and kind == "html" and (meta := _META_CHARSET.search(body[:4096])):
        declared = _known(meta.group(1).decode("ascii"))
    if declared is not None:
        return body.decode(declared, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        if not complete and exc.start >= len(body) - 3:  # a character cut by the size cap
            return body.decode("utf-8", errors="replace")
    from charset_normalizer import from_bytes

    best = from_bytes(body[:200_000]).best()
    return body.decode(best.encoding if best else "utf-8", errors="replace")


def html_to_markdown(page: str, base_url: str) -> tuple[str, str]:
    """(title, markdown body) of an HTML page; links made absolute, boilerplate dropped."""
    from bs4 import BeautifulSoup
    from markdownify import MarkdownConverter

    soup = BeautifulSoup(page, "lxml")
    title = " ".join(soup.title.get_text().split()) if soup.title else ""
    for element in soup(DROPPED):
        element.decompose()
    for link in soup.find_all("a", href=True):
        href = str(link["href"]).strip()
        if href.lower().startswith(("javascript:", "data:")):
            link.unwrap()
        else:
            link["href"] = urljoin(base_url, href)
    for image in soup.find_all("img"):
        source = str(image.get("src", "")).strip()
        if not source or source.lower().startswith("data:"):
            image.decompose()
        else:
            image["src"] = urljoin(base_url, source)
    root = soup.body or soup
    text = MarkdownConverter(heading_style="ATX", bullets="-").convert_soup(root)
    return title, tidy(text)


def tidy(text: str) -> str:
    """Trailing spaces gone, runs of blank lines cut to one."""
    text = re.sub(r"[ \t]+\n", "\n", text.replace("\r\n", "\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()
