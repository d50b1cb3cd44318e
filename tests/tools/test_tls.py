"""The TLS context of every HTTP client of ours: httpx's verification, its certificates loaded
only when a TLS connection starts, from where they come from when a client is made."""

from __future__ import annotations

import ast
import asyncio
import ssl
from pathlib import Path

import httpx
import pytest

from tests.fakes.web_server import Page, WebServer, localhost_tls
from tools.tls import CertificatesOnFirstUse


async def _get(url: str, context: ssl.SSLContext) -> httpx.Response:
    async with httpx.AsyncClient(verify=context, trust_env=False) as client:
        return await client.get(url)


def _serials(context: object) -> list[str]:
    return sorted(ca["serialNumber"] for ca in context.get_ca_certs())  # type: ignore[attr-defined]


def test_certificates_load_at_the_first_tls_connection_and_verify_as_httpx_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server_context, ca_file = localhost_tls(tmp_path)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
    trusting = CertificatesOnFirstUse()  # SSL_CERT_FILE is read when the context is made
    monkeypatch.delenv("SSL_CERT_FILE")
    default = CertificatesOnFirstUse()  # certifi's, which do not know the test certificate
    assert trusting.get_ca_certs() == [] == default.get_ca_certs()  # nothing loaded yet
    with WebServer(ssl_context=server_context) as web:
        web.routes["/v1/models"] = Page('{"data": []}', content_type="application/json")
        url = f"https://localhost:{web.port}/v1/models"
        assert asyncio.run(_get(url, trusting)).json() == {"data": []}
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            asyncio.run(_get(url, default))
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            httpx.get(url, verify=CertificatesOnFirstUse(), trust_env=False)  # a sync client
    expected = httpx.create_ssl_context()
    assert _serials(default) == _serials(expected) != []
    assert (default.verify_mode, default.check_hostname, default.options) == (
        expected.verify_mode,
        expected.check_hostname,
        expected.options,
    )


def test_every_http_client_the_product_makes_verifies_with_this_context() -> None:
    """Each `httpx.Client`/`AsyncClient` in the product's code is given `verify=` from here, so
    none parses the certificate bundle when it is made (a new client a tool call did)."""
    from tests.product_sources import parsed, product_files, walked

    made = []
    for path in product_files():
        for node in walked(parsed(path)):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("Client", "AsyncClient")
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "httpx"
            ):
                verify = next((k.value for k in node.keywords if k.arg == "verify"), None)
                named = ast.unparse(verify) if verify is not None else "(httpx's default)"
                made.append((f"{path.name}:{node.lineno}", named))
    assert len(made) >= 10
    assert [m for m in made if m[1] != "verifying_context()"] == []


def test_a_certificate_file_named_later_is_trusted_by_the_next_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SSL_CERT_FILE set after a first client was made still decides what the next one trusts,
    as with httpx's own default."""
    from tools.tls import verifying_context

    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    server_context, ca_file = localhost_tls(tmp_path)
    with WebServer(ssl_context=server_context) as web:
        web.routes["/v1/models"] = Page('{"data": []}', content_type="application/json")
        url = f"https://localhost:{web.port}/v1/models"
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            asyncio.run(_get(url, verifying_context()))
        monkeypatch.setenv("SSL_CERT_FILE", str(ca_file))
        assert asyncio.run(_get(url, verifying_context())).json() == {"data": []}
