"""Split parsed elements into chunks that keep their page number and section title."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

from django.conf import settings
from langchain_text_splitters import RecursiveCharacterTextSplitter

from knowledge.parsing import Element

SHORT_BLOCK_CHARS = 80


@dataclass(frozen=True)
class Chunk:
    index: int
    text: str
    page: int | None
    section: str


def split_elements(elements: list[Element], first_index: int = 0) -> list[Chunk]:
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=settings.KNOWLEDGE_CHUNK_CHARS,
        chunk_overlap=settings.KNOWLEDGE_CHUNK_OVERLAP,
        separators=["\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ", ""],
    )
    # A chunk never spans two pages or two sections, so its citation is exact.
    blocks = [
        (page, section, "\n\n".join(element.text for element in group))
        for (page, section), group in groupby(elements, key=lambda element: (element.page, element.section))
    ]
    # A block that is only a heading (a document title before its first section) joins the next
    # block on the same page instead of becoming a chunk that matches everything and says nothing.
    merged: list[tuple[int | None, str, str]] = []
    carry = ""
    for position, (page, section, text) in enumerate(blocks):
        following = blocks[position + 1] if position + 1 < len(blocks) else None
        if len(text) < SHORT_BLOCK_CHARS and following is not None and following[0] == page:
            carry = f"{carry}{text}\n\n"
            continue
        merged.append((page, section, carry + text))
        carry = ""
    chunks: list[Chunk] = []
    for page, section, block in merged:
        for text in splitter.split_text(block):
            chunks.append(Chunk(index=first_index + len(chunks), text=text, page=page, section=section))
    return chunks
