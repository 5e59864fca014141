"""Web push endpoints are URLs a signed-in person chooses and the worker later POSTs to: only the
browsers' push services on the public internet are called, checked again at every send."""

from __future__ import annotations

import socket

import pytest
from django_tenants.utils import tenant_context

from conversations import services
from conversations.models import Conversation, PushSubscription
from conversations.push import push_send
from tests.conversations.test_companion_app import ana, sign_in  # noqa: F401 (ana is a fixture)
from tests.servers.push import Browser, PushService

pytestmark = pytest.mark.django_db
PUBLIC = "93.184.215.14"


@pytest.fixture
def dns(monkeypatch):
    """Names resolve to what the test says; every other name as usual (the database, Redis)."""
    answers: dict[str, str] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


def subscription(endpoint: str) -> dict:
    return {
        "endpoint": endpoint,
        "keys": {"p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA", "auth": "tBHItJI5svbpez7KI4CCXg"},
    }


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://127.0.0.1:8499/internal/reset",
        "https://127.0.0.1:8499/internal/reset",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::ffff:127.0.0.1]/push",
        "https://evil.example.com/push/abc",
        "https://fcm.googleapis.com.evil.example.com/fcm/send/abc",
        "https://evilpush.apple.com/3/device/abc",
        "http://fcm.googleapis.com/fcm/send/abc",
        "https://user:secret@fcm.googleapis.com/fcm/send/abc",
        "https://fcm.googleapis.com:99999/fcm/send/abc",
        "https://internal.fcm.googleapis.com/fcm/send/abc",
        "ftp://fcm.googleapis.com/fcm/send/abc",
    ],
)
def test_it_refuses_endpoints_that_are_not_a_public_push_service(alpha, ana, dns, endpoint):  # noqa: F811
    dns.update(
        {"evil.example.com": PUBLIC, "fcm.googleapis.com.evil.example.com": PUBLIC, "evilpush.apple.com": PUBLIC}
    )
    client = sign_in(alpha, "ana@example.com")
    response = client.post("/app/push/", subscription(endpoint), content_type="application/json")
    assert response.status_code == 400, response.content
    with tenant_context(alpha.creator):
        assert not PushSubscription.objects.exists()


def test_a_push_service_name_that_resolves_inside_the_network_is_refused(alpha, ana, dns):  # noqa: F811
    dns["fcm.googleapis.com"] = "10.0.0.7"
    client = sign_in(alpha, "ana@example.com")
    response = client.post(
        "/app/push/", subscription("https://fcm.googleapis.com/fcm/send/abc"), content_type="application/json"
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://fcm.googleapis.com/fcm/send/fv3jabydF5c:APA91b",
        "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABk",
        "https://web.push.apple.com/QGuBJ3dFVmxbc2FtZXRva2Vu",
        "https://wns2-par02p.notify.windows.com/w/?token=BQYAAAB",
        "https://push.example.net/send/abc",
        "https://eu.relay.example.org/send/abc",
    ],
)
def test_the_browsers_push_services_and_configured_ones_are_accepted(alpha, ana, dns, settings, endpoint):  # noqa: F811
    settings.WEBPUSH_ALLOWED_HOSTS = ["push.example.net", "*.relay.example.org"]
    host = endpoint.split("/")[2]
    dns[host] = PUBLIC
    with tenant_context(alpha.creator):
        item = services.push_subscribe(contact=ana, subscription=subscription(endpoint))
        assert item.endpoint == endpoint


def test_a_push_is_not_sent_when_the_name_later_resolves_inside_the_network(alpha, ana, dns, settings):  # noqa: F811
    service = PushService()
    settings.WEBPUSH_ALLOWED_HOSTS = ["push.example.net"]
    endpoint = f"https://push.example.net:{service.port}/push/phone"
    try:
        dns["push.example.net"] = PUBLIC
        with tenant_context(alpha.creator):
            item = services.push_subscribe(contact=ana, subscription=subscription(endpoint))
            dns["push.example.net"] = "127.0.0.1"  # DNS rebinding: public when checked, ours when called
            assert push_send(item, {"title": "Alpha", "body": "Hi", "url": "/app/"}) is False
            assert "public internet" in PushSubscription.objects.get(pk=item.pk).last_error
        assert service.received == []
    finally:
        service.stop()


def test_a_subscription_stored_before_the_check_is_refused_at_send_time(alpha, ana, run_jobs):  # noqa: F811
    service = PushService()
    try:
        with tenant_context(alpha.creator):
            PushSubscription.objects.create(contact=ana, endpoint=f"{service.url}/internal", p256dh="x", auth="y")
            with run_jobs():
                conversation = Conversation.objects.get(contact=ana)
                services.member_message_send(conversation=conversation, member=alpha.coach, text="Hello")
        with tenant_context(alpha.creator):
            assert "https" in PushSubscription.objects.get(contact=ana).last_error
        assert service.received == []
    finally:
        service.stop()


def test_a_push_service_redirect_is_not_followed(alpha, ana, settings, tmp_path):  # noqa: F811
    settings.VAPID_PRIVATE_KEY_FILE = tmp_path / "vapid.pem"
    inside = PushService()
    service = PushService(status=307, location=f"{inside.url}/internal/reset")
    settings.WEBPUSH_ALLOWED_PRIVATE_HOSTS = [service.host, inside.host]
    try:
        with tenant_context(alpha.creator):
            item = services.push_subscribe(contact=ana, subscription=Browser(service).subscription)
            assert push_send(item, {"title": "Alpha", "body": "Hi", "url": "/app/"}) is False
            assert "307" in PushSubscription.objects.get(pk=item.pk).last_error
        assert len(service.received) == 1 and inside.received == []
    finally:
        service.stop()
        inside.stop()


def test_a_deeply_nested_subscription_is_a_400(alpha, ana):  # noqa: F811
    client = sign_in(alpha, "ana@example.com")
    response = client.post("/app/push/", "[" * 100_000 + "]" * 100_000, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_https_goes_to_the_checked_address_under_the_push_services_own_name(dns, settings, tmp_path):
    """The connection is pinned to the address checked, yet TLS still names (SNI) and verifies the
    push service's host, so pinning never weakens the certificate check."""
    import datetime
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from requests.exceptions import SSLError

    from conversations.push import push_session

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "push.example.net")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key()).serial_number(1)
        .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("push.example.net")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    service = PushService()
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    names: list[str] = []
    tls.sni_callback = lambda _socket, server_name, _context: names.append(server_name)
    service.httpd.socket = tls.wrap_socket(service.httpd.socket, server_side=True)
    dns.update({"push.example.net": "127.0.0.1", "other.example.net": "127.0.0.1"})
    settings.WEBPUSH_ALLOWED_PRIVATE_HOSTS = [f"push.example.net:{service.port}", f"other.example.net:{service.port}"]
    try:
        session = push_session(f"https://push.example.net:{service.port}/push/phone")
        session.verify = str(tmp_path / "cert.pem")
        assert session.post("https://ignored.example/", data=b"x", timeout=5).status_code == 201
        assert names == ["push.example.net"]
        assert service.received[0]["path"] == "/push/phone"
        assert service.received[0]["headers"]["host"] == f"push.example.net:{service.port}"
        other = push_session(f"https://other.example.net:{service.port}/push/phone")
        other.verify = str(tmp_path / "cert.pem")
        with pytest.raises(SSLError):
            other.post("https://ignored.example/", data=b"x", timeout=5)
    finally:
        service.stop()


def test_a_nul_in_a_subscription_is_a_400(alpha, ana, dns):  # noqa: F811
    dns["fcm.googleapis.com"] = PUBLIC
    client = sign_in(alpha, "ana@example.com")
    for body in [
        subscription("https://fcm.googleapis.com/fcm/send/a\x00b"),
        {**subscription("https://fcm.googleapis.com/x"), "keys": {"p256dh": "a\x00", "auth": "b"}},
    ]:
        assert client.post("/app/push/", body, content_type="application/json").status_code == 400
