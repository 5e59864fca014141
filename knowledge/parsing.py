"""Turn a stored file into sections (text, page, section title) through the parser process.

Each worker process keeps one warm parser process (knowledge.parse_child --serve), shared by its
threads one document at a time (parsing is CPU-bound, and each parser holds ~0.5 GB). A parse that
runs past its time is answered by killing that process; one that exhausts its memory kills it by
itself. Either way the next document gets a fresh process, and the worker never goes down.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
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
    category: str = ""  # unstructured's: Title, ListItem, NarrativeText, UncategorizedText...


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
        with contextlib.suppress(OSError, AttributeError):
            # Room for a whole batch in the pipe: the parser keeps going while the worker embeds.
            fcntl.fcntl(self.process.stdout.fileno(), fcntl.F_SETPIPE_SZ, 1 << 20)  # type: ignore[union-attr]
        self.pending = bytearray()
        self.documents = 0
        self.ready = False
        self.memory_mb = settings.KNOWLEDGE_PARSE_MEMORY_MB

    def _read_line(self, deadline: float) -> bytes:
        """One line from the parser, or b"" if it died. Reads the pipe directly: a buffered reader
        could hold the next line while select() reports nothing left to read."""
        fd = self.process.stdout.fileno()  # type: ignore[union-attr]
        while b"\n" not in self.pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            readable, _, _ = select.select([fd], [], [], remaining)
            if not readable:
                raise TimeoutError
            block = os.read(fd, 1 << 20)
            if not block:
                return b""
            self.pending += block
        line, _, rest = bytes(self.pending).partition(b"\n")
        self.pending = bytearray(rest)
        return line + b"\n"

    def parse(self, path: str, kind: str, timeout: float) -> Iterator[dict]:
        """The parser's messages for one file. `timeout` bounds the time spent waiting on the
        parser, not the time the caller spends on each batch in between."""
        if not self.ready:
            # Start-up (imports) gets its own allowance, so a cold process does not eat the parse's time.
            if not self._read_line(time.monotonic() + 60):
                raise EOFError
            self.ready = True
        self.process.stdin.write(json.dumps({"kind": kind, "path": path}).encode() + b"\n")  # type: ignore[union-attr]
        self.process.stdin.flush()  # type: ignore[union-attr]
        self.documents += 1
        waited = 0.0
        while True:
            started = time.monotonic()
            line = self._read_line(started + timeout - waited)
            waited += time.monotonic() - started
            if not line:
                raise EOFError
            message = json.loads(line)
            yield message
            if not message.get("more"):
                return

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


@dataclass(frozen=True)
class Batch:
    elements: list[Element]
    progress: float  # 0..1 of the file parsed so far


def iter_parse(path: str, kind: str) -> Iterator[Batch]:
    """The file's elements batch by batch (long PDFs), keeping section titles across batches."""
    with _lock:
        parser = _parser()
        section, found = "", 0
        try:
            for message in parser.parse(path, kind, timeout=settings.KNOWLEDGE_PARSE_TIMEOUT_SECONDS):
                if "error" in message:
                    raise ParseFailed(unreadable_message(kind, message["error"]))
                elements = []
                for item in message.get("elements", []):
                    text = " ".join(item["text"].split())
                    if item["category"] == "Title" and len(text) < 200:
                        section = text.lstrip("#").strip()
                    elements.append(
                        Element(text=text, page=item.get("page"), section=section, category=item["category"])
                    )
                found += len(elements)
                pages = message.get("pages") or 1
                yield Batch(elements, (message.get("pages_done") or pages) / pages)
        except TimeoutError as exc:
            parser.stop()
            raise ParseFailed("Reading this file took too long; it may be damaged or far too complex.") from exc
        except (EOFError, BrokenPipeError, json.JSONDecodeError, OSError) as exc:
            parser.stop()
            raise ParseFailed("Reading this file needed too much memory; it may be damaged or hostile.") from exc
        except GeneratorExit:
            parser.stop()  # the caller gave up half-way: the parser may still be writing
            raise
        if not found:
            raise ParseFailed("No text was found in this file (a scan or an image-only PDF needs OCR first).")


def parse_file(path: str, kind: str) -> list[Element]:
    return [element for batch in iter_parse(path, kind) for element in batch.elements]


def unreadable_message(kind: str, detail: str) -> str:
    lowered = detail.lower()
    if "password" in lowered or "encrypt" in lowered:
        return "This file is encrypted. Remove the password and upload it again."
    return f"This {kind.upper()} file is damaged or not what its name says and could not be read."
