"""Telegram webhooks against the plain `POST /api/v1/chat`, in the same run (issue 13).

A creator connects a bot on a local Bot API (tests/servers/telegram.py, threads in this process),
which registers the webhook the app names. Then, alternating, two phases of --messages messages
each, --concurrency at a time:

- webhooks: every message is a Telegram update (its own chat) POSTed to /hooks/telegram/<outlet>
  with the bot's secret, as Telegram does. Accepted/s is messages over the firing phase's wall time
  (the view verifies, stores the raw body, queues a job and answers 200). Receipt to reply is from
  just before the POST to the moment the local Bot API receives the sendMessage for that chat: the
  raw delivery job runs the turn core and queues the send job, which calls the Bot API. Every
  reply must arrive; any that does not is counted as lost. Replies/s is messages over the time
  from the first POST to the last sendMessage.
- chat: the same messages (each its own contact) to POST /api/v1/chat with an API key; the reply
  is in the response, so requests/s and latency are the whole turn.

Everything is real but the platform: uvicorn serving config.asgi (its own processes, as `make run`
starts them), a Dramatiq worker (`manage.py rundramatiq --processes 1 --threads 4`, as `make run`)
on a Redis broker, PostgreSQL, a Chroma server with four short notes, e5 embeddings of every
question and the embedded composer (no OLLAMA_BASE_URL). Both clocks are this process's
time.monotonic(). Server CPU per message adds up the uvicorn and worker process trees.

Usage: python bench/webhook_throughput.py [--messages 200] [--concurrency 8] [--rounds 2]
Uses database compa_bench_wh (dropped afterwards) and REDIS_URL (default db 12) under a key prefix of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _setup import ROOT, bench_creator, throwaway_platform
from chat_load import QUESTIONS, free_port, percentile, seed_library, server_cpu_seconds
from cryptography.fernet import Fernet

DB = "compa_bench_wh"
BOT_TOKEN = "700100200:AAF-bench-webhook-throughput-bot"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


class Outlet:
    """The bot's side: the local Bot API, with the monotonic time of every sendMessage per chat."""

    def __init__(self) -> None:
        from tests.servers.telegram import TelegramServer

        self.server = TelegramServer()
        self.server.add_bot(BOT_TOKEN, username="bench_coach_bot")
        self.replied: dict[int, list[float]] = {}
        original = self.server._send_message

        def send_message(token, params):
            message = original(token, params)  # raises for refusals: only accepted sends are timed
            self.replied.setdefault(int(params["chat_id"]), []).append(time.monotonic())
            return message

        self.server._send_message = send_message  # _call looks the handler up on the instance
        self._chat = 900_000_000

    def next_chat(self) -> int:
        self._chat += 1
        return self._chat


async def fire(requests: list[tuple[str, dict, bytes]], concurrency: int, port: int) -> tuple[list, float]:
    """POST every (path, headers, body) `concurrency` at a time; returns (sent_at, latency, status)s and wall time."""
    import httpx

    results: list = [None] * len(requests)
    queue: asyncio.Queue = asyncio.Queue()
    for item in enumerate(requests):
        queue.put_nowait(item)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=120) as client:

        async def worker() -> None:
            while not queue.empty():
                index, (path, headers, body) = queue.get_nowait()
                sent = time.monotonic()
                try:
                    response = await client.post(path, content=body, headers=headers)
                    status, text = response.status_code, response.text
                except httpx.HTTPError as error:
                    status, text = 0, repr(error)
                results[index] = (sent, time.monotonic() - sent, status, text)

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return results, time.monotonic() - started


def webhook_phase(outlet: Outlet, hook: dict, hostname: str, port: int, count: int, concurrency: int,
                  wait: float, web_cpu=lambda: 0.0) -> dict:  # fmt: skip
    server = outlet.server
    chats, requests = [], []
    headers = {"Host": hostname, "Content-Type": "application/json",
               "X-Telegram-Bot-Api-Secret-Token": hook["secret_token"]}  # fmt: skip
    path = "/" + hook["url"].split("/", 3)[3]
    for number in range(count):
        chat = outlet.next_chat()
        update = server.update_text(chat, QUESTIONS[number % len(QUESTIONS)], first_name="Ana", token=BOT_TOKEN)
        chats.append(chat)
        requests.append((path, headers, json.dumps(update).encode()))
    before = web_cpu()
    results, seconds = asyncio.run(fire(requests, concurrency, port))
    accept_cpu = (web_cpu() - before) / count
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and sum(1 for c in chats if c in outlet.replied) < count:
        time.sleep(0.02)
    statuses = [status for _, _, status, _ in results]
    replies = [outlet.replied[c][0] - sent for c, (sent, *_rest) in zip(chats, results, strict=True)
               if c in outlet.replied]  # fmt: skip
    last = max((outlet.replied[c][-1] for c in chats if c in outlet.replied), default=results[0][0])
    return {
        "count": count,
        "accepted": statuses.count(200),
        "refused": [text[:200] for _, _, status, text in results if status != 200][:3],
        "accepted_per_s": statuses.count(200) / seconds,
        "accept": [latency for _, latency, status, _ in results if status == 200],
        "reply": replies,
        "lost": count - len(replies),
        "extra": sum(len(outlet.replied[c]) - 1 for c in chats if c in outlet.replied),
        "replies_per_s": len(replies) / (last - results[0][0]),
        "accept_cpu": accept_cpu,
    }


def one_at_a_time(outlet: Outlet, hook: dict, key: str, hostname: str, port: int, count: int, wait: float) -> dict:
    """No queue: each webhook waits for its sendMessage, each chat request for its answer, alternately."""
    import httpx

    hook_headers = {"Host": hostname, "Content-Type": "application/json",
                    "X-Telegram-Bot-Api-Secret-Token": hook["secret_token"]}  # fmt: skip
    chat_headers = {"Host": hostname, "Content-Type": "application/json", "Authorization": f"Api-Key {key}"}
    path = "/" + hook["url"].split("/", 3)[3]
    hooks, chats, lost = [], [], 0
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
        for number in range(count):
            question = QUESTIONS[number % len(QUESTIONS)]
            chat = outlet.next_chat()
            update = outlet.server.update_text(chat, question, first_name="Ana", token=BOT_TOKEN)
            sent = time.monotonic()
            response = client.post(path, content=json.dumps(update).encode(), headers=hook_headers)
            assert response.status_code == 200, response.text
            while chat not in outlet.replied and time.monotonic() - sent < wait:
                time.sleep(0.002)
            if chat in outlet.replied:
                hooks.append(outlet.replied[chat][0] - sent)
            else:
                lost += 1
            body = {"message": question, "contact": {"external_id": f"one-{chat}"}}
            sent = time.monotonic()
            response = client.post("/api/v1/chat", content=json.dumps(body).encode(), headers=chat_headers)
            assert response.status_code == 200 and response.json()["reply"]["text"], response.text
            chats.append(time.monotonic() - sent)
    return {"hooks": hooks, "chats": chats, "lost": lost}


def chat_phase(key: str, hostname: str, port: int, count: int, concurrency: int, run: int) -> dict:
    headers = {"Host": hostname, "Content-Type": "application/json", "Authorization": f"Api-Key {key}"}
    requests = [
        ("/api/v1/chat", headers, json.dumps({"message": QUESTIONS[n % len(QUESTIONS)],
                                              "contact": {"external_id": f"bench-{run}-{n}"}}).encode())
        for n in range(count)
    ]  # fmt: skip
    results, seconds = asyncio.run(fire(requests, concurrency, port))
    good = [(latency, text) for _, latency, status, text in results if status == 200]
    answered = sum(1 for _, text in good if (json.loads(text).get("reply") or {}).get("text"))
    return {
        "count": count,
        "ok": len(good),
        "answered": answered,
        "refused": [text[:200] for _, _, status, text in results if status != 200][:3],
        "per_s": len(good) / seconds,
        "latency": [latency for latency, _ in good],
    }


def deliveries(creator) -> dict[str, int]:
    from django.db.models import Count
    from django_tenants.utils import tenant_context

    from conversations.models import Delivery, RawDelivery

    with tenant_context(creator):
        counts = dict(Delivery.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
        counts["raw errors"] = RawDelivery.objects.exclude(error="").count()
        counts["raw unprocessed"] = RawDelivery.objects.filter(processed_at__isnull=True).count()
        return counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=200, help="messages per phase")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2, help="webhooks then chat, this many times")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="web processes, as make run starts")
    parser.add_argument("--one-at-a-time", type=int, default=20, help="one at a time, per path and round")
    parser.add_argument("--wait", type=float, default=180.0, help="seconds to wait for a phase's last reply")
    args = parser.parse_args()

    import redis

    redis_url = os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/12")
    prefix = f"{DB}_{secrets.token_hex(4)}"  # queues, cache and limits of this run only; removed afterwards
    port = free_port()
    os.environ.update(
        DRAMATIQ_BROKER_URL=redis_url,
        REDIS_KEY_PREFIX=prefix,
        # Production settings (no query log per connection), shared by this process, web and worker.
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        FIELD_ENCRYPTION_KEY=Fernet.generate_key().decode(),
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="WARNING",
        PUBLIC_SCHEME="http",
        PUBLIC_PORT=str(port),  # the webhook URL setWebhook registers points at our uvicorn
        THROTTLE_API_CREDENTIAL="1000000/minute",
        THROTTLE_API_IP="1000000/minute",
        TELEGRAM_CHAT_INTERVAL_SECONDS="0",  # one message per chat anyway
    )
    os.environ.pop("OLLAMA_BASE_URL", None)  # the embedded composer
    outlet = Outlet()
    os.environ["TELEGRAM_API_URL"] = outlet.server.url
    try:
        with throwaway_platform(DB):
            run(args, outlet, port)
    finally:
        outlet.server.stop()
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(match=f"*{prefix}*", count=1000):
            client.delete(key)


def run(args, outlet: Outlet, port: int) -> None:
    from allauth.account.models import EmailAddress
    from django_tenants.utils import tenant_context

    from conversations.services.outlets import messaging_outlet_connect
    from tenants.models import User
    from tenants.services import api_key_create

    creator = bench_creator("webhooks")
    owner = User.objects.get(email="webhooks@example.com")  # connecting an outlet needs a confirmed address
    EmailAddress.objects.update_or_create(user=owner, email=owner.email, defaults={"verified": True, "primary": True})
    seed_library(creator)
    with tenant_context(creator):
        messaging_outlet_connect(creator=creator, user=owner, kind="telegram", data={"bot_token": BOT_TOKEN})
    _, key = api_key_create(creator=creator, created_by=owner, name="bench", scope="read_write")
    hook = outlet.server.webhook(BOT_TOKEN)

    logs = tempfile.TemporaryDirectory()
    bin_dir = Path(sys.executable).parent
    with open(Path(logs.name) / "web.log", "w") as web_log, open(Path(logs.name) / "worker.log", "w") as worker_log:
        web = subprocess.Popen(
            [str(bin_dir / "uvicorn"), "config.asgi:application", "--port", str(port), "--lifespan", "off",
             "--log-level", "warning", "--no-access-log", "--workers", str(args.workers)],
            cwd=ROOT, stdout=web_log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "rundramatiq", "--processes", "1", "--threads", "4",
             "--worker-shutdown-timeout", "10000"],
            cwd=ROOT, stdout=worker_log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            measure(args, outlet, creator, hook, key, port, web.pid, worker.pid)
        except BaseException:
            for name in ("web.log", "worker.log"):
                tail = (Path(logs.name) / name).read_text()[-3000:]
                print(f"--- {name} (tail) ---\n{tail}", file=sys.stderr)
            raise
        finally:
            for process in (web, worker):
                process.terminate()
            for process in (web, worker):
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()
            logs.cleanup()


def measure(args, outlet: Outlet, creator, hook: dict, key: str, port: int, web_pid: int, worker_pid: int) -> None:
    import httpx

    hostname = creator.hostname
    for _ in range(300):  # uvicorn up
        try:
            httpx.get(f"http://127.0.0.1:{port}/", headers={"Host": hostname}, timeout=2)
            break
        except httpx.HTTPError:
            time.sleep(0.2)
    # Warm-up: models loaded in every web process and the worker, connections made.
    warm_hooks = webhook_phase(outlet, hook, hostname, port, 2 * args.concurrency, args.concurrency, 300)
    warm_chat = chat_phase(key, hostname, port, 2 * args.concurrency, args.concurrency, run=-1)
    if warm_hooks["lost"] or warm_chat["answered"] < warm_chat["count"]:
        raise SystemExit(f"warm-up failed: webhooks {warm_hooks}, chat {warm_chat}")

    def cpu() -> tuple[float, float]:
        return server_cpu_seconds(web_pid), server_cpu_seconds(worker_pid)

    def per_message(before: tuple[float, float]) -> tuple[float, float]:
        return tuple((after - first) / args.messages for first, after in zip(before, cpu(), strict=True))

    def cpu_text(web: float, worker: float) -> str:
        return f"{(web + worker) * 1000:.0f} ms (web {web * 1000:.0f}, worker {worker * 1000:.0f})"

    print(f"{args.messages} messages per phase, concurrency {args.concurrency}, {args.workers} web processes, "
          f"1 worker process x 4 threads, {os.cpu_count()} cores; embedded composer, Chroma with 4 notes")  # fmt: skip
    hooks, chats, single = [], [], []
    for number in range(args.rounds):
        if args.one_at_a_time:
            result = one_at_a_time(outlet, hook, key, hostname, port, args.one_at_a_time, args.wait)
            single.append(result)
            hook_times, chat_times = result["hooks"], result["chats"]
            print(f"round {number + 1} one at a time: webhook receipt->reply p50 {ms(statistics.median(hook_times))} "
                  f"p95 {ms(percentile(hook_times, 95))}, lost {result['lost']}; POST /chat p50 "
                  f"{ms(statistics.median(chat_times))} p95 {ms(percentile(chat_times, 95))}", flush=True)  # fmt: skip
        before = cpu()
        result = webhook_phase(outlet, hook, hostname, port, args.messages, args.concurrency, args.wait,
                               lambda: server_cpu_seconds(web_pid))  # fmt: skip
        result["cpu"] = per_message(before)
        hooks.append(result)
        print(f"round {number + 1} webhooks: {result['accepted_per_s']:.1f} accepted/s, accept p50 "
              f"{ms(statistics.median(result['accept']))} p95 {ms(percentile(result['accept'], 95))}; "
              f"{result['replies_per_s']:.1f} replies/s, receipt->reply p50 {ms(statistics.median(result['reply']))} "
              f"p95 {ms(percentile(result['reply'], 95))}; lost {result['lost']}, extra {result['extra']}, "
              f"refused {result['count'] - result['accepted']} {result['refused']}; "
              f"server CPU {cpu_text(*result['cpu'])}/message, web CPU while accepting "
              f"{result['accept_cpu'] * 1000:.0f} ms/webhook", flush=True)  # fmt: skip
        before = cpu()
        result = chat_phase(key, hostname, port, args.messages, args.concurrency, run=number)
        result["cpu"] = per_message(before)
        chats.append(result)
        print(f"round {number + 1} POST /chat: {result['per_s']:.1f} requests/s, p50 "
              f"{ms(statistics.median(result['latency']))} p95 {ms(percentile(result['latency'], 95))}; "
              f"answered {result['answered']}/{result['count']}, refused {result['count'] - result['ok']} "
              f"{result['refused']}; server CPU {cpu_text(*result['cpu'])}/message", flush=True)  # fmt: skip
    states = deliveries(creator)
    print(f"deliveries by status: {states}")

    def med(values: list) -> float:
        return statistics.median(values)

    def each(values: list, fmt) -> str:
        return ", ".join(fmt(v) for v in values)

    accepted = [h["accepted_per_s"] for h in hooks]
    accept_p95 = [percentile(h["accept"], 95) for h in hooks]
    reply_p50 = [statistics.median(h["reply"]) for h in hooks]
    reply_p95 = [percentile(h["reply"], 95) for h in hooks]
    replies = [h["replies_per_s"] for h in hooks]
    chat_rate = [c["per_s"] for c in chats]
    chat_p50 = [statistics.median(c["latency"]) for c in chats]
    chat_p95 = [percentile(c["latency"], 95) for c in chats]
    rate, per_s = (lambda v: f"{v:.1f}"), (lambda v: ms(v))
    print("\n| path | messages/s (each round) | median | latency p50 (each round) | p95 (each round) "
          "| server CPU/message | lost |")  # fmt: skip
    print("| --- | --- | --- | --- | --- | --- | --- |")
    accept_p50 = [statistics.median(h["accept"]) for h in hooks]
    print(f"| webhook accepted (200 answered) | {each(accepted, rate)} | **{med(accepted):.1f}** "
          f"| {each(accept_p50, per_s)} | {each(accept_p95, per_s)} "
          f"| web {each([h['accept_cpu'] * 1000 for h in hooks], lambda v: f'{v:.0f} ms')} | |")  # fmt: skip
    print(f"| webhook receipt → sendMessage | {each(replies, rate)} | **{med(replies):.1f}** "
          f"| {each(reply_p50, per_s)} | {each(reply_p95, per_s)} "
          f"| {each([sum(h['cpu']) * 1000 for h in hooks], lambda v: f'{v:.0f} ms')} "
          f"| {sum(h['lost'] for h in hooks)} |")  # fmt: skip
    print(f"| POST /api/v1/chat | {each(chat_rate, rate)} | **{med(chat_rate):.1f}** "
          f"| {each(chat_p50, per_s)} | {each(chat_p95, per_s)} "
          f"| {each([sum(c['cpu']) * 1000 for c in chats], lambda v: f'{v:.0f} ms')} "
          f"| {sum(c['count'] - c['answered'] for c in chats)} |")  # fmt: skip
    if single:
        hook_p50 = [statistics.median(r["hooks"]) for r in single]
        hook_p95 = [percentile(r["hooks"], 95) for r in single]
        one_p50 = [statistics.median(r["chats"]) for r in single]
        one_p95 = [percentile(r["chats"], 95) for r in single]
        print(f"\n{args.one_at_a_time} messages one at a time per round (no queue), each path alternately:\n")
        print("| path | p50 (each round) | p95 (each round) | lost |\n| --- | --- | --- | --- |")
        print(f"| webhook receipt → sendMessage | {each(hook_p50, per_s)} | {each(hook_p95, per_s)} "
              f"| {sum(r['lost'] for r in single)} |")  # fmt: skip
        print(f"| POST /api/v1/chat | {each(one_p50, per_s)} | {each(one_p95, per_s)} | 0 |")
        extra = [statistics.median(r["hooks"]) - statistics.median(r["chats"]) for r in single]
        print(f"\none at a time, webhook p50 - chat p50 (median of rounds): {ms(med(extra))}, ratio "
              f"{med([h / c for h, c in zip(hook_p50, one_p50, strict=True)]):.2f}x")  # fmt: skip
    paired = [h["accepted_per_s"] / c["per_s"] for h, c in zip(hooks, chats, strict=True)]
    paired_replies = [h["replies_per_s"] / c["per_s"] for h, c in zip(hooks, chats, strict=True)]
    paired_p95 = [percentile(h["reply"], 95) / percentile(c["latency"], 95) for h, c in zip(hooks, chats, strict=True)]
    print(f"\nratios, webhooks / chat (median of the rounds' pairs): accepted/s {med(paired):.1f}x, "
          f"replies/s {med(paired_replies):.2f}x, receipt->reply p95 / chat p95 {med(paired_p95):.2f}x")  # fmt: skip


if __name__ == "__main__":
    main()
