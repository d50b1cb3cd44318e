"""Configuration: defaults, user files, the system prompt.

Every layer imports `configs` first, so what litellm reads at import time is set here:
without LITELLM_LOCAL_MODEL_COST_MAP it downloads a price list; in its default "DEV" mode
it loads a `.env` it finds by walking up from its own install directory (a user's `~/.env`
for a tool install), secrets we would not know to mask. We load `.env` files ourselves
(configs/environment.py), so litellm runs in "PRODUCTION" mode, which only skips that load.
"""

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_MODE", "PRODUCTION")
