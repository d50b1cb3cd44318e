"""One module per graph node: small functions (state, runtime) -> state update, and their helpers.

The rules for weaker models are not here: their code is in adaptations/, the node applies them.
"""
