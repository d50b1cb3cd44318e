#!/usr/bin/env bash
# Installs one peer agent, pinned, in its own environment outside this repository, for
# `bench/ml_tasks/run.py --harness mini|mini-text|smolagents`:
#
#   bash bench/ml_tasks/peers/install.sh mini         # -> ~/ml-intern-peers/mini/venv
#   bash bench/ml_tasks/peers/install.sh smolagents   # -> ~/ml-intern-peers/smolagents/venv
#   PEERS=/opt/peers bash bench/ml_tasks/peers/install.sh mini
#
# PyPI only (uv venv + uv pip install NAME==VERSION); idempotent. The runner scripts beside this
# file (<name>_runner.py) are run with the venv's python; nothing of a peer is written inside
# this repository.
set -euo pipefail
PEERS=${PEERS:-$HOME/ml-intern-peers}
PYTHON=${PYTHON:-3.12}
case "${1:-}" in
  mini) PACKAGES=("mini-swe-agent==2.4.6") ;;
  smolagents) PACKAGES=("smolagents[litellm]==1.26.0") ;;
  *) echo "usage: $0 mini|smolagents" >&2; exit 2 ;;
esac
DEST="$PEERS/$1"
mkdir -p "$DEST"
if [ ! -x "$DEST/venv/bin/python" ]; then
  uv venv --quiet --python "$PYTHON" "$DEST/venv"
fi
uv pip install --quiet --python "$DEST/venv/bin/python" "${PACKAGES[@]}"
printf '%s\n' "${PACKAGES[@]}" > "$DEST/installed.txt"
echo "installed: ${PACKAGES[*]} in $DEST/venv"
