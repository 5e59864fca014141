"""Ingestion speed end to end: a generated 200-page PDF through the real Dramatiq actor.

Usage: python bench/ingestion.py [--pages 200]
Reports pages/s and chunks/s (upload excluded: parse in the sandboxed child, split, embed with
the embedded e5 model, write to Chroma), plus peak memory of the worker and of the parser child.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

from _setup import ROOT, chroma_server, drop_database, fresh_database

DB = "compa_bench_ingestion"
TOPICS = ["sleep", "protein", "hydration", "strength", "mobility", "stress", "habits", "recovery"]


def make_pdf(pages: int) -> bytes:
    sys.path.insert(0, str(ROOT))
    from tests.knowledge.samples import pdf_bytes

    content = []
    for number in range(1, pages + 1):
        topic = TOPICS[number % len(TOPICS)]
        content.append(
            [
                f"Chapter {number}: {topic}",
                f"On day {number} of the programme, focus on {topic} for at least {10 + number % 20} minutes.",
                f"Write down how your {topic} felt today and rate it from one to ten in your journal.",
                f"Coaches notice that clients who track {topic} for {number % 7 + 2} weeks keep the habit longer.",
                f"If {topic} feels hard, reduce the goal by a third and try again tomorrow morning.",
                f"Tip {number}: pair {topic} with an existing routine such as breakfast or your commute home.",
                "Remember that small, repeated actions beat occasional big efforts over a season.",
            ]
        )
    return pdf_bytes(content)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=200)
    args = parser.parse_args()
    with chroma_server():
        fresh_database(DB)
        try:
            run(args.pages)
        finally:
            drop_database(DB)


def run(pages: int) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django_tenants.utils import tenant_context

    from knowledge.models import Document
    from knowledge.services import document_upload
    from knowledge.tasks import ingest_document
    from tenants.models import User
    from tenants.services import creator_create

    call_command("bootstrap_platform", verbosity=0)
    owner = User.objects.create_user(email="bench@example.com", password="bench-password-123")
    creator = creator_create(owner=owner, name="Bench", slug="bench")
    pdf = make_pdf(pages)
    with tenant_context(creator):
        document, _ = document_upload(upload=SimpleUploadedFile("book.pdf", pdf), title="Programme")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    ingest_document.fn(creator.schema_name, str(document.id))
    seconds = time.perf_counter() - started
    with tenant_context(creator):
        document = Document.objects.get(pk=document.id)
    worker_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"PDF: {pages} pages, {len(pdf) / 1024:.0f} KB; status {document.status} {document.error}")
    print(f"end to end: {seconds:.1f}s  →  {document.page_count / seconds:.1f} pages/s, "
          f"{document.chunk_count / seconds:.1f} chunks/s ({document.chunk_count} chunks)")  # fmt: skip
    print(
        f"peak memory: worker {worker_mb:.0f} MB (before ingestion {rss_before:.0f} MB), parser child {child_mb:.0f} MB"
    )


if __name__ == "__main__":
    main()
