"""The `call` rules: a tool call a small model sends answered or held instead of run (a repeat,
a blind change, a second skill, a change to a file the request keeps)."""
