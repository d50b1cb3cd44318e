"""What writes the docs site's generated pages (see docs/generate.py)."""
