"""What an uploaded file really is, decided from its bytes, and whether it is safe to parse.

Extensions and Content-Type headers are claims; magic bytes and the ZIP directory are evidence.
"""

from __future__ import annotations

import codecs
import hashlib
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO

from django.conf import settings

EXTENSIONS = {".pdf": "pdf", ".docx": "docx", ".txt": "txt", ".md": "md", ".markdown": "md", ".html": "html"}
MAX_ZIP_ENTRIES = 2_000
MAX_COMPRESSION_RATIO = 200


class UploadRefused(Exception):
    """A file we will not store, with a message for the person who sent it."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class CheckedUpload:
    kind: str
    display_name: str
    size: int
    sha256: str


def clean_display_name(name: str) -> str:
    """A name to show, never to use as a path: no directories, controls or bidi overrides.

    It becomes the document's title, which the coach cites: "C:notes.txt" (a Windows drive's
    current folder, which Django's own clean-up keeps) must read "notes.txt" too.
    """
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    if len(name) > 2 and name[1] == ":" and name[0].isascii() and name[0].isalpha():
        name = name[2:]
    name = name.strip(" .")
    return name[:200] or "document"


def check_upload(stream: IO[bytes], filename: str, size: int) -> CheckedUpload:
    display_name = clean_display_name(filename)
    extension = PurePosixPath(display_name.lower()).suffix
    kind = EXTENSIONS.get(extension)
    if kind is None:
        raise UploadRefused("Upload a PDF, Word (.docx), text (.txt) or Markdown (.md) file.", 415)
    if size == 0:
        raise UploadRefused("The file is empty.")
    limit = settings.KNOWLEDGE_MAX_UPLOAD_BYTES
    if size > limit:
        raise UploadRefused(f"The file is larger than the {limit // (1024 * 1024)} MB limit.", 413)
    digest = hashlib.sha256()
    stream.seek(0)
    head = stream.read(8192)
    digest.update(head)
    for block in iter(lambda: stream.read(1024 * 1024), b""):
        digest.update(block)
    stream.seek(0)
    if kind == "pdf":
        _check_pdf(head)
    elif kind == "docx":
        _check_docx(stream)
    else:
        _check_text(stream, head)
    stream.seek(0)
    return CheckedUpload(kind=kind, display_name=display_name, size=size, sha256=digest.hexdigest())


def _check_pdf(head: bytes) -> None:
    if b"%PDF-" not in head[:1024]:
        raise UploadRefused("This file is not a PDF, whatever its name says.")


def _check_docx(stream: IO[bytes]) -> None:
    try:
        archive = zipfile.ZipFile(stream)
    except zipfile.BadZipFile as exc:
        raise UploadRefused("This file is not a Word document (.docx), whatever its name says.") from exc
    with archive:
        entries = archive.infolist()
        names = {entry.filename for entry in entries}
        if "word/document.xml" not in names or "[Content_Types].xml" not in names:
            raise UploadRefused("This ZIP file is not a Word document (.docx).")
        if len(entries) > MAX_ZIP_ENTRIES or len(names) != len(entries):
            raise UploadRefused("This Word document has too many or duplicated parts to be safe to open.")
        total = 0
        for entry in entries:
            if entry.flag_bits & 0x1:
                raise UploadRefused("This Word document is encrypted. Remove the password and upload it again.")
            if entry.filename.startswith("/") or ".." in entry.filename.split("/"):
                raise UploadRefused("This Word document contains unsafe paths.")
            if (entry.external_attr >> 16) & 0o170000 == 0o120000:
                raise UploadRefused("This Word document contains links to other files.")
            total += entry.file_size
            if entry.compress_size and entry.file_size / entry.compress_size > MAX_COMPRESSION_RATIO:
                raise UploadRefused("This Word document expands to an unsafe size (a ZIP bomb?).")
        if total > settings.KNOWLEDGE_MAX_UNZIPPED_BYTES:
            raise UploadRefused("This Word document expands to an unsafe size (a ZIP bomb?).")


def _check_text(stream: IO[bytes], head: bytes) -> None:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for block in iter(lambda: stream.read(1024 * 1024), b""):
            if b"\x00" in block:
                raise UploadRefused("This file is not text: it contains binary data.")
            decoder.decode(block)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise UploadRefused("This text file is not UTF-8. Save it as UTF-8 and upload it again.") from exc
    finally:
        stream.seek(0)
