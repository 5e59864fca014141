"""Conversations' writes, one module per subdomain; the public verbs are gathered here so callers
say `services.<verb>` whichever module holds it."""

from conversations.payloads import message_payload
from conversations.services.contacts import (
    ContactExists,
    ConversationNotFound,
    clean_tags,
    contact_delete,
    contact_resolve,
    contact_save,
    contact_tag_remove,
    contact_tags_add,
    contacts_import,
    contacts_import_csv,
    normalize_contact_reference,
    web_contact_find,
    web_contact_resolve,
    web_conversation_find,
)
from conversations.services.delivery import Unreachable, message_send
from conversations.services.handover import (
    conversation_hand_back,
    conversation_mark_read,
    conversation_take_over,
    member_message_send,
    message_correct,
    message_rate,
)
from conversations.services.memories import memory_forget, memory_learn, memory_save
from conversations.services.push_subscriptions import push_subscribe
from conversations.services.sign_in import (
    LinkInvalid,
    SignIn,
    TooManyLinks,
    contact_merge,
    device_link_claim,
    device_link_confirm,
    magic_link_redeem,
    magic_link_send,
)
from conversations.services.turns import (
    message_receive,
    person_for,
    reply_claim,
    reply_generate,
    running_summary,
    storable_text,
)
from conversations.services.widgets import widget_ensure, widget_open_record, widget_save

__all__ = [
    "ContactExists",
    "ConversationNotFound",
    "LinkInvalid",
    "SignIn",
    "TooManyLinks",
    "Unreachable",
    "clean_tags",
    "contact_delete",
    "contact_merge",
    "contact_resolve",
    "contact_save",
    "contact_tag_remove",
    "contact_tags_add",
    "contacts_import",
    "contacts_import_csv",
    "conversation_hand_back",
    "conversation_mark_read",
    "conversation_take_over",
    "device_link_claim",
    "device_link_confirm",
    "magic_link_redeem",
    "magic_link_send",
    "member_message_send",
    "memory_forget",
    "memory_learn",
    "memory_save",
    "message_correct",
    "message_payload",
    "message_rate",
    "message_receive",
    "message_send",
    "normalize_contact_reference",
    "person_for",
    "push_subscribe",
    "reply_claim",
    "reply_generate",
    "running_summary",
    "storable_text",
    "web_contact_find",
    "web_contact_resolve",
    "web_conversation_find",
    "widget_ensure",
    "widget_open_record",
    "widget_save",
]
