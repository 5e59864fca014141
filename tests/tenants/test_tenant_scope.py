"""Outside SQL the creator is named through tenants.scope, which fails closed: from the public or the
template schema the vector store, channel groups, cache keys, media paths and jobs raise instead of
making a `public_*` name. Platform-wide keys say so and never carry a schema."""

from __future__ import annotations

import uuid

import dramatiq
import pytest
from django.conf import settings
from django.db import connection
from django_tenants.utils import tenant_context

from conversations.realtime import conversation_group, inbox_group, publish_on_commit
from knowledge import vectors
from knowledge.models import Document, document_upload_path
from knowledge.query_vectors import query_vector_prefetch
from knowledge.selectors import knowledge_search
from knowledge.tasks import ingest_document
from tenants.auth_limits import Budget, _keys
from tenants.models import Creator
from tenants.scope import OutsideCreatorScope, creator_key, creator_schema, platform_key

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_broker():
    dramatiq.get_broker().flush_all()
    yield
    dramatiq.get_broker().flush_all()


@pytest.fixture(params=["public", "template"])
def outside_any_creator(request, platform):
    """The two schemas that belong to no creator; the autouse fixture puts public back afterwards."""
    if request.param == "public":
        connection.set_schema_to_public()
    else:
        connection.set_schema(settings.TENANT_BASE_SCHEMA)
    return connection.schema_name


def test_it_refuses_the_vector_store_outside_a_creator(outside_any_creator):
    with pytest.raises(OutsideCreatorScope):
        vectors.collection_name(outside_any_creator)
    with pytest.raises(OutsideCreatorScope):  # before any embedding or Chroma call
        knowledge_search(query="anything", vector=[0.0, 1.0])
    with pytest.raises(OutsideCreatorScope):
        vectors.query(outside_any_creator, [0.0, 1.0], 3)
    with pytest.raises(OutsideCreatorScope):
        query_vector_prefetch(scope=outside_any_creator, text="anything")


def test_it_refuses_channel_groups_outside_a_creator(outside_any_creator):
    with pytest.raises(OutsideCreatorScope):
        conversation_group(outside_any_creator, uuid.uuid4())
    with pytest.raises(OutsideCreatorScope):
        inbox_group(outside_any_creator)
    with pytest.raises(OutsideCreatorScope):  # in the caller, not later in an on-commit callback
        publish_on_commit(outside_any_creator, uuid.uuid4(), {"event": "message"})


def test_it_refuses_creator_cache_keys_outside_a_creator(outside_any_creator):
    with pytest.raises(OutsideCreatorScope):
        creator_schema()
    with pytest.raises(OutsideCreatorScope):
        creator_key("magic-link-used", "token")


def test_it_refuses_media_paths_outside_a_creator(outside_any_creator):
    with pytest.raises(OutsideCreatorScope):
        document_upload_path(Document(), "notes.txt")


def test_it_refuses_to_queue_a_job_outside_a_creator(outside_any_creator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(OutsideCreatorScope):
        ingest_document.send_on_commit(str(uuid.uuid4()))
    assert callbacks == []


def test_inside_a_creator_every_name_is_that_creators(alpha, django_capture_on_commit_callbacks):
    conversation_id, document = uuid.uuid4(), Document()
    with tenant_context(alpha.creator):
        assert creator_schema() == "c_alpha"
        assert vectors.collection_name(connection.schema_name) == "c_alpha_knowledge"
        assert conversation_group(connection.schema_name, conversation_id) == f"chat.c_alpha.{conversation_id}"
        assert inbox_group(connection.schema_name) == "inbox.c_alpha"
        assert creator_key("chat-user-rate", 7) == "c_alpha:chat-user-rate:7"
        assert document_upload_path(document, "Notes.TXT") == f"creators/c_alpha/documents/{document.id}.txt"
        with django_capture_on_commit_callbacks(execute=True):
            ingest_document.send_on_commit("doc-1")
    queue = dramatiq.get_broker().queues[ingest_document.queue_name]
    sent = [dramatiq.Message.decode(queue.get_nowait()) for _ in range(queue.qsize())]
    assert [message.args for message in sent] == [("c_alpha", "doc-1")]


def test_a_job_for_a_named_creator_is_queued_with_its_schema_only_if_it_is_one(
    alpha, django_capture_on_commit_callbacks
):
    """Invitations are sent from the public schema for a creator the caller names."""
    with django_capture_on_commit_callbacks(execute=True):
        ingest_document.send_on_commit("doc-2", creator=alpha.creator)
    queue = dramatiq.get_broker().queues[ingest_document.queue_name]
    assert dramatiq.Message.decode(queue.get_nowait()).args == ("c_alpha", "doc-2")
    for schema in (settings.PUBLIC_SCHEMA_NAME, settings.TENANT_BASE_SCHEMA):  # as a mistaken caller might pass
        with pytest.raises(OutsideCreatorScope):
            ingest_document.send_on_commit("doc-3", creator=Creator(schema_name=schema))


@pytest.mark.parametrize("where", ["public", "template", "alpha"])
def test_platform_keys_never_carry_a_schema(alpha, where):
    schemas = {"public", settings.TENANT_BASE_SCHEMA, alpha.creator.schema_name}
    if where == "template":
        connection.set_schema(settings.TENANT_BASE_SCHEMA)
    context = tenant_context(alpha.creator) if where == "alpha" else connection.cursor()
    with context:
        keys = [platform_key("idempotency", "who", "what"), *_keys(Budget("login-ip", 5, 60), "10.0.0.1", 120.0)]
    assert keys[0] == "platform:idempotency:who:what"
    for key in keys:
        assert key.startswith("platform:")
        assert not schemas & set(key.split(":")), key
