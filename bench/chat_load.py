"""Live chat under load: N concurrent websocket sessions against the running server.

The LLM is replaced by a fixed-latency local stub that speaks Ollama's API (its own process), so
what is measured is the platform's own overhead: time to first token minus the stub's delay.
Everything else is real: uvicorn serving config.asgi (its own process), PostgreSQL, Redis as
the channel layer, a Chroma server, e5 embeddings of every question.

Each session says hello, then sends --messages messages, waiting for each whole reply and then
"thinking" (uniform 0.5x-1.5x --think seconds) before the next. Afterwards the database is checked
for dropped or duplicated messages, and --idle sockets are opened to weigh an idle connection.

Usage: python bench/chat_load.py [--sessions 50 200 500] [--messages 3] [--think 10] [--delay 0.2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

from _setup import ROOT, bench_creator, throwaway_platform
from cryptography.fernet import Fernet

STUB = """
import sys, time
sys.path.insert(0, {root!r})
from tests.servers.ollama import OllamaServer
server = OllamaServer(delay={delay})
print(server.url, flush=True)
while True:
    time.sleep(3600)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def seed_library(creator) -> str:
    """A few notes, ingested now, and a widget; returns the widget key."""
    from django_tenants.utils import tenant_context

    from conversations.services import widget_ensure
    from knowledge.services import document_ingest, note_create

    notes = {
        "Protein": "Eat about 1.6 grams of protein per kilogram of body weight every day.",
        "Sleep": "Adults need seven to nine hours of sleep every night; keep the same bedtime on weekends.",
        "Hydration": "Drink two to two and a half litres of water a day, more when you train in the heat.",
        "Warm-up": "Warm up for ten minutes with easy jogging and mobility drills before every run.",
    }
    with tenant_context(creator):
        for title, text in notes.items():
            document, _ = note_create(title=title, text=text)
            document_ingest(document_id=str(document.pk))
        return widget_ensure().key


QUESTIONS = [
    "How much protein should I eat?",
    "How many hours of sleep do I need?",
    "How much water should I drink?",
    "How should I warm up before a run?",
]


async def session(url: str, host: str, messages: int, think: float, stats: dict) -> None:
    import websockets

    async with websockets.connect(url, host="127.0.0.1", max_size=2**20, open_timeout=60) as ws:
        await ws.send(json.dumps({"type": "hello"}))
        while json.loads(await ws.recv())["type"] != "history":
            pass
        for _ in range(messages):
            client_id = uuid.uuid4().hex
            sent = time.perf_counter()
            await ws.send(json.dumps({"type": "message", "text": random.choice(QUESTIONS), "client_id": client_id}))
            first = None
            acks = replies = 0
            while True:
                frame = json.loads(await asyncio.wait_for(ws.recv(), 60))
                if frame["type"] == "ack":
                    acks += 1
                    stats["ack"].append(time.perf_counter() - sent)
                elif frame["type"] == "token" and first is None:
                    first = time.perf_counter() - sent
                elif frame["type"] == "message" and frame["message"]["author"] == "ai":
                    replies += 1
                    break
                elif frame["type"] == "error":
                    stats["errors"].append(frame["code"])
                    break
            stats["sent"] += 1
            stats["acked"] += acks
            stats["replied"] += replies
            if first is not None:
                stats["ttft"].append(first)
            await asyncio.sleep(random.uniform(0.5 * think, 1.5 * think))


async def run_load(url: str, host: str, sessions: int, messages: int, think: float) -> dict:
    stats: dict = {"sent": 0, "acked": 0, "replied": 0, "ttft": [], "ack": [], "errors": []}
    started = time.perf_counter()

    async def staggered(i: int) -> None:
        await asyncio.sleep(random.uniform(0, think))  # people do not all arrive in the same second
        await session(url, host, messages, think, stats)

    results = await asyncio.gather(*(staggered(i) for i in range(sessions)), return_exceptions=True)
    stats["failed_sessions"] = [repr(r) for r in results if isinstance(r, Exception)]
    stats["seconds"] = time.perf_counter() - started
    return stats


def server_processes(pid: int) -> list:
    """uvicorn's supervisor and its web worker processes."""
    import psutil

    parent = psutil.Process(pid)
    return [parent, *parent.children(recursive=True)]


def server_cpu_seconds(pid: int) -> float:
    return sum(sum(p.cpu_times()[:2]) for p in server_processes(pid))


def server_rss(pid: int) -> int:
    return sum(p.memory_info().rss for p in server_processes(pid))


async def idle_memory(url: str, host: str, count: int, pid: int) -> float:
    """Server RSS growth per idle socket (connected and said hello), in KB."""
    import websockets

    before = server_rss(pid)
    sockets = []
    for _ in range(count):
        ws = await websockets.connect(url, host="127.0.0.1", open_timeout=60)
        await ws.send(json.dumps({"type": "hello"}))
        while json.loads(await ws.recv())["type"] != "history":
            pass
        sockets.append(ws)
    await asyncio.sleep(2)
    after = server_rss(pid)
    for ws in sockets:
        await ws.close()
    return (after - before) / count / 1024


def count_messages(creator) -> tuple[int, int, int]:
    from django.db.models import Count
    from django_tenants.utils import tenant_context

    from conversations.models import Message

    with tenant_context(creator):
        users = Message.objects.filter(author="user").count()
        ais = Message.objects.filter(author="ai").count()
        doubled = Message.objects.filter(author="ai").values("in_reply_to").annotate(n=Count("id")).filter(n__gt=1)
        return users, ais, doubled.count()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, nargs="+", default=[50, 200, 500])
    parser.add_argument("--messages", type=int, default=3)
    parser.add_argument("--think", type=float, default=10.0, help="mean seconds between a reply and the next message")
    parser.add_argument("--delay", type=float, default=0.2, help="the stub LLM's delay before its first token")
    parser.add_argument("--idle", type=int, default=500)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="web processes, as make run starts")
    args = parser.parse_args()
    random.seed(7)
    with throwaway_platform("bench_chat"):
        creator = bench_creator("chatload")
        key = seed_library(creator)
        stub = subprocess.Popen(
            [sys.executable, "-c", STUB.format(root=str(ROOT), delay=args.delay)], stdout=subprocess.PIPE, text=True
        )
        stub_url = stub.stdout.readline().strip()
        port = free_port()
        env = {
            **os.environ,
            "OLLAMA_BASE_URL": stub_url,
            "CHAT_USER_MESSAGES_PER_MINUTE": "1000",
            # Every simulated visitor comes from loopback: lift the per-IP and per-widget abuse limits.
            "CHAT_IP_MESSAGES_PER_MINUTE": "1000000",
            "CHAT_WIDGET_MESSAGES_PER_MINUTE": "1000000",
            "CHAT_NEW_VISITORS_PER_IP_PER_HOUR": "1000000",
            "CHAT_NEW_VISITORS_PER_WIDGET_PER_HOUR": "1000000",
            "LOG_LEVEL": "WARNING",
            # Production settings: no query log kept per connection.
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "SECURE_SSL_REDIRECT": "0",
        }
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "uvicorn"), "config.asgi:application", "--port", str(port),
             "--lifespan", "off", "--log-level", "warning", "--no-access-log", "--ws-per-message-deflate", "false",
             "--workers", str(args.workers)],
            cwd=ROOT, env=env,
        )  # fmt: skip
        url, host = f"ws://{creator.hostname}:{port}/ws/chat/{key}/", "127.0.0.1"
        try:
            time.sleep(4)
            asyncio.run(run_load(url, host, 5, 1, 0.1))  # warm-up: model loaded, connections made
            if os.environ.get("CHAT_LOAD_PROFILE"):  # a py-spy profile of the web processes, for digging
                profile = os.environ["CHAT_LOAD_PROFILE"]
                idle = ["--idle"] if os.environ.get("CHAT_LOAD_PROFILE_IDLE", "1") == "1" else []  # 0: CPU only
                subprocess.Popen(["py-spy", "record", "--pid", str(server.pid), "--subprocesses", "--duration", "30",
                                  "--format", "raw", "--threads", *idle, "-o", profile])  # fmt: skip
            print(f"stub delay {args.delay * 1000:.0f} ms, {args.messages} messages per session, think {args.think} s")
            print("| sessions | messages/s | overhead p50 | p95 | p99 | ack p95 | dropped | duplicated | errors |")
            print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
            import psutil

            for sessions in args.sessions:
                users_before, ais_before, _ = count_messages(creator)
                cpu_before, machine_before = server_cpu_seconds(server.pid), psutil.cpu_times()
                stats = asyncio.run(run_load(url, host, sessions, args.messages, args.think))
                cpu_ms = (server_cpu_seconds(server.pid) - cpu_before) * 1000 / max(stats["replied"], 1)
                machine = psutil.cpu_times()
                busy = sum(machine[:3]) - sum(machine_before[:3])
                stats["cpu"] = f"server {cpu_ms:.0f} ms CPU/message, machine {busy / stats['seconds'] * 50:.0f}% busy"
                users, ais, doubled = count_messages(creator)
                overhead = [(t - args.delay) * 1000 for t in stats["ttft"]]
                if not overhead:
                    raise SystemExit(f"no reply streamed: {stats['errors'][:5]} {stats['failed_sessions'][:3]}")
                dropped = stats["sent"] - stats["replied"] + (stats["sent"] - (users - users_before))
                duplicated = doubled + (ais - ais_before) - stats["replied"]
                print(
                    f"| {sessions} | {stats['replied'] / stats['seconds']:.1f} | {statistics.median(overhead):.1f} ms"
                    f" | {percentile(overhead, 95):.1f} ms | {percentile(overhead, 99):.1f} ms"
                    f" | {percentile(stats['ack'], 95) * 1000:.1f} ms | {dropped} | {duplicated}"
                    f" | {len(stats['errors']) + len(stats['failed_sessions'])} |",
                    flush=True,
                )
                print("  " + stats["cpu"])
                if stats["failed_sessions"]:
                    print("  failed sessions:", stats["failed_sessions"][:3])
            if args.idle:
                per_socket = asyncio.run(idle_memory(url, host, args.idle, server.pid))
                print(f"\nserver memory per idle socket ({args.idle} open): {per_socket:.1f} KB")
        finally:
            server.terminate()
            server.wait(10)
            stub.terminate()


if __name__ == "__main__":
    main()
