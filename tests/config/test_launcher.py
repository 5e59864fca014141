"""`make run` on a machine with nothing but Python: embedded Postgres, Redis and Chroma under
var/, the demo creator, and web + worker + scheduler that one SIGTERM to the group stops."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
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
             "EMAIL_BACKEND", "THROTTLE_TOKEN", "DJANGO_SETTINGS_MODULE"}  # fmt: skip
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
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(60)
    assert not (tmp_path / "var" / "postgres" / "postmaster.pid").exists(), "embedded PostgreSQL stopped"
    for child in children:
        assert not child.is_running() or child.status() == psutil.STATUS_ZOMBIE, child.cmdline()
