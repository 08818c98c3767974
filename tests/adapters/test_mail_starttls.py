"""`SmtpMailer` over STARTTLS against a real aiosmtpd server that refuses mail on a plain connection.

The server's certificate is made for the test (self-signed, for 127.0.0.1). The mailer verifies
certificates against the system trust store, which OpenSSL reads from `SSL_CERT_FILE` when it is set:
that is how an operator trusts a private CA, and how the test trusts its throw-away certificate.
"""

from __future__ import annotations

import email
import email.policy
import ipaddress
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from lms_adapters.mail.smtp import SmtpMailer
from lms_core.emails.entities import OutgoingEmail
from lms_core.emails.errors import EmailDeliveryFailed
from tests.support.network import free_port

HOST = "127.0.0.1"


@dataclass(frozen=True)
class ThrowawayCertificate:
    certificate: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.certificate, self.key)
        return context


def make_certificate(directory: Path) -> ThrowawayCertificate:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "lms test SMTP server")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    paths = ThrowawayCertificate(certificate=directory / "server.pem", key=directory / "server.key")
    paths.certificate.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    paths.key.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


@dataclass
class TlsRecordingHandler:
    """Keeps each message with whether its session was encrypted when the data arrived."""

    received: list[tuple[Envelope, bool]] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.received.append((envelope, session.ssl is not None))
        return "250 Message accepted for delivery"


@pytest.fixture
def certificate(tmp_path: Path) -> ThrowawayCertificate:
    return make_certificate(tmp_path)


@pytest.fixture
def starttls_server(certificate: ThrowawayCertificate) -> Iterator[tuple[Controller, TlsRecordingHandler]]:
    handler = TlsRecordingHandler()
    controller = Controller(
        handler, hostname=HOST, port=free_port(), tls_context=certificate.server_context(), require_starttls=True
    )
    controller.start()
    try:
        yield controller, handler
    finally:
        controller.stop()


def message(subject: str = "Over TLS") -> OutgoingEmail:
    return OutgoingEmail(
        sender="no-reply@academy.test", to="ada@example.com", subject=subject, html="<p>Hi</p>", text="Hi"
    )


async def test_mail_arrives_over_starttls_when_the_server_requires_it(
    starttls_server: tuple[Controller, TlsRecordingHandler],
    certificate: ThrowawayCertificate,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    controller, handler = starttls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate.certificate))
    mailer = SmtpMailer.from_url(f"smtp://{HOST}:{controller.port}?starttls=true")
    assert mailer.start_tls is True

    await mailer.send(message())

    [(envelope, encrypted)] = handler.received
    assert encrypted, "the message was handed over before STARTTLS"
    assert envelope.rcpt_tos == ["ada@example.com"]
    content = envelope.original_content or envelope.content
    assert isinstance(content, bytes)
    assert email.message_from_bytes(content, policy=email.policy.default)["Subject"] == "Over TLS"


async def test_starttls_is_used_when_offered_without_being_asked_for(
    starttls_server: tuple[Controller, TlsRecordingHandler],
    certificate: ThrowawayCertificate,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    controller, handler = starttls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate.certificate))

    await SmtpMailer.from_url(f"smtp://{HOST}:{controller.port}").send(message("Opportunistic"))

    [(_, encrypted)] = handler.received
    assert encrypted


async def test_an_untrusted_server_certificate_is_refused(
    starttls_server: tuple[Controller, TlsRecordingHandler], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    controller, handler = starttls_server
    # Trust only an unrelated certificate: the server's own is then unknown, as a forged one would be.
    (tmp_path / "stranger").mkdir()
    stranger = make_certificate(tmp_path / "stranger")
    monkeypatch.setenv("SSL_CERT_FILE", str(stranger.certificate))

    with pytest.raises(EmailDeliveryFailed) as caught:
        await SmtpMailer.from_url(f"smtp://{HOST}:{controller.port}?starttls=true").send(message())

    assert caught.value.code == "emails.delivery_failed"
    assert handler.received == []


async def test_requiring_starttls_from_a_server_without_it_fails() -> None:
    handler = TlsRecordingHandler()
    controller = Controller(handler, hostname=HOST, port=free_port())
    controller.start()
    try:
        with pytest.raises(EmailDeliveryFailed):
            await SmtpMailer.from_url(f"smtp://{HOST}:{controller.port}?starttls=true").send(message())
    finally:
        controller.stop()
    assert handler.received == []
