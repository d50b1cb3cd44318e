"""hf_papers' Semantic Scholar texts (tools/hub/scholar.py, scholar_papers.py, scholar_table.py):
failed calls as one sentence ({action}, the tool's own words), searches, citations,
recommendations, passages, a paper's card, and the table and paging lines under them."""

from __future__ import annotations

from tools.result_texts.kinds import ToolTextKind

# Calls (tools/hub/scholar.py)
NEEDS_PAPER_ID = (
    "This operation needs `arxiv_id`: an arXiv id like '2401.00001', 'DOI:10.…' or a "
    "Semantic Scholar paper id."
)
UNEXPECTED = "{action} failed: Semantic Scholar sent an unexpected answer. Retry later."
TIMED_OUT = (
    "{action} failed: Semantic Scholar did not answer within {seconds:g} s. It may be "
    "overloaded: retry in a minute, or search without filters (Hugging Face)."
)
TOO_MANY_REDIRECTS = "{action} failed: more than {count} redirects."
UNREACHABLE = (
    "{action} failed: could not reach Semantic Scholar at {host} ({error}). Check the network "
    "or SEMANTIC_SCHOLAR_API_URL, or search without filters."
)
SAID = " ({said})"  # {detail}
RATE_LIMITED = (
    "{action} failed: Semantic Scholar is rate-limiting requests (429). Retry {when}.{hint}"
)
IN_A_MINUTE = "in a minute"  # {when}
IN_SECONDS = "in {seconds:.0f} s"  # {when}
KEY_RAISES_LIMIT = " Setting SEMANTIC_SCHOLAR_API_KEY raises the limit."  # {hint}
NO_SUCH_PAPER = (
    "{action} failed: Semantic Scholar has no such paper (404). Check the id: an arXiv id like "
    "2401.00001, 'DOI:10.…', or a paper id from operation='search'."
)
REFUSED = "{action} failed: Semantic Scholar refused the request ({status}){detail}. {fix}"
CHECK_KEY = "Check SEMANTIC_SCHOLAR_API_KEY."  # {fix}
RETRY_LATER = "Retry later."  # {fix}
FIX_ARGUMENTS = "Fix the arguments."  # {fix}
SERVER_ERROR = (
    "{action} failed: Semantic Scholar had an error ({status}). This is usually temporary: "
    "retry in a minute, or search without filters (Hugging Face)."
)
# Operations (tools/hub/scholar_papers.py)
YEARS_SWAPPED = "year_from ({year_from}) is after year_to ({year_to}): swap them."
UNKNOWN_FIELDS = "Unknown fields_of_study {unknown}. Use any of: {fields}."
MIN_CITATIONS = "≥{count:,} citations"  # in FILTERS, joined by ", "
MOST_CITED_FIRST = "most cited first"
NEWEST_FIRST = "newest first"
FILTERS = " ({text})"  # {filters}, after the query
SORTED_WINDOW = (
    "Sorted search shows the first {count:,} results only: narrow the query or the filters "
    "instead of paging further."
)
NO_MATCH = "No papers on Semantic Scholar match {query!r}{filters}.{hint} Loosen the filters."
FEWER_WORDS = " Sorted search needs every word to match: use fewer words."  # {hint}
OF_TOTAL = " of ~{total:,}"  # {total}
SEARCH_HEAD = "Semantic Scholar: papers {first}–{last}{total} for {query!r}{filters}:"
CITED_BY = "papers cited by {id}"  # {what}
CITING = "papers citing {id}"  # {what}
NONE_LISTED = "No {what} on Semantic Scholar."
NONE_PAST = "No {what} on Semantic Scholar after offset {offset}."
LIST_HEAD = "Semantic Scholar: {what}, {first}–{last}:"
NO_RECOMMENDATIONS = "Semantic Scholar has no recommendations like {id}."
NO_RECOMMENDATIONS_PAST = "Semantic Scholar has no recommendations like {id} at this offset."
LIKE_HEAD = "Semantic Scholar: papers like {id}, {first}–{last}:"
NO_PASSAGES = "No passages on Semantic Scholar match {query!r}{filters}. Try other words."
PASSAGES_HEAD = "Semantic Scholar: passages {first}–{last} for {query!r}{filters}:"
PASSAGE = "{n}. {label}\n   {text}"
CARD = "# {title} ({id})"  # then its URL
AUTHORS = "authors: {authors}"
CITATIONS = "{count:,} citations"
INFLUENTIAL = " ({count:,} influential)"  # after CITATIONS
REFERENCES = " · {count:,} references"  # after CITATIONS
IDS = "ids: {ids}"
ID = "{name} {value}"  # in IDS, joined by " · "
S2_ID = "S2 {id}"  # last in IDS
FIELDS = "fields: {fields}"
PDF = "pdf: {url}"
TLDR = "TL;DR: {text}"
READ_SECTIONS = " · operation='read' for its sections"  # {read}
NEXT = "Next: operation='citations' / 'references' / 'recommend' with this id{read}."
# The table (tools/hub/scholar_table.py)
ET_AL = "{name} et al."
TABLE_HEAD = "| # | year | cites | id | title | TL;DR |\n|---|---|---|---|---|---|"
ROW = "| {n} | {year} | {cites} | {id} | {title} | {tldr} |"
UNTITLED = "(untitled)"
BY = "{title} ({by})"
NEXT_PAGE = "Next page: offset={offset}."


TEXTS: dict[ToolTextKind, tuple[str, ...]] = {
    "hf_papers_scholar": (
        NEEDS_PAPER_ID,
        UNEXPECTED,
        TIMED_OUT,
        TOO_MANY_REDIRECTS,
        UNREACHABLE,
        SAID,
        RATE_LIMITED,
        IN_A_MINUTE,
        IN_SECONDS,
        KEY_RAISES_LIMIT,
        NO_SUCH_PAPER,
        REFUSED,
        CHECK_KEY,
        RETRY_LATER,
        FIX_ARGUMENTS,
        SERVER_ERROR,
        YEARS_SWAPPED,
        UNKNOWN_FIELDS,
        MIN_CITATIONS,
        MOST_CITED_FIRST,
        NEWEST_FIRST,
        FILTERS,
        SORTED_WINDOW,
        NO_MATCH,
        FEWER_WORDS,
        OF_TOTAL,
        SEARCH_HEAD,
        CITED_BY,
        CITING,
        NONE_LISTED,
        NONE_PAST,
        LIST_HEAD,
        NO_RECOMMENDATIONS,
        NO_RECOMMENDATIONS_PAST,
        LIKE_HEAD,
        NO_PASSAGES,
        PASSAGES_HEAD,
        PASSAGE,
        CARD,
        AUTHORS,
        CITATIONS,
        INFLUENTIAL,
        REFERENCES,
        IDS,
        ID,
        S2_ID,
        FIELDS,
        PDF,
        TLDR,
        READ_SECTIONS,
        NEXT,
        ET_AL,
        TABLE_HEAD,
        ROW,
        UNTITLED,
        BY,
        NEXT_PAGE,
    ),
}
