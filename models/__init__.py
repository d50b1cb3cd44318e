"""The model client: a chat model per model id, its request path, stream, errors, usage and litellm's patches.

`messages.py` holds the harness's conventions on the messages it sends (notes, a content's text).
"""
