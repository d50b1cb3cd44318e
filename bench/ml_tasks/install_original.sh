#!/usr/bin/env bash
# Installs the original ml-intern (github.com/huggingface/ml-intern), pinned to its last commit,
# in its own environment outside this repository, for `run.py --harness original`.
#
#   bash bench/ml_tasks/install_original.sh            # -> ~/ml-intern-original/venv/bin/ml-intern
#   DEST=/opt/original MIRROR=/path/to/ml-intern.git bash bench/ml_tasks/install_original.sh
#
# Source: a local git copy of the repository (MIRROR: a bare repo or a checkout's .git) when
# given, else a clone from GitHub. Dependencies: the original's own uv.lock (PyPI only), on the
# Python 3.11 found here (the repo pins 3.12 in .python-version; its pyproject accepts >=3.11).
# Idempotent. Nothing of the original is written inside this repository.
#
# Offline, the runner gives it a user config (offline_config.json, written here): no session
# uploads to the Hub, no trace sharing, no automatic file uploads. Its default config also
# names a remote MCP server (https://huggingface.co/mcp); a user config cannot remove a server
# (configs are deep-merged), so this script removes it from the installed default config.
set -euo pipefail
COMMIT=${COMMIT:-d9283ec565bf622e79af3eed539744c93398ce00}  # 2026-06-13, "Bump the actions group..."
DEST=${DEST:-$HOME/ml-intern-original}
MIRROR=${MIRROR:-/work/.mirror/huggingface+ml-intern/repo}
PYTHON=${PYTHON:-3.11}
mkdir -p "$DEST"
if [ ! -f "$DEST/src/.commit" ] || [ "$(cat "$DEST/src/.commit")" != "$COMMIT" ]; then
  rm -rf "$DEST/src" && mkdir -p "$DEST/src"
  if [ -d "$MIRROR" ]; then
    git --git-dir="$MIRROR" archive "$COMMIT" | tar -x -C "$DEST/src"
  else
    git clone --quiet https://github.com/huggingface/ml-intern "$DEST/clone"
    git -C "$DEST/clone" archive "$COMMIT" | tar -x -C "$DEST/src"
  fi
  echo "$COMMIT" > "$DEST/src/.commit"
fi
# (no cd: the src folder's .python-version would redirect a pyenv shim)
UV_PROJECT_ENVIRONMENT="$DEST/venv" uv sync --directory "$DEST/src" --frozen --no-dev \
  --python "$PYTHON" --quiet
# The installed default config: drop the remote MCP server (see above).
"$DEST/venv/bin/python" -I - <<'PY'  # -I: not our own configs package from the cwd
import json, pathlib, configs
path = pathlib.Path(configs.__file__).parent / "cli_agent_config.json"
config = json.loads(path.read_text())
config["mcpServers"] = {}
path.write_text(json.dumps(config, indent=2) + "\n")
print("default config without MCP servers:", path)
PY
cat > "$DEST/offline_config.json" <<'JSON'
{"save_sessions": false, "share_traces": false, "auto_file_upload": false, "mcpServers": {}}
JSON
echo "installed: $DEST/venv/bin/ml-intern (commit $COMMIT)"
