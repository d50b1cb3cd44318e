"""The sandbox Space's runtime: a small HTTP server that runs commands and moves files.

ml-intern uploads this file unchanged as `server.py` of every sandbox Space it creates
(tools/hub/sandbox_lifecycle.py); there it runs with the standard library only, on port 7860.
The tests run the same handler on 127.0.0.1 (tests/fakes/sandbox_runtime.py).

Every request must carry `X-Sandbox-Key`: the random key the tool made when it created the
Space, given to the Space as the secret ML_INTERN_SANDBOX_KEY. The Space is private, so the
Hub's proxy has already checked the owner's token (sent as X-HF-Authorization, which the
proxy removes: it never arrives here) before a request does. The key is kept out of every
environment a command can read (`take_key`): not in the commands' own, and not in
/proc/<pid>/environ of this server, which a command could read as the same user. It guards
this HTTP API, not the sandbox from its own commands: they run as the same user, and can do
all the API does anyway.

    GET  /health         {"ok": true, "workdir": ..., "python": ..., "gpu": [...], "uptime_s": n}
    POST /exec           {"command": "...", "timeout": seconds} -> text/event-stream, chunked:
                         data: {"out": "<line>"} for each line of output (stderr merged),
                         ": ping" comments while a command is quiet, and at the end
                         data: {"exit": <code>, "timed_out": <bool>}
    GET  /files?path=P   the file's bytes (404 when missing, 400 for a directory)
    PUT  /files?path=P   the body becomes the file, parents made: {"path": ..., "bytes": n}

Relative paths are under the work directory ($ML_INTERN_SANDBOX_WORKDIR, default /tmp/work).
A command runs with bash in its own process group; at its timeout, or when the client goes
away, the group is killed. Background processes whose output goes to a file keep running.
"""

from __future__ import annotations

import codecs
import contextlib
import hmac
import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

KEY_ENV = "ML_INTERN_SANDBOX_KEY"
KEY_HEADER = "X-Sandbox-Key"
KEY_FD_FLAG = "--key-fd"
PORT = 7860
PING_S = 10.0  # a comment this often keeps proxies and the client's read timeout happy
DRAIN_S = 0.5  # after bash exits, output still arriving this soon is kept
KILL_GRACE_S = 2.0
MAX_TIMEOUT_S = 6 * 3600
MAX_BODY = 1 << 30


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        key: str,
        workdir: Path,
        handler: type | None = None,
        gpu: list[str] | None = None,
    ) -> None:
        super().__init__(address, handler or RuntimeHandler)
        self.key = key
        self.workdir = workdir
        self.started = time.monotonic()
        self.gpu = gpu_names() if gpu is None else gpu


def gpu_names() -> list[str]:
    """`nvidia-smi -L` lines, or [] where there is no GPU."""
    try:
        found = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return []
    return [line for line in found.stdout.splitlines() if line.strip()]


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the command's process group, then SIGKILL what is left."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(KILL_GRACE_S)
            return


def pump(stream: Any, lines: queue.Queue[str | None]) -> None:
    """Output as lines (a `\\r` progress bar keeps its last state); None at the end."""
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    pending = ""
    while chunk := os.read(stream.fileno(), 65536):
        pending += decoder.decode(chunk)
        *done, pending = pending.split("\n")
        for line in done:
            lines.put(line.rstrip("\r").rsplit("\r", 1)[-1])
    pending += decoder.decode(b"", True)
    if pending:
        lines.put(pending)
    lines.put(None)


class RuntimeHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Each output line goes out as it comes, and a body right after its headers: with Nagle's
    # algorithm a small write waited for the ACK of the one before (40 ms on a delayed ACK).
    disable_nagle_algorithm = True
    server: SandboxServer

    def log_message(self, format: str, *args: Any) -> None:
        """No access log: the Space's logs show the commands' own output only."""

    def do_GET(self) -> None:
        self.route("GET")

    def do_POST(self) -> None:
        self.route("POST")

    def do_PUT(self) -> None:
        self.route("PUT")

    def route(self, method: str) -> None:
        self.close_connection = True
        parts = urlsplit(self.path)
        if not self.authorized():
            self.reply(403, {"error": f"wrong or missing {KEY_HEADER}"})
            return
        routes = {
            ("GET", "/health"): self.health,
            ("POST", "/exec"): self.run_command,
            ("GET", "/files"): self.read_file,
            ("PUT", "/files"): self.write_file,
        }
        action = routes.get((method, parts.path))
        if action is None:
            self.reply(404, {"error": f"no route for {method} {parts.path}"})
            return
        action(parse_qs(parts.query))

    def authorized(self) -> bool:
        given = self.headers.get(KEY_HEADER, "")
        return bool(self.server.key) and hmac.compare_digest(given, self.server.key)

    # --- answers ----------------------------------------------------------------------------

    def reply(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def event(self, body: dict[str, Any]) -> None:
        self.chunk(b"data: " + json.dumps(body).encode() + b"\n\n")

    def target(self, query: dict[str, list[str]]) -> Path | None:
        raw = (query.get("path") or [""])[0]
        if not raw:
            self.reply(400, {"error": "give the file as ?path=..."})
            return None
        return self.server.workdir / Path(raw).expanduser()

    # --- routes -----------------------------------------------------------------------------

    def health(self, _query: dict[str, list[str]]) -> None:
        self.reply(
            200,
            {
                "ok": True,
                "workdir": str(self.server.workdir),
                "python": sys.version.split()[0],
                "gpu": self.server.gpu,
                "uptime_s": int(time.monotonic() - self.server.started),
            },
        )

    def run_command(self, _query: dict[str, list[str]]) -> None:
        try:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
            command, timeout = body["command"], float(body.get("timeout") or 600)
        except (ValueError, KeyError, TypeError):
            self.reply(400, {"error": 'send {"command": "...", "timeout": seconds}'})
            return
        self.send_response(200)
        for name, value in (
            ("Content-Type", "text/event-stream"),
            ("Cache-Control", "no-cache"),
            ("X-Accel-Buffering", "no"),
            ("Transfer-Encoding", "chunked"),
            ("Connection", "close"),
        ):
            self.send_header(name, value)
        self.end_headers()
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        proc = subprocess.Popen(
            ["bash", "-c", str(command)],
            cwd=self.server.workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            timed_out = self.stream(proc, min(max(timeout, 1.0), MAX_TIMEOUT_S))
            self.event({"exit": proc.wait(), "timed_out": timed_out})
            self.chunk(b"")
        except OSError:
            pass  # the client went away: the command goes too (below)
        finally:
            if proc.poll() is None:
                kill_group(proc)

    def stream(self, proc: subprocess.Popen[bytes], timeout: float) -> bool:
        """Send the output as it comes until bash exits; True if it had to be killed."""
        lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=pump, args=(proc.stdout, lines), daemon=True).start()
        deadline, timed_out = time.monotonic() + timeout, False
        while True:
            wait = PING_S if proc.poll() is None else DRAIN_S
            try:
                line = lines.get(timeout=max(0.01, min(wait, deadline - time.monotonic())))
            except queue.Empty:
                if proc.poll() is not None:
                    return timed_out  # bash is done; a background child may hold the pipe
                if time.monotonic() >= deadline:
                    kill_group(proc)
                    deadline, timed_out = float("inf"), True
                else:
                    self.chunk(b": ping\n\n")
                continue
            if line is None:
                return timed_out
            self.event({"out": line})

    def read_file(self, query: dict[str, list[str]]) -> None:
        path = self.target(query)
        if path is None:
            return
        if path.is_dir():
            self.reply(400, {"error": f"{path} is a directory; list it with exec `ls`"})
            return
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            self.reply(404, {"error": f"{path} does not exist"})
            return
        except OSError as exc:
            self.reply(400, {"error": f"cannot read {path}: {exc.strerror}"})
            return
        with handle:
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(os.fstat(handle.fileno()).st_size))
            self.send_header("Connection", "close")
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                shutil.copyfileobj(handle, self.wfile)  # the client may stop reading early

    def write_file(self, query: dict[str, list[str]]) -> None:
        path = self.target(query)
        if path is None:
            return
        size = int(self.headers.get("Content-Length") or 0)
        if size > MAX_BODY:
            self.reply(413, {"error": f"files over {MAX_BODY} bytes are refused"})
            return
        data = self.rfile.read(size)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f".{path.name}.partial")
            partial.write_bytes(data)
            os.replace(partial, path)
        except OSError as exc:
            self.reply(400, {"error": f"cannot write {path}: {exc.strerror}"})
            return
        self.reply(200, {"path": str(path), "bytes": len(data)})


def take_key() -> str:
    """The key, from ML_INTERN_SANDBOX_KEY, kept where no command can read it.

    Removing a variable from os.environ does not change /proc/<pid>/environ: the key given at
    start would stay there for as long as the server runs. So the first start puts the key
    in a pipe and re-executes this file without the variable (same process id); the new
    image reads the key from the pipe, whose descriptor number `--key-fd` names, and closes it.
    """
    if KEY_FD_FLAG in sys.argv:
        fd = int(sys.argv[sys.argv.index(KEY_FD_FLAG) + 1])
        with os.fdopen(fd, "rb") as pipe:
            return pipe.read().decode()
    key = os.environ.pop(KEY_ENV, "")
    if not key:
        return ""
    read, write = os.pipe()
    os.write(write, key.encode())  # a few dozen bytes: far below the pipe's buffer
    os.close(write)
    os.set_inheritable(read, True)
    script = os.path.abspath(__file__)
    os.execve(sys.executable, [sys.executable, script, KEY_FD_FLAG, str(read)], dict(os.environ))


def main() -> None:
    key = take_key()
    if not key:
        print(f"{KEY_ENV} is not set: every request will be refused.", file=sys.stderr)
    workdir = Path(os.environ.get("ML_INTERN_SANDBOX_WORKDIR", "/tmp/work"))
    workdir.mkdir(parents=True, exist_ok=True)
    Path(os.environ.get("HOME", "/tmp/home")).mkdir(parents=True, exist_ok=True)
    port = int(os.environ.get("PORT") or PORT)
    print(f"sandbox runtime on :{port}, work directory {workdir}", file=sys.stderr)
    SandboxServer(("0.0.0.0", port), key, workdir).serve_forever()


if __name__ == "__main__":
    main()
