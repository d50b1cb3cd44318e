"""The typed shape of the config's `sandbox` block (how the agent's commands are contained).

Kept free of heavy imports: `ml-intern --help` loads settings.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class SandboxSettings(BaseModel):
    """`mode: "local"` runs every command the agent starts under bubblewrap (Linux)."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    mode: Literal["off", "local"] = "off"
    # Off: the command gets its own network namespace with no way out (not even loopback).
    network: bool = False
    # Extra paths writable inside the sandbox besides the workspace (e.g. a dataset cache).
    writable: list[str] = Field(default_factory=list)
    # Extra paths hidden inside the sandbox, besides the built-in credential locations.
    hidden: list[str] = Field(default_factory=list)
    # Environment variables passed in as they are, besides the built-in harmless ones (path,
    # locale, tool settings such as PIP_INDEX_URL); e.g. ["WANDB_API_KEY"] to log runs. Any
    # other variable, and every secret-looking one, stays outside.
    env_allow: list[str] = Field(default_factory=list)
    # True: code inside the walls still asks for approval as it would without them (a server
    # puts its walls up this way when its config did not choose the sandbox: serve/server_walls.py).
    still_ask: bool = False
