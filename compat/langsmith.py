"""The compat module of langsmith: its generated packages load each name on first use.

`langsmith.types` (Stainless-generated) imports every type of LangSmith's API when its package
is imported; a run imports langsmith (through langchain-core) and needs none of them. Every
re-export-only package under `langsmith.` loads its names when first asked
(compat/lazy_packages.py), only while the installed langsmith is within `PIN`;
tests/compat/ fails, naming the package, when a release makes one load whole again.
"""

from __future__ import annotations

from compat.pins import Pin

PIN = Pin("langsmith", ">=0.15,<0.16")  # the release the packages were read in (via uv.lock)
GENERATED = "langsmith."
LAZY_PACKAGES = ("langsmith.types",)
