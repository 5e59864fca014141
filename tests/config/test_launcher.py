"""`make run` on a machine with nothing but Python: embedded Postgres, Redis and Chroma under
var/, the demo creator, and web + worker + scheduler that one SIGTERM to the group stops."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psutil
import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def get(url: str, host: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=3) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def listening_addresses(processes: list[psutil.Process]) -> set[str]:
    found = set()
    for process in processes:
        try:
            sockets = process.net_connections(kind="inet")
        except psutil.NoSuchProcess:
            continue
        found |= {sock.laddr.ip for sock in sockets if sock.status == psutil.CONN_LISTEN}
    return found


def test_the_run_command_serves_the_demo_and_stops_cleanly(tmp_path):
    port, chroma_port = free_port(), free_port()
    # A machine with nothing configured: no service URLs, none of the test run's overrides.
    unset = {"DATABASE_URL", "REDIS_URL", "CHROMA_URL", "DRAMATIQ_BROKER_URL", "PUBLIC_PORT", "PUBLIC_SCHEME",
             "EMAIL_BACKEND", "THROTTLE_TOKEN", "DJANGO_SETTINGS_MODULE", "XDG_RUNTIME_DIR"}  # fmt: skip
    env = {key: value for key, value in os.environ.items() if key not in unset}
    env.update(COMPA_VAR_DIR=str(tmp_path / "var"), PORT=str(port), CHROMA_PORT=str(chroma_port))
    with open(tmp_path / "run.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "config.launcher", "run"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        status, body = 0, b""
        while time.monotonic() < deadline and process.poll() is None:
            try:
                status, body = get(f"http://127.0.0.1:{port}/healthz", f"demo.localhost:{port}")
                if status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        output = (tmp_path / "run.log").read_text(errors="replace")
        assert status == 200, output[-3000:]
        assert json.loads(body)["checks"]["vector_store"]["backend"] == "chroma"
        assert f"demo creator: http://demo.localhost:{port}/hub/" in output
        password = (tmp_path / "var" / "demo_password").read_text().strip()
        assert f"sign in as coach@demo.localhost / {password}" in output
        assert password != "compa-demo-coach" and len(password) >= 20, "made for this machine"
        assert (tmp_path / "var" / "demo_password").stat().st_mode & 0o077 == 0
        children = psutil.Process(process.pid).children(recursive=True)
        names = " ".join(" ".join(child.cmdline()) for child in children)
        for part in ("uvicorn", "rundramatiq", "run_scheduler", "chroma", "redis-server"):
            assert part in names, part
        # With no HOST set, nothing listens beyond this machine: the web processes and Chroma on
        # loopback, Redis and PostgreSQL on unix sockets only (no TCP port at all).
        assert listening_addresses([psutil.Process(process.pid), *children]) == {"127.0.0.1"}
        postmaster = (tmp_path / "var" / "postgres" / "postmaster.pid").read_text().splitlines()
        assert postmaster[5] == "", "PostgreSQL listens on no IP address"
        assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o077 == 0, "a private key made at first start"
        login_page = get(f"http://127.0.0.1:{port}/accounts/login/", f"demo.localhost:{port}")
        assert login_page[0] == 200
        # A second `make run` on the same var/ is refused before it starts a second Redis there.
        second = subprocess.run(
            [sys.executable, "-m", "config.launcher", "run"],
            cwd=ROOT,
            env={**env, "PORT": str(free_port()), "CHROMA_PORT": str(free_port())},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode != 0
        assert f"is in use by a running Compañero (pid {process.pid})" in second.stdout + second.stderr
        assert get(f"http://127.0.0.1:{port}/healthz", f"demo.localhost:{port}")[0] == 200, "the first one is fine"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(60)
    # Asked to stop, it stops cleanly: exit status 0 (make prints no "Error 143") and its own last word.
    output = (tmp_path / "run.log").read_text(errors="replace")
    assert process.returncode == 0, output[-3000:]
    assert output.strip().splitlines()[-1] == "[compa] Compañero stopped.", output[-3000:]
    assert "RuntimeDirWarning" not in output, "a newcomer's log starts without warnings"
    stopping = output[output.rindex("received") :]
    assert "CRITICAL" not in stopping, "Redis outlives the worker's shutdown: " + stopping[-2000:]
    assert not (tmp_path / "var" / "postgres" / "postmaster.pid").exists(), "embedded PostgreSQL stopped"
    for child in children:
        assert not child.is_running() or child.status() == psutil.STATUS_ZOMBIE, child.cmdline()


def launcher_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """No embedded PostgreSQL or Redis (their URLs are set, never reached in these tests)."""
    unset = {"CHROMA_URL", "CHROMA_PORT", "DJANGO_SETTINGS_MODULE", "PUBLIC_PORT"}
    env = {key: value for key, value in os.environ.items() if key not in unset}
    env.update(
        COMPA_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL="postgresql://nobody@127.0.0.1:9/unreachable",
        REDIS_URL="redis://127.0.0.1:9/0",
    )
    env.update(overrides)
    return env


def test_a_taken_web_port_is_named_before_anything_starts(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = launcher_env(tmp_path, PORT=str(port), CHROMA_URL="http://127.0.0.1:9")
        result = subprocess.run(
            [sys.executable, "-m", "config.launcher", "run"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert f"port {port} on 127.0.0.1 is not free for the web server" in output, output[-3000:]
    assert "set PORT to another port" in output
    assert "migrating" not in output, "nothing was started"


def test_the_embedded_chroma_never_takes_the_web_port(tmp_path, monkeypatch):
    """`PORT=8100 make run`: Chroma's old fixed default was 8100, so the web server could not bind."""
    from config import launcher

    for name in ("CHROMA_URL", "CHROMA_PORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:9/unreachable")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:9/0")
    monkeypatch.setenv("PORT", "8100")
    with launcher.services(tmp_path, chroma=True, database="unused") as env:
        chroma_port = urllib.parse.urlsplit(env["CHROMA_URL"]).port
        assert chroma_port != 8100
        with urllib.request.urlopen(f"{env['CHROMA_URL']}/api/v2/heartbeat", timeout=3) as response:
            assert response.status == 200
    # An explicit CHROMA_PORT is honoured as given.
    monkeypatch.delenv("CHROMA_URL")
    wanted = free_port()
    monkeypatch.setenv("CHROMA_PORT", str(wanted))
    with launcher.services(tmp_path, chroma=True, database="unused") as env:
        assert env["CHROMA_URL"] == f"http://127.0.0.1:{wanted}"


def test_a_taken_chroma_port_is_named(tmp_path, monkeypatch):
    from config import launcher

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        monkeypatch.delenv("CHROMA_URL", raising=False)
        monkeypatch.setenv("CHROMA_PORT", str(port))
        monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:9/unreachable")
        monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:9/0")
        refused = pytest.raises(SystemExit, match=f"port {port} on 127.0.0.1 is not free for the Chroma server")
        with refused, launcher.services(tmp_path, chroma=True, database="unused"):
            pass


def test_sigterm_while_starting_stops_what_started_and_exits_0(tmp_path):
    """Stopped while it migrates (a database that never answers holds it there), it still stops
    the Chroma server it started, exits 0 and says so last."""
    with socket.socket() as silent_database:
        silent_database.bind(("127.0.0.1", 0))
        silent_database.listen()
        database_url = f"postgresql://nobody@127.0.0.1:{silent_database.getsockname()[1]}/compa"
        env = launcher_env(tmp_path, PORT=str(free_port()), DATABASE_URL=database_url)
        with open(tmp_path / "run.log", "wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "config.launcher", "run"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        try:
            deadline = time.monotonic() + 90
            while "migrating and seeding" not in (tmp_path / "run.log").read_text() and time.monotonic() < deadline:
                assert process.poll() is None, (tmp_path / "run.log").read_text()[-3000:]
                time.sleep(0.05)
            children = psutil.Process(process.pid).children()
            chroma = [child for child in children if "chroma" in " ".join(child.cmdline())]
            process.send_signal(signal.SIGTERM)
            process.wait(60)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
    output = (tmp_path / "run.log").read_text(errors="replace")
    assert process.returncode == 0, output[-3000:]
    assert output.strip().splitlines()[-1] == "[compa] Compañero stopped.", output[-3000:]
    assert chroma, output[-3000:]
    assert not chroma[0].is_running() or chroma[0].status() == psutil.STATUS_ZOMBIE, "Chroma was stopped"
