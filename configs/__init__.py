"""Configuration: defaults, user files, the system prompt.

litellm fetches a price list from the internet when imported unless this is set;
every layer imports `configs` first, so setting it here covers them all.
"""

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
