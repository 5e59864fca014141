"""Every hostile or broken file gets a clear answer; nothing is lost and no worker goes down."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from knowledge.models import Document
from knowledge.parsing import ParseFailed, parse_file
from tests.factories import bearer, host
from tests.knowledge.samples import docx_with_document_xml, encrypted_pdf_bytes, pdf_bytes, upload

pytestmark = pytest.mark.django_db


def post(team, name: str, content: bytes):
    client = Client(**host(team.creator))
    return client.post("/api/v1/documents", {"file": upload(name, content)}, **bearer(team.owner, team.creator))


def assert_refused(response, status: int, words: str) -> None:
    assert response.status_code == status, response.content
    assert words in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("name", "content", "status", "words"),
    [
        ("empty.txt", b"", 400, "The file is empty"),
        ("notes.exe", b"MZ\x90\x00", 415, "Upload a PDF, Word"),
        ("photo.png", b"\x89PNG\r\n", 415, "Upload a PDF, Word"),
        ("plan.pdf", b"PK\x03\x04 this is a zip", 400, "not a PDF"),
        ("plan.pdf", b"<html><script>alert(1)</script></html>", 400, "not a PDF"),
        ("plan.docx", b"%PDF-1.4 not a zip", 400, "not a Word document"),
        ("notes.txt", b"hello\x00world", 400, "binary data"),
        ("notes.txt", "café".encode("latin-1"), 400, "not UTF-8"),
        ("notes.md", b"\xff\xfe\x00h\x00i", 400, "binary data"),
    ],
)
def test_files_that_are_not_what_they_claim_are_refused(knowledge, alpha, name, content, status, words):
    assert_refused(post(alpha, name, content), status, words)
    with tenant_context(alpha.creator):
        assert Document.objects.count() == 0


def test_a_file_over_the_limit_gets_413(knowledge, alpha):
    knowledge.KNOWLEDGE_MAX_UPLOAD_BYTES = 1024
    assert_refused(post(alpha, "big.txt", b"a" * 2048), 413, "larger than")
    assert_refused(post(alpha, "huge.txt", b"a" * 200_000), 413, "larger than")


def test_a_docx_zip_bomb_is_refused_before_parsing(knowledge, alpha):
    bomb = docx_with_document_xml(b"<w:document>" + b" " * 60_000_000 + b"</w:document>", compress_level=9)
    assert len(bomb) < 1_000_000
    assert_refused(post(alpha, "bomb.docx", bomb), 400, "ZIP bomb")


def test_a_docx_whose_directory_lies_about_sizes_dies_in_the_sandbox(knowledge, alpha, tmp_path):
    """The size check reads the ZIP directory; a forged directory is stopped by the child's limits."""
    bomb = docx_with_document_xml(b"<w:document>" + b" " * 300_000_000 + b"</w:document>", compress_level=9)
    forged = bytearray(bomb)
    # Rewrite every "uncompressed size" field of word/document.xml in the central directory to 1 KB.
    archive = zipfile.ZipFile(io.BytesIO(bomb))
    real = archive.getinfo("word/document.xml").file_size
    forged = bytes(forged).replace(real.to_bytes(4, "little"), (1024).to_bytes(4, "little"))
    path = tmp_path / "lying.docx"
    path.write_bytes(forged)
    knowledge.KNOWLEDGE_PARSE_MEMORY_MB = 600
    with pytest.raises(ParseFailed):
        parse_file(str(path), "docx")


@pytest.mark.parametrize(
    ("variant", "words"),
    [("encrypted", "encrypted"), ("traversal", "unsafe paths"), ("missing", "not a Word document")],
)
def test_docx_archives_with_unsafe_parts_are_refused(knowledge, alpha, variant, words):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        if variant != "missing":
            archive.writestr("word/document.xml", "<w:document/>")
        if variant == "traversal":
            archive.writestr("../../etc/cron.d/evil", "x")
    content = bytearray(buffer.getvalue())
    if variant == "encrypted":  # set the "encrypted" flag bit on every entry
        content = content.replace(b"PK\x03\x04\x14\x00\x00\x00", b"PK\x03\x04\x14\x00\x01\x00").replace(
            b"PK\x01\x02\x14\x03\x14\x00\x00\x00", b"PK\x01\x02\x14\x03\x14\x00\x01\x00"
        )
    assert_refused(post(alpha, "unsafe.docx", bytes(content)), 400, words)


def test_an_external_entity_in_a_docx_is_never_resolved(knowledge, alpha, run_jobs):
    xml = (
        b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b"<w:body><w:p><w:r><w:t>Hydration tips &xxe;</w:t></w:r></w:p></w:body></w:document>"
    )
    with run_jobs():
        response = post(alpha, "xxe.docx", docx_with_document_xml(xml))
    assert response.status_code == 202
    with tenant_context(alpha.creator):
        document = Document.objects.get()
    assert document.status in ("ready", "failed")
    client = Client(**host(alpha.creator))
    results = client.get("/api/v1/search", {"q": "root"}, **bearer(alpha.owner, alpha.creator)).json()["results"]
    assert all("root:x:0:0" not in hit["text"] for hit in results)


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("locked.pdf", encrypted_pdf_bytes(), "encrypted"),
        ("broken.pdf", pdf_bytes([["Half a document"]])[:120], "could not be read"),
        ("scan.pdf", pdf_bytes([[]]), "No text was found"),
    ],
)
def test_unreadable_pdfs_fail_with_a_reason_the_creator_understands(knowledge, alpha, run_jobs, name, content, words):
    with run_jobs():
        response = post(alpha, name, content)
    assert response.status_code == 202
    client = Client(**host(alpha.creator))
    document = client.get(f"/api/v1/documents/{response.json()['id']}", **bearer(alpha.owner, alpha.creator)).json()
    assert document["status"] == "failed"
    assert words in document["error"], document["error"]


def test_a_hostile_filename_is_shown_cleaned_and_stored_under_a_uuid(knowledge, alpha):
    response = post(alpha, "../../etc/\u202epasswd\x00.txt", b"Stretch every morning for ten minutes.")
    assert response.status_code == 202
    body = response.json()
    assert body["original_filename"] == "passwd.txt"
    with tenant_context(alpha.creator):
        stored = Document.objects.get(pk=body["id"]).file.name
    assert stored == f"creators/c_alpha/documents/{body['id']}.txt"


def test_the_parser_process_is_killed_when_it_runs_too_long_or_too_big(knowledge, tmp_path):
    path = tmp_path / "plan.txt"
    path.write_text("\n\n".join(f"Paragraph {i}: walk daily and sleep well." for i in range(4000)))
    knowledge.KNOWLEDGE_PARSE_TIMEOUT_SECONDS = 1  # this file needs several seconds
    with pytest.raises(ParseFailed, match="took too long"):
        parse_file(str(path), "txt")
    path.write_text("Walk every day.")
    assert parse_file(str(path), "txt")[0].text == "Walk every day.", "a fresh parser takes the next file"
    knowledge.KNOWLEDGE_PARSE_TIMEOUT_SECONDS = 60
    knowledge.KNOWLEDGE_PARSE_MEMORY_MB = 40
    with pytest.raises(ParseFailed, match="too much memory"):
        parse_file(str(path), "txt")
