"""The harness's rules for weaker models, declared in one place (`registry.py`).

A rule (`rule.Rule`) is one object: its name, the hook it works at, which model profiles it
applies to, why it exists, and the text it adds (so its token cost can be counted). A
model's profile carries the names of its active rules (`resolve.adapted`); the call sites
ask `profile.uses(name)` (tools: `CallContext.uses(name)`), never `small_window`. Config
`"adaptations": {"<model id>": {"<rule>": false}}` switches one off;
`ml-intern models show ID` lists them.
"""
