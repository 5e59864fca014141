"""Where one chat message's CPU goes: the floor under bench/chat_load.py's latency figures.

Messages are sent one at a time (no load, no queueing) through the same services the websocket
consumer calls, and the CPU time of every process involved is read before and after each step:
this process (web work: ORM, LangChain, the e5 embedding with all its threads), its PostgreSQL
backend, the Chroma server and the stub LLM (its own process, no delay). What a 2-core machine can
serve without queueing follows from the total.

Usage: python bench/chat_cpu_budget.py [--messages 40]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from contextlib import contextmanager

from _setup import ROOT, bench_creator, throwaway_platform
from chat_load import QUESTIONS, STUB, seed_library


def process_cpu(pid: int) -> float:
    import psutil

    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def chroma_pid() -> int:
    import psutil

    return next(p.pid for p in psutil.process_iter(["cmdline"]) if "chroma" in " ".join(p.info["cmdline"] or []))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=40)
    parser.add_argument("--profile", action="store_true", help="also print cProfile's top functions of the reply")
    args = parser.parse_args()
    with throwaway_platform("bench_chat_cpu"):
        creator = bench_creator("chatcpu")
        seed_library(creator)
        stub = subprocess.Popen(
            [sys.executable, "-c", STUB.format(root=str(ROOT), delay=0.0)], stdout=subprocess.PIPE, text=True
        )
        try:
            measure(creator, stub, args.messages, args.profile)
        finally:
            stub.terminate()


def measure(creator, stub, count: int, profile: bool = False) -> None:
    import cProfile
    import pstats

    from django.conf import settings
    from django.db import connection
    from django_tenants.utils import tenant_context

    import knowledge.answering as answering
    import knowledge.query_vectors as query_vectors
    from conversations import services
    from conversations.models import Contact

    settings.OLLAMA_BASE_URL = stub.stdout.readline().strip()
    steps: dict[str, list[float]] = defaultdict(list)
    profiles: list = []
    current: dict[str, float] = {}

    @contextmanager
    def step(name: str):
        started = time.process_time()
        try:
            yield
        finally:
            current[name] = current.get(name, 0.0) + time.process_time() - started

    def timed(module, name: str, label: str, generator: bool = False):
        original = getattr(module, name)

        def wrapper(*a, **kw):
            with step(label):
                return original(*a, **kw)

        def generator_wrapper(*a, **kw):
            items = original(*a, **kw)
            while True:
                with step(label):
                    item = next(items, StopIteration)
                if item is StopIteration:
                    return
                yield item

        setattr(module, name, generator_wrapper if generator else wrapper)

    timed(query_vectors, "query_vector", "e5 question embedding")
    timed(answering, "knowledge_search", "Chroma search (client side)")
    timed(answering, "stream_with_ollama", "LLM call and streaming (LangChain)", generator=True)

    with tenant_context(creator):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
        chroma, stub_pid = chroma_pid(), stub.pid
        contact = Contact.objects.create(anonymous=True)
        conversation = None
        outside = {"PostgreSQL backend": backend, "Chroma server": chroma, "stub LLM": stub_pid}
        for number in range(count + 3):
            current.clear()
            if number == 3:
                before = {name: process_cpu(pid) for name, pid in outside.items()}
            started = time.process_time()
            with step("store the message"):
                message, _ = services.message_receive(
                    contact=contact, text=QUESTIONS[number % len(QUESTIONS)], conversation=conversation, outlet="web"
                )
            conversation = message.conversation
            profiler = cProfile.Profile() if profile and number >= 3 else None
            if profiler:
                profiler.enable()
            reply = services.reply_generate(message_id=message.pk, on_piece=lambda piece: None)
            if profiler:
                profiler.disable()
                profiles.append(profiler)
            assert reply is not None and reply.backend == "ollama", reply
            total = time.process_time() - started
            if number < 3:  # warm-up: model loaded, connections and plans made
                continue
            inner = sum(v for k, v in current.items() if k != "store the message")
            current["reply: database and Python around it"] = total - current["store the message"] - inner
            for name, seconds in current.items():
                steps[name].append(seconds * 1000)

        for name, pid in outside.items():  # psutil reads in clock ticks (10 ms): the run's total, shared out
            steps[name] = [(process_cpu(pid) - before[name]) * 1000 / count] * count

    print(f"{count} messages, one at a time, stub LLM without delay; median CPU ms per message\n")
    print("| where | CPU per message |\n| --- | --- |")
    totals = [sum(values[i] for values in steps.values()) for i in range(count)]
    for name, values in sorted(steps.items(), key=lambda item: -statistics.median(item[1])):
        print(f"| {name} | {statistics.median(values):.1f} ms |")
    print(f"| **all processes** | **{statistics.median(totals):.1f} ms** |")
    if profiles:
        stats = pstats.Stats(profiles[0])
        for more in profiles[1:]:
            stats.add(more)
        stats.sort_stats("tottime").print_stats(25)
    capacity = 2000 / statistics.median(totals)
    print(f"\n2 cores serve at most ~{capacity:.0f} messages/s with nothing else running")


if __name__ == "__main__":
    main()
