"""The coach cites a document by its title: the directory parts of an uploaded file's name never
reach it, whatever the sending program put in the name."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from knowledge.models import Document
from tests.conftest import client_for
from tests.factories import bearer, host

pytestmark = pytest.mark.django_db

BOUNDARY = "compa-boundary"
NAMES = ["../../notes.txt", "C:\\x\\notes.txt", "C:notes.txt", "c:/x/notes.txt", "..\\..\\notes.txt"]


def multipart(field: str, disposition: str, content: bytes) -> bytes:
    """Built by hand: Django's test client keeps only the base name, a script sending its own may not."""
    head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{field}"; {disposition}\r\n'
    head += "Content-Type: text/plain\r\n\r\n"
    return head.encode() + content + f"\r\n--{BOUNDARY}--\r\n".encode()


def api_upload(team, disposition: str):
    return Client(**host(team.creator)).post(
        "/api/v1/documents",
        multipart("file", disposition, b"Stretch every morning for ten minutes."),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        **bearer(team.owner, team.creator),
    )


@pytest.mark.parametrize("name", NAMES)
def test_an_api_upload_is_titled_with_the_base_name_only(knowledge, alpha, name):
    response = api_upload(alpha, f'filename="{name}"')
    assert response.status_code == 202, response.content
    assert (response.json()["title"], response.json()["original_filename"]) == ("notes.txt", "notes.txt")


def test_an_encoded_file_name_is_titled_with_the_base_name_only(knowledge, alpha):
    response = api_upload(alpha, "filename*=UTF-8''..%2F..%2Fnotes.txt")
    assert response.status_code == 202, response.content
    assert response.json()["title"] == "notes.txt"


@pytest.mark.parametrize("name", NAMES)
def test_a_hub_upload_is_titled_with_the_base_name_only(knowledge, alpha, name):
    response = client_for(alpha.creator, alpha.owner).post(
        "/hub/knowledge/",
        multipart("files", f'filename="{name}"', b"Stretch every morning for ten minutes."),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        follow=True,
    )
    assert "notes.txt is being read." in response.content.decode()
    with tenant_context(alpha.creator):
        assert list(Document.objects.values_list("title", flat=True)) == ["notes.txt"]
