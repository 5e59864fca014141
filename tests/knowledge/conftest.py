from __future__ import annotations

import contextlib

import pytest


@pytest.fixture
def knowledge(settings, chroma_url, tmp_path):
    """A real Chroma server and a scratch media folder; vectors do not roll back with the
    database, so every test starts from empty creator collections."""
    from knowledge import vectors

    settings.CHROMA_URL = chroma_url
    settings.MEDIA_ROOT = tmp_path / "media"
    for schema in ("c_alpha", "c_beta"):
        with contextlib.suppress(vectors.VectorStoreUnavailable):  # did not exist yet
            vectors.drop_collection(schema)
    return settings
