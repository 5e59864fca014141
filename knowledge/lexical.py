"""The lexical half of hybrid retrieval: a BM25 index (bm25s) over one creator's chunks.

Dense e5 search finds meanings; it is weak on exact words, names and numbers ("ZEBRA-A-42",
"22:40"). BM25 finds those. `knowledge.selectors.knowledge_search` fuses the two.

Where the index lives, and why it stays correct with several worker processes: it is not stored
anywhere. Each process builds it from the creator's chunks in Chroma (the one store every process
already shares) on first use and keeps it in memory, keyed by the creator's schema (checked through
tenants.scope, so a `public` index cannot exist). Before every search the process reads a
fingerprint of the creator's library from Postgres — how many documents are ready and when the
last one was indexed — and rebuilds when it changed. Ingest, re-index, note and web-page imports
all end by marking a document ready with a new `indexed_at`, and a delete removes a ready row, so
each of them changes the fingerprint in every process at once, with no message to lose and no file
to lock. A chunk deleted between two fingerprints (a document removed while still processing) can
only surface as a lexical candidate whose vector is then missing in Chroma, and such candidates
are dropped by the caller. Rebuilding costs one Chroma read and ~20 ms per 1,000 chunks.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from tenants.scope import creator_schema_checked

TOKEN = re.compile(r"[a-z]+|\d+(?:[.,:]\d+)*")
STOPWORDS = frozenset(
    # English
    "a an the of and or to in on at by for with from is are was were be been it its this that these those "
    "i you he she we they me my your our their what how when where which who why do does did can could "
    "should would will have has had not no yes so if as about into than then there here much many some any "
    "per each every more most very just also too"
    # Spanish (accents folded)
    " el la los las un una unos unas de del al y o u en es son por para con sin que se lo le les me mi mis "
    "tu tus su sus como cuando donde cual cuales quien porque pero muy mas mucho mucha muchos poco hay "
    "debo debe deberia puedo puede estoy esta estan soy eres tengo tiene necesito quiero hacer hago ser "
    "cuanto cuanta cuantos cuantas que ya yo si tambien".split()
)


def fold(text: str) -> str:
    """Lower case without accents, so "Cuántos" and "cuantos" are one word."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def stem(word: str) -> str:
    """A deliberately light stemmer for English and Spanish: plural endings only."""
    if word[0].isdigit() or len(word) <= 4:
        return word
    if word.endswith("ies") and len(word) > 5:
        return word[:-3] + "y"
    if word.endswith("es") and len(word) > 5 and word[-3] in "lnrsxz":
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    return [stem(word) for word in TOKEN.findall(fold(text)) if word not in STOPWORDS]


@dataclass
class _Index:
    fingerprint: tuple[Any, ...]
    ids: list[str]
    retriever: Any | None


_indexes: dict[tuple[str, str], _Index] = {}
_lock = threading.Lock()


def library_fingerprint() -> tuple[Any, ...]:
    """Changes whenever a document of the current creator is indexed again, added or deleted."""
    from django.db.models import Count, Max

    from knowledge.models import Document

    figures = Document.objects.filter(status=Document.Status.READY).aggregate(count=Count("pk"), last=Max("indexed_at"))
    return (figures["count"], figures["last"])


def _build(schema_name: str, fingerprint: tuple[Any, ...]) -> _Index:
    import bm25s

    from knowledge.vectors import all_chunks

    ids, texts = all_chunks(schema_name)
    corpus = [tokens(text) or ["_"] for text in texts]
    retriever = None
    if corpus:
        retriever = bm25s.BM25()
        retriever.index(corpus, show_progress=False)
    return _Index(fingerprint, ids, retriever)


def lexical_search(schema_name: str, query: str, k: int) -> list[tuple[str, float]]:
    """(chunk id, BM25 score) of the creator's best lexical matches, best first, scores above 0.

    The query's words are joined by their counterparts in the other language (knowledge.lexicon),
    so "siesta" also finds a passage about naps and "week one" one about "semana uno"."""
    from knowledge.lexicon import translated_terms

    schema_name = creator_schema_checked(schema_name)
    words = tokens(query)
    if not words:
        return []
    words = words + [word for word in translated_terms(query) if word not in words]
    key = (settings.CHROMA_URL, schema_name)
    fingerprint = library_fingerprint()
    index = _indexes.get(key)
    if index is None or index.fingerprint != fingerprint:
        with _lock:
            index = _indexes.get(key)
            if index is None or index.fingerprint != fingerprint:
                index = _indexes[key] = _build(schema_name, fingerprint)
    if index.retriever is None:
        return []
    scores = index.retriever.get_scores(words)
    order = scores.argsort()[::-1][:k]
    return [(index.ids[i], float(scores[i])) for i in order if scores[i] > 0]


def lexical_forget(schema_name: str) -> None:
    """Drop this process's index for a creator (a purge); other processes notice the fingerprint."""
    for key in [key for key in _indexes if key[1] == schema_name]:
        _indexes.pop(key, None)
