"""An optional TLS connection (PS3.15 B.1) on loopback with a self-made certificate: echo works when
the certificate is trusted and fails with a clear message when it is not."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl

import pytest
from pynetdicom import AE
from pynetdicom.sop_class import Verification

from planner.pacs import PacsConnectError, PacsNode, PacsSettings, Timeouts, echo
from tests.pacs.conftest import LOOPBACK, free_port


def _self_signed(folder):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-pacs")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(LOOPBACK))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "pacs.crt", folder / "pacs.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture()
def tls_server(tmp_path):
    cert, key = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    ae = AE("TLSPACS")
    ae.add_supported_context(Verification)
    port = free_port()
    server = ae.start_server((LOOPBACK, port), block=False, ssl_context=context)
    try:
        yield port, cert
    finally:
        server.shutdown()


def _settings(port, ca, tmp_path):
    node = PacsNode("tls", "TLSPACS", LOOPBACK, port, tls=True, tls_ca_file=str(ca) if ca else "")
    return PacsSettings(local_ae_title="PLANNERTEST", nodes=(node,), cache_dir=str(tmp_path / "cache"),
                        timeouts=Timeouts(connect_s=3, acse_s=3, dimse_s=5, network_s=10))


def test_echo_over_tls_with_a_trusted_certificate(tls_server, tmp_path):
    port, cert = tls_server
    settings = _settings(port, cert, tmp_path)
    assert echo(settings, settings.nodes[0]) > 0


def test_untrusted_certificate_is_refused_in_words(tls_server, tmp_path):
    port, _cert = tls_server
    settings = _settings(port, None, tmp_path)  # the system's authorities do not know our certificate
    with pytest.raises(PacsConnectError, match="TLS connection .* could not be set up"):
        echo(settings, settings.nodes[0])


def test_tls_settings_round_trip_and_missing_files_are_named(tmp_path):
    node = PacsNode("tls", "TLSPACS", LOOPBACK, 2762, tls=True, tls_ca_file=str(tmp_path / "missing.pem"))
    settings = PacsSettings(nodes=(node,))
    assert PacsSettings.from_json({**settings.to_json(), "nodes": [dict(settings.to_json()["nodes"][0],
                                                                        tls_ca_file="")]}).nodes[0].tls
    from planner.pacs import PacsSettingsError

    with pytest.raises(PacsSettingsError, match="missing.pem"):
        settings.validated()
