"""Ingestion speed end to end: a generated 200-page PDF through the real Dramatiq actor.

Usage: python bench/ingestion.py [--pages 200] [--lines 38]
Reports pages/s and chunks/s (upload excluded: parse in the sandboxed child, split, embed with
the embedded e5 model, write to Chroma), plus peak memory of the worker and of the parser child.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

import psutil
from _setup import ROOT, bench_creator, throwaway_platform

DB = "compa_bench_ingestion"
TOPICS = ["sleep", "protein", "hydration", "strength", "mobility", "stress", "habits", "recovery"]


def make_pdf(pages: int, lines_per_page: int) -> bytes:
    """A book-like PDF: `lines_per_page` lines of ~60 characters (a printed page holds 35-45)."""
    sys.path.insert(0, str(ROOT))
    from tests.knowledge.samples import pdf_bytes

    sentences = [
        "focus on {t} for at least {m} minutes today",
        "write down how your {t} felt and rate it from one to ten",
        "clients who track {t} for {w} weeks keep the habit longer",
        "if {t} feels hard, reduce the goal by a third and try again",
        "pair {t} with an existing routine such as breakfast",
        "small, repeated actions beat occasional big efforts",
    ]
    content = []
    for number in range(1, pages + 1):
        lines = [f"Chapter {number}"]
        for line in range(lines_per_page - 1):
            topic = TOPICS[(number + line) % len(TOPICS)]
            sentence = sentences[(number * 7 + line) % len(sentences)]
            lines.append(f"Day {number}.{line}: " + sentence.format(t=topic, m=10 + line, w=2 + line % 6) + ".")
        content.append(lines)
    return pdf_bytes(content)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--lines", type=int, default=38, help="lines of ~60 characters per page")
    args = parser.parse_args()
    with throwaway_platform(DB):
        run(args.pages, args.lines)


def run(pages: int, lines: int) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django_tenants.utils import tenant_context

    from knowledge.models import Document
    from knowledge.services import document_upload
    from knowledge.tasks import ingest_document

    creator = bench_creator()
    pdf = make_pdf(pages, lines)
    with tenant_context(creator):
        document, _ = document_upload(upload=SimpleUploadedFile("book.pdf", pdf), title="Programme")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    ingest_document.fn(creator.schema_name, str(document.id))
    seconds = time.perf_counter() - started
    with tenant_context(creator):
        document = Document.objects.get(pk=document.id)
    worker_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    from knowledge import parsing

    child_mb = psutil.Process(parsing._current.process.pid).memory_info().rss / 1024 / 1024 if parsing._current else 0
    # Baseline in the same run: the embedding model alone on the same chunk texts.
    from knowledge import vectors
    from knowledge.embeddings import get_embeddings

    texts = vectors.creator_collection(creator.schema_name).get(limit=100, include=["documents"])["documents"]
    t0 = time.perf_counter()
    get_embeddings().embed_documents(texts)
    model_rate = len(texts) / (time.perf_counter() - t0)
    print(f"PDF: {pages} pages x {lines} lines, {len(pdf) / 1024:.0f} KB; status {document.status} {document.error}")
    print(f"end to end: {seconds:.1f}s  →  {document.page_count / seconds:.1f} pages/s, "
          f"{document.chunk_count / seconds:.1f} chunks/s ({document.chunk_count} chunks)")  # fmt: skip
    rate = document.chunk_count / seconds
    print(f"the model alone on {len(texts)} of the same chunks: {model_rate:.1f} chunks/s "
          f"(the pipeline reaches {rate / model_rate:.0%} of it)")  # fmt: skip
    print(f"peak memory: worker {worker_mb:.0f} MB (before ingestion {rss_before:.0f} MB), "
          f"parser process {child_mb:.0f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
