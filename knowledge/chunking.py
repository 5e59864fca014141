"""Split parsed elements into chunks that keep their page number and section title.

Elements are joined so that the text keeps where sentences, headings and list items end: a PDF
line that continues the previous one (which did not end a sentence, and the next starts in lower
case or with a number) is joined with a space; every other element boundary stays a paragraph
break. The composer then splits sentences at punctuation and structural breaks only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import groupby

from django.conf import settings
from langchain_text_splitters import RecursiveCharacterTextSplitter

from knowledge.parsing import Element

SHORT_BLOCK_CHARS = 80
STRUCTURAL = frozenset({"Title", "ListItem", "Header", "Footer", "Table"})
SENTENCE_CLOSED = re.compile(r"[.!?:;…\"”»)\]]$")
CONTINUES = re.compile(r"^[a-záéíóúüñ0-9(]")


@dataclass(frozen=True)
class Chunk:
    index: int
    text: str
    page: int | None
    section: str
    headings: tuple[str, ...] = ()


def continues(previous: Element, element: Element) -> bool:
    """Is `element` the rest of `previous`'s sentence, cut by a line break (PDF lines)?"""
    return (
        previous.category not in STRUCTURAL
        and element.category not in STRUCTURAL
        and not SENTENCE_CLOSED.search(previous.text)
        and bool(CONTINUES.match(element.text))
    )


def join_elements(elements: list[Element]) -> str:
    parts: list[str] = []
    for position, element in enumerate(elements):
        if position and continues(elements[position - 1], element):
            parts.append(" ")
        elif position:
            parts.append("\n\n")
        parts.append(element.text)
    return "".join(parts)


def split_elements(elements: list[Element], first_index: int = 0) -> list[Chunk]:
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=settings.KNOWLEDGE_CHUNK_CHARS,
        chunk_overlap=settings.KNOWLEDGE_CHUNK_OVERLAP,
        separators=["\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ", ""],
    )
    # A chunk never spans two pages or two sections, so its citation is exact.
    groups = [list(group) for _, group in groupby(elements, key=lambda element: (element.page, element.section))]
    blocks = [(group[0].page, group[0].section, join_elements(group)) for group in groups]
    headings = {element.text for element in elements if element.category == "Title"}
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
            found = tuple(line for line in text.split("\n") if line.strip() in headings)
            chunks.append(Chunk(index=first_index + len(chunks), text=text, page=page, section=section, headings=found))
    return chunks
