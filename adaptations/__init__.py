"""The harness's rules for weaker models, declared in one place (`registry.py`).

A rule (`rule.Rule`) is one object: its name, which model profiles and roles it serves, why it
exists, the texts it adds, and its class's hooks (`shape`, `note_lines`, `before_model`,
`wrap_model_call`, `after_model`, `check_reply`, `wrap_tool_call`, `policy`, `loop_guard`, and
the tool hooks of tools/tool_rules.py). `resolve.active` resolves a model's rules once per
model and role; each node and tool runs one loop over them at its hook, never asking for a
rule by name. Config `"adaptations": {"<model id>": {"<rule>": false}}` switches one off;
`ml-intern models show ID` lists them.
"""
