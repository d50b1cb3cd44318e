# ml-intern's web UI on a Hugging Face Space (docker SDK, port 7860, Sign in with HF).
# The Space's README.md is space/README.md; see "Deploy as a Hugging Face Space" in docs/web.md.
FROM python:3.12-slim

# uv installs exactly what uv.lock says (Docker Hub and ghcr.io must be reachable to build).
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /uvx /usr/local/bin/

# bubblewrap: a server runs the agent's code only inside its sandbox (serve/server_walls.py);
# without it (or without user namespaces) the code-running tools say so and run nothing.
RUN apt-get update && apt-get install -y --no-install-recommends bubblewrap \
    && rm -rf /var/lib/apt/lists/*

# Spaces run the container as uid 1000: everything the app writes belongs to that user.
RUN useradd --create-home --uid 1000 user
USER user
ENV HOME=/home/user \
    PATH=/home/user/app/.venv/bin:$PATH \
    ML_INTERN_HOME=/home/user/ml-intern \
    ML_INTERN_CLI_CONFIG=/home/user/app/space/cli_agent_config.json \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    PYTHONUNBUFFERED=1
WORKDIR /home/user/app

# Dependencies first (a code change does not reinstall them), as locked, without dev tools.
COPY --chown=user pyproject.toml uv.lock README.md .python-version ./
RUN uv sync --frozen --no-dev --no-install-project
COPY --chown=user . .
RUN uv sync --frozen --no-dev && mkdir -p "$ML_INTERN_HOME" /home/user/workspace

# The agent's workspace. Threads live in $ML_INTERN_HOME: with persistent storage, set
# ML_INTERN_HOME=/data/ml-intern in the Space's variables to keep them across restarts.
WORKDIR /home/user/workspace
EXPOSE 7860
CMD ["ml-intern", "web", "--host", "0.0.0.0", "--port", "7860"]
