"""Repo endpoints of the fake Hub: info, search, tree, resolve, commits, refs and discussions."""

from __future__ import annotations

import base64
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from tests.fakes import hub_seed as seed
from tests.fakes.hub_http import Request, Response, error, now, reply, sha

NOT_FOUND = "Repository not found"


@dataclass
class Repo:
    kind: str  # models | datasets | spaces
    id: str
    files: dict[str, bytes]
    meta: dict[str, Any]
    private: bool = False
    branches: dict[str, str] = field(default_factory=lambda: {"main": sha("main")})
    tags: dict[str, str] = field(default_factory=dict)
    discussions: list[dict[str, Any]] = field(default_factory=list)
    redirects: dict[str, str] = field(default_factory=dict)  # file path -> another URL

    def summary(self) -> dict[str, Any]:
        return {
            "_id": sha(self.id)[:24],
            "id": self.id,
            "author": self.id.split("/")[0],
            "sha": self.branches["main"],
            "private": self.private,
            "gated": False,
            "disabled": False,
            "lastModified": "2024-05-01T00:00:00.000Z",
            "createdAt": "2024-01-01T00:00:00.000Z",
            **self.meta,
        }

    def info(self) -> dict[str, Any]:
        siblings = [
            {"rfilename": p, "size": len(b), "blobId": sha(p, b)} for p, b in self.files.items()
        ]
        extra = (
            {"runtime": {"stage": "RUNNING", "hardware": {"current": "cpu-basic"}}}
            if self.kind == "spaces"
            else {}
        )
        return {**self.summary(), "siblings": siblings, **extra}


class RepoRoutes:
    """Mixed into FakeHub: `self.repos`, `self.token` and `self.url` come from there."""

    repos: dict[tuple[str, str], Repo]
    token: str
    url: str

    def _authed(self, req: Request) -> bool:
        return req.headers.get("authorization") == f"Bearer {self.token}"

    def _find(self, req: Request, kind: str, repo_id: str) -> Repo | Response:
        repo = self.repos.get((kind, repo_id))
        if repo is None or (repo.private and not self._authed(req)):
            return error(404 if self._authed(req) else 401, NOT_FOUND, "RepoNotFound")
        return repo

    def _writable(self, req: Request, kind: str, repo_id: str) -> Repo | Response:
        if not self._authed(req):
            return error(401, "You must be authenticated to write", None)
        return self._find(req, kind, repo_id)

    # --- repos ------------------------------------------------------------------------------

    def whoami(self, req: Request) -> Response:
        return (
            reply(seed.USER)
            if self._authed(req)
            else error(401, "Invalid credentials in Authorization header")
        )

    def list_repos(self, req: Request, kind: str) -> Response:
        found = [
            r
            for (k, _), r in self.repos.items()
            if k == kind and (not r.private or self._authed(req))
        ]
        words = " ".join(req.query.get("search", [])).lower()
        tags = req.query.get("filter", [])
        found = [
            r for r in found if words in r.id.lower() and set(tags) <= set(r.meta.get("tags", []))
        ]
        if author := req.arg("author"):
            found = [r for r in found if r.id.startswith(author + "/")]
        key = {"trendingScore": "likes", "createdAt": "likes", "lastModified": "likes"}.get(
            req.arg("sort", "downloads") or "downloads", req.arg("sort", "downloads") or "downloads"
        )
        found.sort(key=lambda r: r.meta.get(key, 0), reverse=True)
        items = [
            {k: v for k, v in r.summary().items() if k not in {"cardData", "files"}} for r in found
        ]
        return reply(items[: int(req.arg("limit", "1000") or 1000)])

    def repo_info(self, req: Request, kind: str, repo: str, rev: str | None = None) -> Response:
        found = self._find(req, kind, repo)
        return found if isinstance(found, Response) else reply(found.info())

    def _rev_ok(self, repo: Repo, rev: str) -> bool:
        rev = unquote(rev)
        return (
            rev in repo.branches or rev in repo.tags or rev.startswith("refs/pr/") or len(rev) == 40
        )

    def tree(
        self, req: Request, kind: str, repo: str, rev: str, path: str | None = None
    ) -> Response:
        found = self._find(req, kind, repo)
        if isinstance(found, Response):
            return found
        if not self._rev_ok(found, rev):
            return error(404, f"Invalid rev id: {unquote(rev)}", "RevisionNotFound")
        prefix = unquote(path) + "/" if path else ""
        recursive = (req.arg("recursive") or "").lower() == "true"
        entries, folders = [], set()
        for name, data in sorted(found.files.items()):
            if not name.startswith(prefix):
                continue
            rest = name[len(prefix) :]
            if "/" in rest and not recursive:
                folders.add(prefix + rest.split("/")[0])
                continue
            entries.append(
                {"type": "file", "oid": sha(name, data), "size": len(data), "path": name}
            )
        entries += [
            {"type": "directory", "oid": sha(d), "size": 0, "path": d} for d in sorted(folders)
        ]
        if prefix and not entries:
            return error(404, f"{prefix} does not exist", "EntryNotFound")
        return reply(entries)

    def resolve(self, req: Request, prefix: str | None, repo: str, rev: str, path: str) -> Response:
        kind = (prefix or "models").rstrip("/")
        found = self._find(req, kind, repo)
        if isinstance(found, Response):
            return found
        path = unquote(path)
        if path in found.redirects:
            return Response(302, b"", "text/plain", {"Location": found.redirects[path]})
        if path not in found.files:
            return error(404, "Entry not found", "EntryNotFound")
        data = found.files[path]
        if m := re.fullmatch(r"bytes=(\d+)-(\d+)", req.headers.get("range", "")):
            start, end = int(m.group(1)), min(int(m.group(2)), len(data) - 1)
            headers = {"Content-Range": f"bytes {start}-{end}/{len(data)}"}
            return Response(206, data[start : end + 1], "application/octet-stream", headers)
        return Response(200, data, "application/octet-stream")

    def preupload(self, req: Request, kind: str, repo: str, rev: str) -> Response:
        found = self._writable(req, kind, repo)
        if isinstance(found, Response):
            return found
        files = [
            {"path": f["path"], "uploadMode": "regular", "shouldIgnore": False, "oid": None}
            for f in req.json()["files"]
        ]
        return reply({"files": files, "commitOid": found.branches["main"]})

    def commit(self, req: Request, kind: str, repo: str, rev: str) -> Response:
        found = self._writable(req, kind, repo)
        if isinstance(found, Response):
            return found
        lines = [json.loads(line) for line in req.body.decode().splitlines() if line.strip()]
        header = lines[0]["value"]
        for item in lines[1:]:
            key, value = item["key"], item["value"]
            if key == "file":
                found.files[value["path"]] = base64.b64decode(value["content"])
            elif key == "deletedFile":
                if found.files.pop(value["path"], None) is None:
                    return error(404, "A file with this name doesn't exist", "EntryNotFound")
            elif key == "deletedFolder":
                for name in [
                    n for n in found.files if n.startswith(value["path"].rstrip("/") + "/")
                ]:
                    del found.files[name]
        oid = sha(header, len(found.files), time.time())
        prefix = "" if kind == "models" else f"{kind}/"
        body: dict[str, Any] = {
            "success": True,
            "commitOid": oid,
            "commitUrl": f"{self.url}/{prefix}{repo}/commit/{oid}",
        }
        if req.arg("create_pr") == "1":
            pr = self._new_discussion(found, header["summary"], header.get("description", ""), True)
            body["pullRequestUrl"] = f"{self.url}/{prefix}{repo}/discussions/{pr['num']}"
        else:
            found.branches[unquote(rev)] = oid
        return reply(body)

    def create_repo(self, req: Request) -> Response:
        if not self._authed(req):
            return error(401, "Invalid credentials in Authorization header")
        data = req.json()
        repo_id = f"{data.get('organization') or seed.USER['name']}/{data['name']}"
        kind = f"{data.get('type') or 'model'}s"
        prefix = "" if kind == "models" else f"{kind}/"
        if (kind, repo_id) in self.repos:
            # The real Hub's 409 names the existing repo's URL; huggingface_hub reads it.
            message = f"You already created this {kind[:-1]} repo"
            body = {"error": message, "url": f"{self.url}/{prefix}{repo_id}"}
            return reply(body, 409, **{"X-Error-Message": message})
        private = data.get("visibility", "public") == "private" or bool(data.get("private"))
        self.add_repo(
            kind, repo_id, private=private, **({"sdk": data["sdk"]} if "sdk" in data else {})
        )
        return reply(
            {"url": f"{self.url}/{prefix}{repo_id}", "name": repo_id, "id": sha(repo_id)[:24]}
        )

    def settings(self, req: Request, kind: str, repo: str) -> Response:
        found = self._writable(req, kind, repo)
        if isinstance(found, Response):
            return found
        data = req.json()
        if "visibility" in data:
            found.private = data["visibility"] == "private"
        if "gated" in data:
            found.meta["gated"] = data["gated"]
        return reply({})

    def refs(self, req: Request, kind: str, repo: str) -> Response:
        found = self._find(req, kind, repo)
        if isinstance(found, Response):
            return found

        def ref(name: str, sha: str, prefix: str) -> dict[str, str]:
            return {"name": name, "ref": f"refs/{prefix}/{name}", "targetCommit": sha}

        prs = [
            ref(str(d["num"]), sha(d["num"]), "pr") for d in found.discussions if d["isPullRequest"]
        ]
        return reply(
            {
                "branches": [ref(n, s, "heads") for n, s in found.branches.items()],
                "tags": [ref(n, s, "tags") for n, s in found.tags.items()],
                "converts": [],
                **({"pullRequests": prs} if req.arg("include_prs") else {}),
            }
        )

    def branch(self, req: Request, kind: str, repo: str, name: str) -> Response:
        found = self._writable(req, kind, repo)
        if isinstance(found, Response):
            return found
        name = unquote(name)
        if req.method == "DELETE":
            if found.branches.pop(name, None) is None:
                return error(404, f"Branch {name} not found", "RevisionNotFound")
            return reply({})
        if name in found.branches:
            return error(409, f"Reference already exists: refs/heads/{name}")
        found.branches[name] = found.branches.get(
            (req.json() or {}).get("startingPoint") or "main", sha(name)
        )
        return reply({})

    def tag(self, req: Request, kind: str, repo: str, name: str) -> Response:
        found = self._writable(req, kind, repo)
        if isinstance(found, Response):
            return found
        name = unquote(name)
        if req.method == "DELETE":
            if found.tags.pop(name, None) is None:
                return error(404, f"Tag {name} not found", "RevisionNotFound")
            return reply({})
        tag = req.json()["tag"]
        if tag in found.tags:
            return error(409, f"Tag {tag} already exists")
        found.tags[tag] = found.branches.get(name, name)
        return reply({})

    # --- discussions ------------------------------------------------------------------------

    def _new_discussion(self, repo: Repo, title: str, text: str, is_pr: bool) -> dict[str, Any]:
        event = {
            "id": sha(title, text),
            "type": "comment",
            "createdAt": now(),
            "author": {"name": "alice"},
            "data": {"edited": False, "hidden": False, "latest": {"raw": text}},
        }
        discussion = {
            "num": len(repo.discussions) + 1,
            "title": title,
            "status": "open",
            "author": {"name": "alice"},
            "createdAt": now(),
            "isPullRequest": is_pr,
            "repo": {"name": repo.id, "type": repo.kind[:-1]},
            "events": [event],
        }
        repo.discussions.append(discussion)
        return discussion

    def discussions(self, req: Request, kind: str, repo: str) -> Response:
        found = (
            self._find(req, kind, repo) if req.method == "GET" else self._writable(req, kind, repo)
        )
        if isinstance(found, Response):
            return found
        if req.method == "POST":
            data = req.json()
            made = self._new_discussion(
                found, data["title"], data["description"], data["pullRequest"]
            )
            return reply({"num": made["num"], "pullRequest": data["pullRequest"]})
        kind_filter, status = req.arg("type", "all"), req.arg("status", "all")
        items = [
            {k: v for k, v in d.items() if k != "events"}
            for d in found.discussions
            if kind_filter == "all" or d["isPullRequest"] == (kind_filter == "pull_request")
            if status == "all" or d["status"] == status
        ]
        return reply({"discussions": items, "count": len(items), "start": 0})

    def discussion(
        self, req: Request, kind: str, repo: str, num: str, action: str | None = None
    ) -> Response:
        found = self._find(req, kind, repo) if action is None else self._writable(req, kind, repo)
        if isinstance(found, Response):
            return found
        items = [d for d in found.discussions if d["num"] == int(num)]
        if not items:
            return error(404, "Discussion not found")
        item = items[0]
        if action == "comment":
            text = req.json()["comment"]
            event = {
                **item["events"][0],
                "id": sha(text),
                "data": {"edited": False, "hidden": False, "latest": {"raw": text}},
            }
            item["events"].append(event)
            return reply({"newMessage": event})
        if action == "merge":
            item["status"] = "merged"
            return reply({})
        changes = {"base": "refs/heads/main"}
        return reply(
            {
                **item,
                "changes": changes,
                "filesWithConflicts": [],
                "diff": "diff --git a/x b/x\n+new",
            }
        )
