"""One module per graph node: small functions (state, runtime) -> state update."""
