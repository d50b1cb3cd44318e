"""What the model can call: one module per tool, grouped in families, with the approval policy."""
