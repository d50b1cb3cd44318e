"""The model clients' TLS context: httpx's verification, its certificates loaded only when a
TLS connection starts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from models.tls import CertificatesOnFirstUse
from tests.fakes.web_server import Page, WebServer, localhost_tls


async def _get(url: str, context: CertificatesOnFirstUse) -> httpx.Response:
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
