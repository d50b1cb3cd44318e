"""The file Aegra's config names for the graph. Aegra loads a graph file by path under a
module name of its own, which would run a module's body twice; this one only re-exports."""

from serve.aegra.team_graph import make_graph

__all__ = ["make_graph"]
