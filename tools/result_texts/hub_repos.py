"""The Hub's search and docs tools' texts (tools/hub/search.py, docs_search.py,
docs_fetch.py): the lines of a search, a docs search and a fetched docs page."""

from __future__ import annotations

from tools.result_texts.kinds import ToolTextKind

# hf_search (tools/hub/search.py): one line per repo, its facts joined by " · "
SEARCH_LINE = "- {facts}"
SDK = "sdk {sdk}"
DOWNLOADS = "↓{count}"
LIKES = "♥{count}"
UPDATED = "updated {date}"
TAGS = "tags: {tags}"
MORE_TAGS = " +{count}"  # after the tags shown
NO_REPOS = "No {kind}s match {what}. Try fewer words or tags."
ANY_ARGUMENTS = "these arguments"  # {what}, when nothing narrowed the search
REPOS = "{count} {kind}s ({what}), by {order}:"
ALL = "all"  # {what}, when nothing narrowed the search


# hf_docs_search (tools/hub/docs_search.py)
NO_DOCS = "No documentation found for {query!r}{where}. Try other words or no product."
IN_PRODUCT = " in {product}"  # {where}
DOCS = "Docs for {query!r}{product}:"
OF_PRODUCT = " (product {product})"  # {product}
PAGE = "## {title} ({product}) {url}"
EXCERPT = "- {section}{text}"
SECTION = "[{heading}] "  # {section}, when the excerpt is under one
READ_A_PAGE = "Read a page with hf_docs_fetch(url)."


# hf_docs_fetch (tools/hub/docs_fetch.py)
NOT_HUB = (
    "hf_docs_fetch only fetches Hugging Face pages (huggingface.co, hf.co or {endpoint}); "
    "{url} is not one. Use the docs search or another tool."
)
PAST_END = "offset {offset} is past the end of {url} ({total:,} chars)."
FETCHED = "{url}\n\n{part}{more}"
CHARS = "\n[chars {first:,}-{last:,} of {total:,}; call again with offset={last} to continue]"


TEXTS: dict[ToolTextKind, tuple[str, ...]] = {
    "hf_search": (
        SEARCH_LINE,
        SDK,
        DOWNLOADS,
        LIKES,
        UPDATED,
        TAGS,
        MORE_TAGS,
        NO_REPOS,
        ANY_ARGUMENTS,
        REPOS,
        ALL,
    ),
    "hf_docs_search": (
        NO_DOCS,
        IN_PRODUCT,
        DOCS,
        OF_PRODUCT,
        PAGE,
        EXCERPT,
        SECTION,
        READ_A_PAGE,
    ),
    "hf_docs_fetch": (NOT_HUB, PAST_END, FETCHED, CHARS),
}
