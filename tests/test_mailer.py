"""The digest by e-mail, received by a real SMTP server on loopback (aiosmtpd, STARTTLS, login)."""

import datetime as dt
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from pipelines.tagging import load_taxonomy
from portalwatch.core.config import Settings
from portalwatch.core.sources import load_sources
from portalwatch.reports.digest import build_digest, write_digest
from portalwatch.reports.mailer import MailError, send_digest
from portalwatch.store.sqlite import SQLiteStore
from tests.support import Inbox, PipelineRun


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def _authenticate(server: object, session: object, envelope: object, mechanism: str, data: object) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"tuyen-giao", b"mat-khau")
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[tuple[Inbox, int, Path]]:
    cert, key = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
                            authenticator=_authenticate, auth_require_tls=True)
    controller.start()
    yield inbox, port, cert
    controller.stop()


def test_digest_is_delivered_over_starttls_with_login(pipeline_run: PipelineRun, smtp: tuple, tmp_path: Path) -> None:
    inbox, port, cert = smtp
    settings = pipeline_run.settings.model_copy(update={
        "smtp_host": "127.0.0.1", "smtp_port": port, "smtp_username": "tuyen-giao", "smtp_password": "mat-khau",
        "smtp_ca_certs": cert, "mail_from": "portalwatch@binhgiang.test",
        "mail_to": "ban-tuyen-giao@binhgiang.test, bao@binhgiang.test"})
    store = SQLiteStore(settings.store_path)
    names = {s.id: s.name for s in load_sources(settings.sources_file)}
    digest = build_digest(store, "2026-W47", names, load_taxonomy(settings.taxonomy).names, [])
    store.close()
    write_digest(digest, tmp_path)
    assert send_digest(digest, tmp_path, settings) == ["ban-tuyen-giao@binhgiang.test", "bao@binhgiang.test"]

    envelope = inbox.received[0]
    assert envelope.rcpt_tos == ["ban-tuyen-giao@binhgiang.test", "bao@binhgiang.test"]
    message = message_from_bytes(envelope.content, policy=policy.default)
    assert message["Subject"] == "Bản tin theo dõi tuyên truyền tuần 2026-W47"
    assert message.get_body(("plain",)).get_content().startswith("# Bản tin theo dõi tuyên truyền tuần 2026-W47")
    html = message.get_body(("html",)).get_content()
    assert f"<strong>{digest.articles}</strong> bài viết" in html
    assert 'src="cid:topics@portalwatch"' in html and "data:image" not in html
    images = [part for part in message.walk() if part.get_content_type() == "image/png"]
    assert {part["Content-ID"] for part in images} == {"<topics@portalwatch>", "<coverage@portalwatch>"}
    assert all(part.get_content().startswith(b"\x89PNG") for part in images)

    wrong = settings.model_copy(update={"smtp_password": "sai"})
    with pytest.raises(MailError, match="từ chối đăng nhập"):
        send_digest(digest, tmp_path, wrong)
    unconfigured = Settings(data_dir=tmp_path)
    with pytest.raises(MailError, match="PORTALWATCH_SMTP_HOST"):
        send_digest(digest, tmp_path, unconfigured)
