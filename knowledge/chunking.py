"""Split parsed elements into chunks that keep their page number and section title."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby

from django.conf import settings
from langchain_text_splitters import RecursiveCharacterTextSplitter

from knowledge.parsing import Element


@dataclass(frozen=True)
class Chunk:
    index: int
    text: str
    page: int | None
    section: str


def split_elements(elements: list[Element]) -> list[Chunk]:
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=settings.KNOWLEDGE_CHUNK_CHARS,
        chunk_overlap=settings.KNOWLEDGE_CHUNK_OVERLAP,
        separators=["\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ", ""],
    )
    chunks: list[Chunk] = []
    # A chunk never spans two pages or two sections, so its citation is exact.
    for (page, section), group in groupby(elements, key=lambda element: (element.page, element.section)):
        block = "\n\n".join(element.text for element in group)
        for text in splitter.split_text(block):
            chunks.append(Chunk(index=len(chunks), text=text, page=page, section=section))
    return chunks
