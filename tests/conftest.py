from __future__ import annotations

import contextlib

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client

from tenants.middleware import SESSION_SCHEMA_KEY
from tenants.models import Creator
from tests.factories import Team, host, seed_platform

# Hashing is not under test here; PBKDF2 would cost ~0.3 s per test user.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
_seeded: dict = {}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Create the platform schemas and two creators once; tests roll back around them."""
    with django_db_blocker.unblock():
        _seeded.update(seed_platform())
    yield
    # Chat's pool threads (and servers started by tests) keep connections open: end them, so the
    # test database can be dropped instead of being clobbered by the next run.
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(autouse=True)
def _public_schema_and_clean_cache():
    connection.set_schema_to_public()
    cache.clear()
    yield
    connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def _channel_layer_per_test():
    """Each test runs its own event loop, and a channels-redis layer keeps locks bound to the loop
    that first waited on them: a receive cut off when one test's loop closed would leave a lock
    the next test cannot take. In production one process serves one loop, so this is test-only."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture
def clock():
    """The product's clock (tenants.clock), stopped at the real time: `clock.clock_set(moment)`,
    `clock.clock_advance(timedelta)`. Let run again after the test."""
    from django.utils import timezone

    from tenants import clock as product_clock

    product_clock.clock_set(timezone.now())
    yield product_clock
    product_clock.clock_set(None)


@pytest.fixture
def platform(db):
    # Transactional tests flush the public tables (schemas survive): seed the rows again then.
    if not Creator.objects.filter(slug="alpha").exists():
        _seeded.update(seed_platform())
    return _seeded


@pytest.fixture
def alpha(platform) -> Team:
    return platform["alpha"]


@pytest.fixture
def beta(platform) -> Team:
    return platform["beta"]


@pytest.fixture
def outsider(platform):
    return platform["outsider"]


@pytest.fixture
def public_client() -> Client:
    return Client(**host())


def client_for(creator, user=None) -> Client:
    """A browser on `creator`'s host (None: the public host), signed in as `user`."""
    client = Client(**host(creator))
    if user is not None:
        client.force_login(user)
        # A real login binds the session to its host; force_login has no host, so bind it here.
        session = client.session
        session[SESSION_SCHEMA_KEY] = creator.schema_name if creator else settings.PUBLIC_SCHEMA_NAME
        session.save()
    return client


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks):
    """Run queued Dramatiq messages in this thread (so they see the test's transaction).

    Usage: `with run_jobs() as jobs: <code that enqueues on commit>`; afterwards the messages
    have been executed through the real actors, and `jobs` lists their names.
    """
    import contextlib

    import dramatiq

    @contextlib.contextmanager
    def runner():
        broker = dramatiq.get_broker()
        ran: list[str] = []
        with django_capture_on_commit_callbacks(execute=True):
            yield ran
        for queue_name in list(broker.queues):
            queue = broker.queues[queue_name]
            while not queue.empty():
                message = dramatiq.Message.decode(queue.get_nowait())
                broker.get_actor(message.actor_name).fn(*message.args, **message.kwargs)
                ran.append(message.actor_name)

    return runner


@pytest.fixture
def jobs(django_capture_on_commit_callbacks):
    """Run every queued job, and the jobs those queue (delayed retries too, without waiting), until
    none is left; returns (actor name, eta or None) for each."""

    import dramatiq

    def drain(rounds: int = 60) -> list[tuple[str, object]]:
        broker = dramatiq.get_broker()
        ran: list[tuple[str, object]] = []
        for _ in range(rounds):
            progressed = False
            for name in list(broker.queues):
                queue = broker.queues[name]
                while not queue.empty():
                    message = dramatiq.Message.decode(queue.get_nowait())
                    with django_capture_on_commit_callbacks(execute=True):
                        broker.get_actor(message.actor_name).fn(*message.args, **message.kwargs)
                    ran.append((message.actor_name.rsplit(".", 1)[-1], message.options.get("eta")))
                    progressed = True
            if not progressed:
                break
        return ran

    dramatiq.get_broker().flush_all()
    return drain


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def chroma_url(tmp_path_factory):
    """A real Chroma server (the `chroma` CLI that ships with chromadb) on a free port."""
    import os
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    port = free_port()
    path = tmp_path_factory.mktemp("chroma")
    chroma = Path(sys.executable).parent / "chroma"
    process = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1).status == 200:
                break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("Chroma server did not start") from None
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(10)


@pytest.fixture
def ollama():
    from tests.servers.ollama import OllamaServer

    server = OllamaServer()
    yield server
    server.stop()


@pytest.fixture
def knowledge(settings, chroma_url, tmp_path):
    """A real Chroma server and a scratch media folder; vectors do not roll back with the
    database, so every test starts from empty creator collections."""
    from knowledge import vectors

    settings.CHROMA_URL = chroma_url
    settings.MEDIA_ROOT = tmp_path / "media"
    for schema in ("c_alpha", "c_beta"):
        with contextlib.suppress(vectors.VectorStoreUnavailable):  # did not exist yet
            vectors.drop_collection(schema)
    return settings


@pytest.fixture
def asgi_server():
    """The real ASGI application (HTTP and websockets) under uvicorn, as `make run` serves it."""
    import threading
    import time

    import uvicorn

    from config.asgi import application

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(application, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield port
    server.should_exit = True
    thread.join(10)
