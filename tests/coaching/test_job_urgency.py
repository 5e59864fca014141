"""Jobs run by urgency: live replies first, then outbound sends, ingestion, then proactive batches,
so a burst of 08:00 check-ins never delays a person waiting for an answer."""

from __future__ import annotations

import threading
import time

import dramatiq
from dramatiq import Middleware, Worker

from coaching.tasks import proactive_run, proactive_tick
from conversations.tasks import delivery_send, raw_delivery_process
from knowledge.tasks import ingest_document


class Recorder(Middleware):
    def __init__(self) -> None:
        self.order: list[str] = []
        self.lock = threading.Lock()

    def before_process_message(self, broker, message) -> None:
        with self.lock:
            self.order.append(message.actor_name.rsplit(".", 1)[-1])
        raise dramatiq.middleware.SkipMessage  # the order is what is measured, not the work


def test_each_kind_of_job_has_its_queue_and_urgency():
    assert (raw_delivery_process.queue_name, raw_delivery_process.priority) == ("replies", 0)
    assert (delivery_send.queue_name, delivery_send.priority) == ("outbound", 10)
    assert (ingest_document.queue_name, ingest_document.priority) == ("ingestion", 50)
    assert (proactive_run.queue_name, proactive_run.priority) == ("proactive", 100)
    assert proactive_tick.queue_name == "proactive"


def test_a_burst_of_proactive_jobs_never_delays_a_persons_reply():
    broker = dramatiq.get_broker()
    broker.flush_all()
    recorder = Recorder()
    broker.add_middleware(recorder)
    try:
        for n in range(200):
            proactive_run.send(f"creator_{n % 7}")
        raw_delivery_process.send("alpha", "a-person-is-waiting")
        worker = Worker(broker, worker_threads=1, worker_timeout=50)
        worker.start()
        deadline = time.monotonic() + 20
        while len(recorder.order) < 201 and time.monotonic() < deadline:
            time.sleep(0.02)
        worker.stop()
    finally:
        broker.middleware.remove(recorder)
        broker.flush_all()
    assert len(recorder.order) == 201
    waited_behind = recorder.order.index("raw_delivery_process")
    # At most the one job already taken before the reply's queue was read; with equal urgency the
    # reply would wait behind every proactive job the worker had fetched ahead of it.
    assert waited_behind <= 1, f"the reply waited behind {waited_behind} proactive jobs"
