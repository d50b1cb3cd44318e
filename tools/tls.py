"""The TLS context every HTTP client of ml-intern's verifies servers with: httpx's default one,
its CA certificates loaded when the first TLS connection starts instead of when a client is
made, and made once a process for each place the certificates come from.

Loading them parses the whole bundle (~150 certificates, 20-45 ms of CPU), which a run that
only talks to an http:// server (a local llama.cpp, vLLM or Ollama, a scripted test server)
never needs: it was ~15% of such a run's start-up CPU, and a tool that made a client a call
(`web_fetch`, `github_*`, `sandbox_space`, `trackio`) paid it each call. What a TLS connection
verifies is unchanged: the same certificates (SSL_CERT_FILE, else SSL_CERT_DIR, else
certifi's, read when a client is made, as httpx reads them) are in before its handshake, with
the hostname checked and a certificate required.
"""

from __future__ import annotations

import functools
import os
import ssl
import sys
import threading
from collections.abc import Mapping
from typing import Any


class CertificatesOnFirstUse(ssl.SSLContext):
    """A client context as `httpx.create_ssl_context()` makes it, loading its CA certificates
    before the first socket or BIO it wraps."""

    def __new__(cls, locations: Mapping[str, str] | None = None) -> CertificatesOnFirstUse:
        return super().__new__(cls, ssl.PROTOCOL_TLS_CLIENT)

    def __init__(self, locations: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._locations = dict(locations) if locations is not None else _httpx_locations()
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


def verifying_context() -> ssl.SSLContext:
    """The context for where the CA certificates come from now, made on its first use."""
    return _context_for(tuple(sorted(_httpx_locations().items())))


@functools.cache
def _context_for(locations: tuple[tuple[str, str], ...]) -> ssl.SSLContext:
    return CertificatesOnFirstUse(dict(locations))
