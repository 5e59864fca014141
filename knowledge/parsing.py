"""Turn a stored file into sections (text, page, section title) via a limited child process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(__file__).resolve().parent.parent


class ParseFailed(Exception):
    """The file could not be read; the message is meant for the creator."""


@dataclass(frozen=True)
class Element:
    text: str
    page: int | None
    section: str


def parse_file(path: str, kind: str) -> list[Element]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(settings.VAR_DIR)),
        "PARSE_MEMORY_MB": str(settings.KNOWLEDGE_PARSE_MEMORY_MB),
        "PARSE_CPU_SECONDS": str(max(1, int(settings.KNOWLEDGE_PARSE_TIMEOUT_SECONDS))),
        "DO_NOT_TRACK": "1",
        "UNSTRUCTURED_DISABLE_NOTICE": "1",
        "HF_HUB_OFFLINE": "1",
        "OMP_NUM_THREADS": "1",
        "PYTHONPATH": str(BASE_DIR),
    }
    try:
        result = subprocess.run(
            [sys.executable, "-m", "knowledge.parse_child", kind, path],
            capture_output=True,
            timeout=settings.KNOWLEDGE_PARSE_TIMEOUT_SECONDS,
            env=env,
            cwd=BASE_DIR,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise ParseFailed("Reading this file took too long; it may be damaged or far too complex.") from exc
    return elements_from_child(result.returncode, result.stdout, result.stderr, kind)


def elements_from_child(returncode: int, stdout: bytes, stderr: bytes, kind: str) -> list[Element]:
    try:
        payload = json.loads(stdout or b"{}")
    except json.JSONDecodeError:
        payload = {}
    if returncode != 0:
        if "error" in payload:
            raise ParseFailed(unreadable_message(kind, payload["error"]))
        if returncode < 0 or b"memory" in stderr.lower():
            raise ParseFailed("Reading this file needed too much memory or time; it may be damaged or hostile.")
        raise ParseFailed(f"This {kind.upper()} file could not be read.")
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
