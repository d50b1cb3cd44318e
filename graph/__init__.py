"""The agent runtime: the compiled graph, its state and events, the session that drives a thread."""
