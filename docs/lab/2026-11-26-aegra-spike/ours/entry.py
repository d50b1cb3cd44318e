# Aegra imports graph files by path under a private module name (aegra_graphs.<id>);
# re-export so serve.studio is imported once, under its own name.
from serve.studio import make_graph  # noqa: F401
