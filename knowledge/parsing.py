"""Turn a stored file into sections (text, page, section title) through the parser process.

Each worker process keeps one warm parser process (knowledge.parse_child --serve), shared by its
threads one document at a time (parsing is CPU-bound, and each parser holds ~0.5 GB). A parse that
runs past its time is answered by killing that process; one that exhausts its memory kills it by
itself. Either way the next document gets a fresh process, and the worker never goes down.
"""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(__file__).resolve().parent.parent
RECYCLE_AFTER_DOCUMENTS = 50
_lock = threading.Lock()
_current: ParserProcess | None = None


class ParseFailed(Exception):
    """The file could not be read; the message is meant for the creator."""


@dataclass(frozen=True)
class Element:
    text: str
    page: int | None
    section: str


class ParserProcess:
    def __init__(self) -> None:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", str(settings.VAR_DIR)),
            "PARSE_MEMORY_MB": str(settings.KNOWLEDGE_PARSE_MEMORY_MB),
            "DO_NOT_TRACK": "1",
            "UNSTRUCTURED_DISABLE_NOTICE": "1",
            "HF_HUB_OFFLINE": "1",
            "OMP_NUM_THREADS": "1",
            "PYTHONPATH": str(BASE_DIR),
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "knowledge.parse_child", "--serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=BASE_DIR,
        )
        self.documents = 0
        self.ready = False
        self.memory_mb = settings.KNOWLEDGE_PARSE_MEMORY_MB

    def _read_line(self, deadline: float) -> bytes:
        selector = selectors.DefaultSelector()
        selector.register(self.process.stdout, selectors.EVENT_READ)  # type: ignore[arg-type]
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not selector.select(remaining):
                    raise TimeoutError
                return self.process.stdout.readline()  # type: ignore[union-attr]
        finally:
            selector.close()

    def parse(self, path: str, kind: str, timeout: float) -> dict:
        if not self.ready:
            # Start-up (imports) gets its own allowance, so a cold process does not eat the parse's time.
            if not self._read_line(time.monotonic() + 60):
                raise EOFError
            self.ready = True
        deadline = time.monotonic() + timeout
        self.process.stdin.write(json.dumps({"kind": kind, "path": path}).encode() + b"\n")  # type: ignore[union-attr]
        self.process.stdin.flush()  # type: ignore[union-attr]
        line = self._read_line(deadline)
        if not line:
            raise EOFError
        self.documents += 1
        return json.loads(line)

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.alive():
            self.process.kill()
        self.process.wait(5)


def _parser() -> ParserProcess:
    """The warm parser, replaced when it died, served its quota, or its memory limit changed."""
    global _current
    parser = _current
    if (
        parser is None
        or not parser.alive()
        or parser.documents >= RECYCLE_AFTER_DOCUMENTS
        or parser.memory_mb != settings.KNOWLEDGE_PARSE_MEMORY_MB
    ):
        if parser is not None:
            parser.stop()
        parser = _current = ParserProcess()
    return parser


def parse_file(path: str, kind: str) -> list[Element]:
    with _lock:
        parser = _parser()
        try:
            payload = parser.parse(path, kind, timeout=settings.KNOWLEDGE_PARSE_TIMEOUT_SECONDS)
        except TimeoutError as exc:
            parser.stop()
            raise ParseFailed("Reading this file took too long; it may be damaged or far too complex.") from exc
        except (EOFError, BrokenPipeError, json.JSONDecodeError, OSError) as exc:
            parser.stop()
            raise ParseFailed("Reading this file needed too much memory; it may be damaged or hostile.") from exc
    return elements_from_payload(payload, kind)


def elements_from_payload(payload: dict, kind: str) -> list[Element]:
    if "error" in payload:
        raise ParseFailed(unreadable_message(kind, payload["error"]))
    elements, section = [], ""
    for item in payload.get("elements", []):
        text = " ".join(item["text"].split())
        if item["category"] == "Title" and len(text) < 200:
            section = text.lstrip("#").strip()
        elements.append(Element(text=text, page=item.get("page"), section=section))
    if not elements:
        raise ParseFailed("No text was found in this file (a scan or an image-only PDF needs OCR first).")
    return elements


def unreadable_message(kind: str, detail: str) -> str:
    lowered = detail.lower()
    if "password" in lowered or "encrypt" in lowered:
        return "This file is encrypted. Remove the password and upload it again."
    return f"This {kind.upper()} file is damaged or not what its name says and could not be read."
