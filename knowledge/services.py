"""Writes to the knowledge base. Every function runs inside one creator's schema."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from knowledge import vectors
from knowledge.models import AnswerPolicy, CuratedAnswer, Document
from knowledge.parsing import ParseFailed
from knowledge.uploads import check_upload
from tenants.scope import creator_schema

logger = logging.getLogger(__name__)
EMBED_BATCH = 32


def document_upload(
    *, upload: UploadedFile, title: str = "", tags: list[str] | None = None, uploaded_by: str = ""
) -> tuple[Document, bool]:
    """Store the file and queue its ingestion. The same content twice gives back the first document."""
    checked = check_upload(upload.file, upload.name or "", upload.size or 0)
    existing = Document.objects.filter(content_hash=checked.sha256).first()
    if existing is not None:
        return existing, False
    document = Document(
        title=(title.strip() or checked.display_name)[:200],
        tags=sorted({tag.strip()[:40] for tag in tags or [] if tag.strip()}),
        kind=checked.kind,
        original_filename=checked.display_name,
        size_bytes=checked.size,
        content_hash=checked.sha256,
        uploaded_by_email=uploaded_by,
    )
    document.file.save(checked.display_name, upload, save=False)
    try:
        with transaction.atomic():
            document.save(force_insert=True)
            _queue_ingestion(document)
    except IntegrityError:
        document.file.delete(save=False)
        return Document.objects.get(content_hash=checked.sha256), False
    except Exception:
        document.file.delete(save=False)
        raise
    return document, True


def note_create(*, title: str, text: str, tags: list[str] | None = None, written_by: str = "") -> tuple[Document, bool]:
    """A note written in the hub or API becomes a Markdown document and goes through the same pipeline."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    title, text = title.strip(), text.strip()
    if not title:
        raise ValidationError({"title": "Give the note a title."})
    if not text:
        raise ValidationError({"text": "Write the note's text."})
    content = f"# {title}\n\n{text}\n".encode()
    return document_upload(
        upload=SimpleUploadedFile("note.md", content, content_type="text/markdown"),
        title=title,
        tags=tags,
        uploaded_by=written_by,
    )


def web_page_import(
    *, url: str, title: str = "", tags: list[str] | None = None, imported_by: str = ""
) -> tuple[Document, bool]:
    """Fetch a page (public addresses only) and index it like an uploaded file."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from knowledge.web_import import fetch_page

    page = fetch_page(url)
    name = f"page.{page.kind}"
    document, created = document_upload(
        upload=SimpleUploadedFile(name, page.content), title=title or page.url[:200], tags=tags, uploaded_by=imported_by
    )
    if created:
        Document.objects.filter(pk=document.pk).update(source_url=page.url[:2000])
        document.source_url = page.url[:2000]
    return document, created


def _queue_ingestion(document: Document) -> None:
    from knowledge.tasks import ingest_document

    ingest_document.send_on_commit(str(document.id))


def document_reindex(*, document: Document) -> Document:
    with transaction.atomic():
        Document.objects.filter(pk=document.pk).update(
            status=Document.Status.QUEUED, progress=0, error="", updated_at=timezone.now()
        )
        _queue_ingestion(document)
    document.refresh_from_db()
    return document


def document_delete(*, document: Document) -> None:
    """Vectors first: if the vector store is down nothing is deleted and the call can be repeated."""
    vectors.delete_document_vectors(creator_schema(), str(document.id))
    document.file.delete(save=False)
    document.delete()


def _claim(document_id: str) -> Document | None:
    """Take the document for processing unless another worker is on it (or finished it)."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.KNOWLEDGE_STALE_PROCESSING_SECONDS)
    claimable = Q(status=Document.Status.QUEUED) | Q(status=Document.Status.PROCESSING, updated_at__lt=stale)
    with transaction.atomic():
        document = Document.objects.select_for_update(skip_locked=True).filter(claimable, pk=document_id).first()
        if document is None:
            return None
        document.status, document.progress, document.error = Document.Status.PROCESSING, 1, ""
        document.attempts += 1
        document.updated_at = now
        document.save(update_fields=["status", "progress", "error", "attempts", "updated_at"])
    return document


def _progress(document: Document, percent: int) -> None:
    Document.objects.filter(pk=document.pk).update(progress=percent, updated_at=timezone.now())


def document_ingest(*, document_id: str) -> Document | None:
    """Parse, split, embed and index one document. Safe to run twice: chunk ids are fixed.

    Long PDFs arrive from the parser in batches of pages; each batch is embedded and written while
    the parser works on the next one.
    """
    # Imported here so the web process never loads LangChain or the embedding model.
    from knowledge.chunking import split_elements
    from knowledge.embeddings import embedding_model_name, get_embeddings
    from knowledge.language import detect_language
    from knowledge.parsing import iter_parse

    document = _claim(document_id)
    if document is None:
        logger.info("document %s is not waiting for ingestion; skipping", document_id)
        return None
    schema_name = creator_schema()
    embeddings = get_embeddings()
    chunk_count, pages = 0, set()
    try:
        for batch in iter_parse(document.file.path, document.kind):
            chunks = split_elements(batch.elements, first_index=chunk_count)
            for start in range(0, len(chunks), EMBED_BATCH):
                part = chunks[start : start + EMBED_BATCH]
                vectors.upsert_chunks(
                    schema_name,
                    ids=[f"{document.id}:{chunk.index}" for chunk in part],
                    vectors=embeddings.embed_documents([chunk.text for chunk in part]),
                    texts=[chunk.text for chunk in part],
                    metadatas=[
                        {
                            "document_id": str(document.id),
                            "chunk": chunk.index,
                            "title": document.title,
                            "page": chunk.page or 0,
                            "section": chunk.section,
                            "headings": "\n".join(chunk.headings),
                            # Kept per chunk: retrieval takes the best passages of each language.
                            "language": detect_language(chunk.text, default=detect_language(document.title)),
                        }
                        for chunk in part
                    ],
                )
            chunk_count += len(chunks)
            pages.update(element.page for element in batch.elements if element.page)
            _progress(document, 5 + int(93 * batch.progress))
    except ParseFailed as exc:
        return _fail(document, str(exc))
    # A re-index that produced fewer chunks must not leave the old tail behind.
    vectors.delete_document_vectors(schema_name, str(document.id), keep_below=chunk_count)
    Document.objects.filter(pk=document.pk).update(
        status=Document.Status.READY,
        progress=100,
        chunk_count=chunk_count,
        page_count=max(pages) if pages else 0,
        embedding_model=embedding_model_name(),
        indexed_at=timezone.now(),
        updated_at=timezone.now(),
    )
    document.refresh_from_db()
    logger.info("document %s ready: %s chunks", document.id, chunk_count)
    return document


def _fail(document: Document, reason: str) -> Document:
    Document.objects.filter(pk=document.pk).update(
        status=Document.Status.FAILED, error=reason[:500], updated_at=timezone.now()
    )
    document.refresh_from_db()
    logger.info("document %s failed: %s", document.id, reason)
    return document


def document_requeue_after_outage(*, document_id: str, reason: str) -> None:
    """A transient failure (vector store down): back to the queue, with the reason shown."""
    Document.objects.filter(pk=document_id, status=Document.Status.PROCESSING).update(
        status=Document.Status.QUEUED, error=f"Waiting to retry: {reason}"[:500], updated_at=timezone.now()
    )


def curated_answer_save(
    *, question: str, answer: str, created_by: str = "", curated: CuratedAnswer | None = None
) -> CuratedAnswer:
    from knowledge.embeddings import embedding_model_name, get_embeddings

    question, answer = question.strip(), answer.strip()
    if not question or not answer:
        raise ValidationError({"answer" if question else "question": "This field is required."})
    curated = curated or CuratedAnswer(created_by_email=created_by)
    curated.question, curated.answer = question[:500], answer[:4000]
    curated.question_vector = get_embeddings().embed_query(question)
    curated.embedding_model = embedding_model_name()
    curated.updated_at = timezone.now()
    curated.save()
    return curated


def curated_answer_from_correction(*, question: str, answer: str, member_email: str = "") -> CuratedAnswer:
    """A creator's correction of a reply becomes the pinned answer for that question.

    The pinned answer for the same question (the same words, or one the matcher would already
    use for it) is updated rather than a second one made; otherwise a new one is pinned. It is
    matched across languages (see knowledge.selectors.curated_answer_match), and, unlike a note,
    it is answered as written, so no "Question:" scaffolding can reach a reply.
    """
    from knowledge.embeddings import get_embeddings
    from knowledge.language import detect_language
    from knowledge.selectors import answer_policy, curated_answer_match

    question = question.strip()
    if not question:
        raise ValidationError({"question": "This field is required."})
    with transaction.atomic():
        existing = CuratedAnswer.objects.select_for_update().filter(question__iexact=question[:500]).first()
        if existing is None:
            vector = get_embeddings().embed_query(question)
            match = curated_answer_match(vector, answer_policy().curated_match_score, detect_language(question))
            existing = match[0] if match is not None else None
        return curated_answer_save(question=question, answer=answer, created_by=member_email, curated=existing)


def curated_answer_delete(*, curated: CuratedAnswer) -> None:
    curated.delete()


def answer_policy_update(
    *, min_source_score: float | None = None, curated_match_score: float | None = None, ollama_model: str | None = None
) -> AnswerPolicy:
    """Save the creator's thresholds; the one row is made on the first save, so reading never has to."""
    changes = {
        "min_source_score": min_source_score,
        "curated_match_score": curated_match_score,
        "ollama_model": ollama_model,
    }
    with transaction.atomic():
        policy = AnswerPolicy.objects.select_for_update().order_by("pk").first() or AnswerPolicy()
        for field, value in changes.items():
            if value is not None:
                setattr(policy, field, value)
        policy.full_clean()
        policy.save()
    return policy


def curated_answer_record_hit(*, curated: CuratedAnswer) -> None:
    CuratedAnswer.objects.filter(pk=curated.pk).update(hits=F("hits") + 1)
