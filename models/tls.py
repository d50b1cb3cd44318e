"""The TLS context ml-intern's own model clients verify servers with: httpx's default one,
its CA certificates loaded when the first TLS connection starts instead of when a client is
made.

Loading them parses the whole bundle (~150 certificates, 25-45 ms of CPU), which a run that
only talks to an http:// server (a local llama.cpp, vLLM or Ollama, a scripted test server)
never needs: it was ~15% of such a run's start-up CPU. What a TLS connection verifies is
unchanged: the same certificates (SSL_CERT_FILE, else SSL_CERT_DIR, else certifi's, read when
the context is made, as httpx reads them) are in before its handshake, with the hostname
checked and a certificate required.
"""

from __future__ import annotations

import functools
import os
import ssl
import sys
import threading
from typing import Any


class CertificatesOnFirstUse(ssl.SSLContext):
    """A client context as `httpx.create_ssl_context()` makes it, loading its CA certificates
    before the first socket or BIO it wraps."""

    def __new__(cls) -> CertificatesOnFirstUse:
        return super().__new__(cls, ssl.PROTOCOL_TLS_CLIENT)

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._locations = _httpx_locations()
        self._loaded = False
        keylog = os.environ.get("SSLKEYLOGFILE")  # as ssl.create_default_context reads it
        if keylog and not sys.flags.ignore_environment:
            self.keylog_filename = keylog

    def load_now(self) -> None:
        """Load the certificates if not yet (every wrap does this first)."""
        with self._lock:
            if not self._loaded:
                self.load_verify_locations(**self._locations)
                self._loaded = True

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        self.load_now()
        return super().wrap_socket(*args, **kwargs)

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:
        self.load_now()
        return super().wrap_bio(*args, **kwargs)


def _httpx_locations() -> dict[str, str]:
    """Where httpx's default context (`verify=True`, `trust_env=True`) takes its CAs from."""
    if cafile := os.environ.get("SSL_CERT_FILE"):
        return {"cafile": cafile}
    if capath := os.environ.get("SSL_CERT_DIR"):
        return {"capath": capath}
    import certifi

    return {"cafile": certifi.where()}


@functools.cache
def verifying_context() -> ssl.SSLContext:
    """This process's context for the model clients, made on first use."""
    return CertificatesOnFirstUse()
