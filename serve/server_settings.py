"""The settings a server process runs with: the CLI's, with the model `ml-intern web --model`
or `ml-intern studio --model` chose (ML_INTERN_MODEL in the server's environment), and the
sandbox on whatever the config says (serve/server_walls.py).

Every part of the server (the graph, the web actions' child processes, the model picker)
reads them here, so the page, Studio and the thread's default agree on the model.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from configs.settings import load_settings
from serve.server_walls import walled

if TYPE_CHECKING:
    from configs.settings import Settings

MODEL_ENV = "ML_INTERN_MODEL"


def server_settings() -> Settings:
    """The CLI's settings, walled; the model from ML_INTERN_MODEL when set."""
    return walled(load_settings(overrides={"model_name": os.environ.get(MODEL_ENV) or None}))
