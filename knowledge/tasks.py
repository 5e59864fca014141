"""Knowledge jobs. Thin: the work is in knowledge.services."""

from __future__ import annotations

from knowledge.services import document_ingest, document_requeue_after_outage
from knowledge.vectors import VectorStoreUnavailable
from tenants.jobs import tenant_actor
from tenants.models import Creator


@tenant_actor(
    max_retries=8,
    min_backoff=2_000,
    max_backoff=300_000,
    time_limit=30 * 60 * 1000,
    queue_name="ingestion",
    priority=50,
)
def ingest_document(creator: Creator, document_id: str) -> None:
    try:
        document_ingest(document_id=document_id)
    except VectorStoreUnavailable as exc:
        document_requeue_after_outage(document_id=document_id, reason=str(exc))
        raise  # Dramatiq retries with backoff
