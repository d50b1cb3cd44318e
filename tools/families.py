"""The built-in toolset: each family lists its own tools; this joins them in the model's order.

Adding a tool is one module (its `ToolSpec`) plus one line in its family's list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tools.catalog import ToolCatalog
from tools.external.family import external_specs
from tools.hub.family import hub_specs
from tools.local.family import local_specs
from tools.local.sandbox import Sandbox
from tools.secret_paths import allow_secret_paths

if TYPE_CHECKING:
    from configs.settings import Settings


def build_catalog(settings: Settings) -> ToolCatalog:
    """Local files, shell and plan; the Hugging Face tools; GitHub and Slack."""
    allow_secret_paths(settings.approval.allow_secret_paths)
    sandbox = Sandbox.from_settings(settings.sandbox)
    return ToolCatalog([*local_specs(sandbox), *hub_specs(settings), *external_specs(settings)])
