"""A local GitHub REST API for tests (standard library only).

    with GitHubServer(repos={"acme/lib": {"files": {"src/a.py": "import torch\\n"}}}) as gh:
        os.environ["GITHUB_API_URL"] = gh.url

Implements what tools/github.py uses: /search/code (token required, text-match fragments,
a per-minute code-search budget), /repos/{o}/{r}/contents/{path} (JSON with base64, or raw;
files over `large_bytes` come without content like GitHub's >1 MB files), /users/{o}/repos,
/search/repositories, /repos/{o}/{r} and its recursive /git/trees/main, and `redirects` (path -> absolute URL) to test where the token goes.
Every request is recorded as (path, query, headers) in `.requests`.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit


@dataclass
class Recorded:
    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass
class GitHubServer:
    repos: dict[str, dict[str, Any]] = field(default_factory=dict)
    code_searches_per_minute: int = 10
    large_bytes: int = 1_000_000
    redirects: dict[str, str] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._searches = 0
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.owner = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(  # stopping waits one poll: 0.5 s by default
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> GitHubServer:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    # -- routes -------------------------------------------------------------------------------

    def route(self, path: str, query: dict[str, str], headers: dict[str, str]) -> Any:
        """(status, body, extra headers) for a GET."""
        parts = [unquote(p) for p in path.strip("/").split("/")]
        if path in self.redirects:
            return 301, {"message": "Moved"}, {"Location": self.redirects[path]}
        if parts[:2] == ["search", "code"]:
            return self.search_code(query, headers)
        if parts[:2] == ["search", "repositories"]:
            found = [self.meta(n) for n in self.repos if query.get("q", "").split()[0] in n]
            key = {"stars": "stargazers_count", "forks": "forks_count"}.get(query.get("sort", ""))
            found.sort(key=lambda r: r.get(key or "full_name"), reverse=bool(key))
            return 200, {"total_count": len(found), "items": found}, {}
        if parts[0] == "users" and len(parts) == 3 and parts[2] == "repos":
            owned = [self.meta(n) for n in self.repos if n.split("/")[0] == parts[1]]
            return (200, owned, {}) if owned else (404, {"message": "Not Found"}, {})
        if parts[0] == "repos" and len(parts) == 3 and f"{parts[1]}/{parts[2]}" in self.repos:
            return 200, {**self.meta(f"{parts[1]}/{parts[2]}"), "default_branch": "main"}, {}
        if parts[0] == "repos" and parts[3:5] == ["git", "trees"] and len(parts) == 6:
            return self.tree(f"{parts[1]}/{parts[2]}", parts[5])
        if parts[0] == "repos" and len(parts) >= 4 and parts[3] == "contents":
            return self.contents(f"{parts[1]}/{parts[2]}", "/".join(parts[4:]), headers)
        return 404, {"message": "Not Found"}, {}

    def meta(self, name: str) -> dict[str, Any]:
        info = self.repos[name]
        return {
            "full_name": name,
            "stargazers_count": info.get("stars", 0),
            "forks_count": info.get("forks", 0),
            "language": info.get("language", "Python"),
            "pushed_at": info.get("pushed_at", "2025-01-01T00:00:00Z"),
            "description": info.get("description", ""),
        }

    def search_code(self, query: dict[str, str], headers: dict[str, str]) -> Any:
        if "authorization" not in headers:
            return 401, {"message": "Requires authentication"}, {}
        self._searches += 1
        if self._searches > self.code_searches_per_minute:
            reset = str(int(time.time()) + 42)
            limit_headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset}
            return 403, {"message": "API rate limit exceeded for user."}, limit_headers
        words, filters = [], {}
        for token in query.get("q", "").split():
            key, sep, value = token.partition(":")
            if sep and key in ("repo", "language", "path"):
                filters[key] = value
            else:
                words.append(token.lower())
        items = []
        for name, info in self.repos.items():
            if filters.get("repo", name) != name:
                continue
            for path, text in info.get("files", {}).items():
                if not path.startswith(filters.get("path", "")):
                    continue
                if "language" in filters and not path.endswith(".py"):
                    continue
                if all(w in text.lower() for w in words):
                    line = next(ln for ln in text.splitlines() if words[0] in ln.lower())
                    items.append(
                        {
                            "name": path.rsplit("/", 1)[-1],
                            "path": path,
                            "repository": {"full_name": name},
                            "text_matches": [{"property": "content", "fragment": line}]
                            if "text-match" in headers.get("accept", "")
                            else [],
                        }
                    )
        per_page = int(query.get("per_page", 30))
        return 200, {"total_count": len(items), "items": items[:per_page]}, {}

    def tree(self, repo: str, ref: str) -> Any:
        """The recursive git tree of a repo's files (one branch: `main`), folders included."""
        files = self.repos.get(repo, {}).get("files")
        if files is None or ref != "main":
            return 404, {"message": "Not Found"}, {}
        folders = {str(p.rsplit("/", i)[0]) for p in files for i in range(1, p.count("/") + 1)}
        entries = [{"path": d, "type": "tree"} for d in sorted(folders)]
        entries += [{"path": p, "type": "blob", "size": len(t.encode())} for p, t in files.items()]
        return 200, {"sha": "0" * 40, "tree": entries, "truncated": False}, {}

    def contents(self, repo: str, path: str, headers: dict[str, str]) -> Any:
        files = self.repos.get(repo, {}).get("files", {})
        if path in files:
            raw = files[path].encode()
            if "vnd.github.raw" in headers.get("accept", ""):
                return 200, raw, {"Content-Type": "application/vnd.github.raw"}
            small = len(raw) <= self.large_bytes
            body = {
                "type": "file",
                "path": path,
                "size": len(raw),
                "encoding": "base64" if small else "none",
                "content": base64.encodebytes(raw).decode() if small else "",
            }
            return 200, body, {}
        prefix = f"{path}/" if path else ""
        children = {p[len(prefix) :].split("/")[0] for p in files if p.startswith(prefix)}
        if not children:
            return 404, {"message": "Not Found"}, {}
        listing = []
        for child in sorted(children):
            full = f"{prefix}{child}"
            listing.append(
                {"name": child, "path": full, "type": "file" if full in files else "dir"}
            )
        return 200, listing, {}


class _Handler(BaseHTTPRequestHandler):
    server: Any
    disable_nagle_algorithm = True  # the body never waits for the ACK of the headers

    def log_message(self, *_args: Any) -> None:
        pass

    def do_GET(self) -> None:
        owner: GitHubServer = self.server.owner
        split = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(split.query).items()}
        headers = {k.lower(): v for k, v in self.headers.items()}
        owner.requests.append(Recorded(split.path, query, headers))
        status, body, extra = owner.route(split.path, query, headers)
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", extra.pop("Content-Type", "application/json"))
        self.send_header("Content-Length", str(len(data)))
        for key, value in extra.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)
