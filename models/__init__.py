"""The model client: a chat model per model id, its request path, stream, errors, usage and litellm's patches."""
