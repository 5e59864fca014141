"""Deleting a creator removes everything it left: schema, vectors, files, hosts and team."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django_tenants.utils import schema_exists, tenant_context

from knowledge import vectors
from knowledge.models import Document
from tenants.models import Creator, Domain, Membership
from tests.factories import bearer, host, make_creator
from tests.knowledge.samples import upload

pytestmark = pytest.mark.django_db


def test_purging_a_creator_leaves_nothing_behind(knowledge, beta, run_jobs):
    gone = make_creator("gone")
    owner = Membership.objects.get(creator=gone).user
    client, headers = Client(**host(gone)), bearer(owner, gone)
    with run_jobs():
        client.post("/api/v1/documents", {"file": upload("plan.txt", b"Walk every single day.")}, **headers)
    with tenant_context(gone):
        path = Path(Document.objects.get().file.path)
    assert path.exists()
    assert vectors.collection_name("c_gone") in {
        c.name for c in vectors._client(knowledge.CHROMA_URL).list_collections()
    }

    with pytest.raises(CommandError, match="--yes"):
        call_command("purge_creator", "gone")
    call_command("purge_creator", "gone", "--yes")

    assert not schema_exists("c_gone")
    assert not path.exists()
    assert vectors.collection_name("c_gone") not in {
        c.name for c in vectors._client(knowledge.CHROMA_URL).list_collections()
    }
    assert not Creator.objects.filter(slug="gone").exists()
    assert not Domain.objects.filter(domain="gone.localhost").exists()
    assert not Membership.objects.filter(user=owner).exists()
    assert Client(**host(gone)).get("/api/v1/me", **headers).status_code == 404
    assert Creator.objects.filter(slug="beta").exists() and schema_exists("c_beta")


def test_the_platform_and_template_cannot_be_purged(platform):
    with pytest.raises(CommandError, match="No creator"):
        call_command("purge_creator", "_template", "--yes")
