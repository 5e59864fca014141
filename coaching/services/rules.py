"""Rules: the coach reacting to what people do, and measuring whether it helps.

A rule's firings (coaching.triggers) become decisions: held back at random (the comparison group),
skipped (opted out, in crisis), waiting for the team's approval, or scheduled inside the person's
sending time. Scheduled ones are claimed like program steps (SKIP LOCKED, an idempotency key per
decision) and checked once more before they go: the person wrote first (cancelled), the day's cap
reached, quiet hours. Every decision is a row and an event, so the rule's page can show what
happened to whom and the effect of sending against holding back."""

from __future__ import annotations

import logging
import random
import re
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from analytics.models import Event
from analytics.services import EventSpec, event_record
from coaching.models import Enrollment, Rule, RuleDecision, StepSend
from coaching.selectors import CLAIM_STALE, SendingTimes
from coaching.triggers import Firing, rule_firings
from conversations.models import Contact, Conversation, Message, TeamNotification
from conversations.services.delivery import Unreachable, message_send
from tenants import clock
from tenants.services import creator_wake_up_at

logger = logging.getLogger(__name__)

# Replaced in tests that need a known sequence; production draws from the system's randomness.
holdout_random = random.SystemRandom()

RULE_FIELDS = (
    "name",
    "enabled",
    "trigger",
    "days",
    "metric",
    "threshold",
    "program",
    "tags",
    "action",
    "message",
    "step_day",
    "holdout_percent",
    "needs_approval",
    "target_metric",
    "whatsapp_template",
    "whatsapp_template_language",
)
NEEDS_DAYS = {Rule.Trigger.NO_REPLY, Rule.Trigger.STREAK_REACHED}
NEEDS_METRIC = {
    Rule.Trigger.METRIC_BELOW, Rule.Trigger.METRIC_ABOVE, Rule.Trigger.METRIC_FALLING, Rule.Trigger.STREAK_REACHED,
}  # fmt: skip


def _checked(rule: Rule) -> Rule:
    errors: dict[str, str] = {}
    if rule.trigger in NEEDS_DAYS and not rule.days:
        errors["days"] = _("Say how many days.")
    if rule.trigger in NEEDS_METRIC and not rule.metric:
        errors["metric"] = _("Name the measurement (as the program's check-ins record it).")
    if rule.trigger in (Rule.Trigger.METRIC_BELOW, Rule.Trigger.METRIC_ABOVE) and rule.threshold is None:
        errors["threshold"] = _("Give the threshold.")
    if rule.trigger == Rule.Trigger.STEP_DUE and not rule.program_id:
        errors["program"] = _("Choose the program whose steps fire this rule.")
    if rule.action == Rule.Action.FIXED_MESSAGE and not rule.message.strip():
        errors["message"] = _("Write the message.")
    if rule.action == Rule.Action.MOVE_TO_STEP and (not rule.program_id or rule.step_day is None):
        errors["step_day"] = _("Choose the program and the day to move people to.")
    if not isinstance(rule.tags, list) or not all(isinstance(tag, str) for tag in rule.tags):
        errors["tags"] = _("Tags are a list of words.")
    if errors:
        raise ValidationError(errors)
    rule.tags = sorted({tag.strip()[:40] for tag in rule.tags if tag.strip()})[:20]
    rule.full_clean()
    return rule


def rule_create(**fields: Any) -> Rule:
    rule = _checked(Rule(**{name: value for name, value in fields.items() if name in RULE_FIELDS}))
    now = clock.now()
    rule.created_at = rule.updated_at = now
    with transaction.atomic():
        rule.save()
        creator_wake_up_at(creator_id=connection.tenant.pk, due_at=now)
    return rule


def rule_update(*, rule: Rule, **fields: Any) -> Rule:
    for name, value in fields.items():
        if name in RULE_FIELDS:
            setattr(rule, name, value)
    _checked(rule)
    rule.updated_at = clock.now()
    with transaction.atomic():
        rule.save()
        if rule.enabled:
            creator_wake_up_at(creator_id=connection.tenant.pk, due_at=rule.updated_at)
    return rule


def rule_delete(*, rule: Rule) -> None:
    """Its decisions go with it (the events stay, as numbers)."""
    rule.delete()


# --- Firing ---------------------------------------------------------------------------------------


def _exclusion(contact: Contact) -> str:
    if contact.opted_out_at is not None:
        return "opted_out"
    if contact.crisis_at is not None:
        return "crisis"
    return ""


def planned_time(contact: Contact, at: datetime) -> datetime:
    """The first moment at or after `at` inside the creator's sending window and the person's
    waking hours, in their own timezone (DST-correct)."""
    return SendingTimes([contact]).fit(contact, at)


def rules_evaluate(*, now: datetime, batch: int | None = None) -> dict[str, int]:
    """Every enabled rule's new firings up to now, decided. At most `batch` per rule per run
    (writing a message may take an LLM call): `more` says when some are left for the next job."""
    batch = batch or settings.PROACTIVE_BATCH
    counts = {"fired": 0, "more": 0}
    # Messages the coach writes take an LLM call each: RULES_WRITE_BATCH per job for the creator,
    # across all their rules; what is left waits for the next job.
    writes_left = settings.RULES_WRITE_BATCH
    for rule in Rule.objects.filter(enabled=True).select_related("program"):
        writes = rule.action == Rule.Action.AI_MESSAGE
        limit = min(batch, writes_left) if writes else batch
        fired = _rule_fire(rule, now=now, batch=limit) if limit > 0 else 0
        counts["fired"] += fired
        if writes:
            writes_left -= fired
        if limit <= 0 or fired >= limit:
            counts["more"] = 1
        else:
            Rule.objects.filter(pk=rule.pk).update(evaluated_at=now)
    return counts


def _rule_fire(rule: Rule, *, now: datetime, batch: int) -> int:
    firings = rule_firings(rule, now=now, until=now)
    decided = set(
        RuleDecision.objects.filter(rule=rule, contact_id__in={f.contact.pk for f in firings}).values_list(
            "contact_id", "trigger_key"
        )
    )
    firings = [f for f in firings if (f.contact.pk, f.key) not in decided][:batch]
    times = SendingTimes([f.contact for f in firings])
    wake = [_decide(rule, firing, now=now, times=times) for firing in firings]
    with transaction.atomic():
        # One wake-up for the batch (the run's own reset at its end would find these too), and one
        # notice to the team for all the messages this look left waiting for approval.
        creator_wake_up_at(creator_id=connection.tenant.pk, due_at=min((at for _, at in wake if at), default=None))
        if any(waiting for waiting, _ in wake):
            from conversations.services.notifications import team_notify

            team_notify(kind=TeamNotification.Kind.APPROVAL, path="/hub/approvals/")
    return len(firings)


def _decide(rule: Rule, firing: Firing, *, now: datetime, times: SendingTimes) -> tuple[bool, datetime | None]:
    """One new firing: which arm it falls in, and (sending) its message written now, so the team
    can read what will go, and approve it when the rule asks for that. Returns whether it waits for
    approval, and when the scheduler must look at it next (its time, or its expiry)."""
    contact = firing.contact
    excluded = _exclusion(contact) if rule.writes_message else ""
    held_back = not excluded and holdout_random.random() * 100 < rule.holdout_percent
    # Telling the team or moving the person on happens at once; a message waits for waking hours.
    due_at = times.fit(contact, max(firing.fires_at, now)) if rule.writes_message else max(firing.fires_at, now)
    decision = RuleDecision(
        rule=rule, contact=contact, trigger_key=firing.key[:120], context=firing.context, fired_at=now, due_at=due_at
    )
    if excluded:
        decision.outcome, decision.reason, decision.decided_at = RuleDecision.Outcome.SKIPPED, excluded, now
    elif held_back:
        decision.outcome, decision.reason, decision.decided_at = RuleDecision.Outcome.HELD_BACK, "holdout", now
    else:
        if rule.writes_message:
            decision.text, decision.citations = message_for(rule, contact, firing.context)
        if rule.needs_approval and rule.writes_message:
            decision.outcome = RuleDecision.Outcome.AWAITING_APPROVAL
            decision.expires_at = now + timedelta(hours=times.approval_hours)
        else:
            decision.outcome = RuleDecision.Outcome.SCHEDULED
    try:
        with transaction.atomic():
            decision.save()
            held = decision.outcome == RuleDecision.Outcome.HELD_BACK
            kind = Event.Kind.NUDGE_HELD_BACK if held else Event.Kind.RULE_FIRED
            event_record(kind, contact_id=contact.pk, subject_id=decision.pk, data=_event_data(decision))
    except IntegrityError:  # a second engine decided this firing first
        return False, None
    if decision.outcome == RuleDecision.Outcome.AWAITING_APPROVAL:
        return True, decision.expires_at
    return False, decision.due_at if decision.outcome == RuleDecision.Outcome.SCHEDULED else None


def _event_data(decision: RuleDecision) -> dict[str, Any]:
    return {"rule": str(decision.rule_id), "outcome": decision.outcome, "reason": decision.reason}


# --- The message ----------------------------------------------------------------------------------


def _first_name(contact: Contact) -> str:
    return (contact.display_name or "").split(" ")[0][:40] if not contact.anonymous else ""


def _person_language(contact: Contact) -> str:
    language = contact.language or getattr(connection.tenant, "language", "") or "en"
    return language if language in ("en", "es") else "en"


def opening_line(rule: Rule, contact: Contact, context: dict[str, Any]) -> str:
    """The coach's own first words for a trigger, in the active language."""
    name = _first_name(contact)
    greeting = _("Hi %(name)s!") % {"name": name} if name else _("Hi!")
    values = {key: context.get(key, "") for key in ("days", "metric", "value", "count", "threshold")}
    values["metric"] = str(values["metric"]).replace("-", " ").replace("_", " ")
    body = {
        Rule.Trigger.NO_REPLY: ngettext(
            "It's been %(days)s day since we last talked. How are things going?",
            "It's been %(days)s days since we last talked. How are things going?",
            int(values["days"] or 0),
        ),
        Rule.Trigger.CHECK_IN_MISSED: _("I missed your answer to my last check-in. How did it go?"),
        Rule.Trigger.METRIC_BELOW: _("I saw your %(metric)s at %(value)s. How are you feeling about it?"),
        Rule.Trigger.METRIC_ABOVE: _("I saw your %(metric)s at %(value)s. How are you feeling about it?"),
        Rule.Trigger.GOAL_AT_RISK: _("Your %(metric)s goal is slipping a little. Small steps still count."),
        Rule.Trigger.STREAK_REACHED: ngettext(
            "%(days)s day in a row: well done! Keep it going.",
            "%(days)s days in a row: well done! Keep it going.",
            int(values["days"] or 0),
        ),
        Rule.Trigger.METRIC_FALLING: ngettext(
            "Your %(metric)s has gone down %(count)s time in a row. Shall we look at what might help?",
            "Your %(metric)s has gone down %(count)s times in a row. Shall we look at what might help?",
            int(values["count"] or 0),
        ),
        Rule.Trigger.STEP_DUE: _("A quick note before your next step."),
    }[rule.trigger]
    return f"{greeting} {body % values}"


def message_for(rule: Rule, contact: Contact, context: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """The words a firing sends: the creator's fixed text (with {name} filled in), or the coach's
    own opening line and what the material says about the program and the trigger's topic."""
    language = _person_language(contact)
    if rule.action == Rule.Action.FIXED_MESSAGE:
        name = _first_name(contact)
        text = rule.message.replace("{name}", name) if name else re.sub(r"\s*\{name\}", "", rule.message)
        return text.strip().lstrip(",").strip(), []
    from conversations.selectors import persona_get
    from knowledge.answering import Voice, write_message

    persona = persona_get()
    with translation.override(language):
        opening = opening_line(rule, contact, context)
    last_words = (
        Message.objects.filter(conversation__contact=contact, author=Message.Author.USER)
        .order_by("-created_at")
        .values_list("text", flat=True)
        .first()
        or ""
    )
    topic = " ".join(
        part
        for part in (
            rule.program.name if rule.program else "",
            rule.program.description if rule.program else "",
            str(context.get("metric", "")).replace("-", " "),
            # The person's own last words find what in the material they care about (retrieval only).
            last_words[:200],
            rule.name,
        )
        if part
    )
    try:
        written = write_message(
            f"{rule.get_trigger_display()}: {context}",
            topic,
            voice=Voice(coach_name=persona.coach_name, voice=persona.voice, rules=persona.rules),
            language=language,
        )
    except Exception as exc:  # the vector store down: the coach's own opening line goes alone
        logger.warning("a nudge was written without the material (%s: %s)", type(exc).__name__, exc)
        return opening, []
    if written.backend == "ollama" and written.text:
        return written.text, written.citations
    text = f"{opening}\n\n{written.text}" if written.text else opening
    return text, written.citations


# --- Sending --------------------------------------------------------------------------------------


def _claim(now: datetime, batch: int) -> list[uuid.UUID]:
    with transaction.atomic():
        rows = RuleDecision.objects.filter(outcome=RuleDecision.Outcome.SCHEDULED, due_at__lte=now).order_by("due_at")
        ids = list(rows.select_for_update(skip_locked=True).values_list("pk", flat=True)[:batch])
        if len(ids) < batch:
            stale = RuleDecision.objects.filter(outcome=RuleDecision.Outcome.SENDING, claimed_at__lt=now - CLAIM_STALE)
            stale = stale.order_by("claimed_at").select_for_update(skip_locked=True).values_list("pk", flat=True)
            ids += list(stale[: batch - len(ids)])
        RuleDecision.objects.filter(pk__in=ids).update(outcome=RuleDecision.Outcome.SENDING, claimed_at=now)
    return ids


def _hold_reason(
    decision: RuleDecision, now: datetime, times: SendingTimes, sent_today: dict[Any, int]
) -> tuple[str, datetime | None]:
    """Why a due decision does not go now: ("", None) it goes; (code, None) it does not;
    ("later", at) it waits for the person's waking hours or the sending window."""
    contact, rule = decision.contact, decision.rule
    if not rule.enabled:
        return "rule_disabled", None
    if rule.writes_message:
        written = times.last_written(contact)
        if written is not None and written > decision.fired_at:
            return "wrote_first", None
        if excluded := _exclusion(contact):
            return excluded, None
        at = times.fit(contact, now)
        if at > now + timedelta(seconds=1):
            return "later", at
        if sent_today.get(contact.pk, 0) >= times.daily_cap:
            return "daily_cap", None
    return "", None


def rule_decisions_run(*, now: datetime, batch: int | None = None) -> dict[str, int]:
    """Due decisions carried out (the batch's people's times and the day's counts read once), and
    waiting approvals past their time expired."""
    batch = batch or settings.PROACTIVE_BATCH
    counts = {"sent": 0, "skipped": 0, "cancelled": 0, "later": 0, "expired": 0, "more": 0}
    ids = _claim(now, batch)
    claimed = RuleDecision.objects.select_related("rule__program", "contact").filter(
        pk__in=ids, outcome=RuleDecision.Outcome.SENDING
    )
    decisions = list(claimed.order_by("due_at"))
    people = [decision.contact for decision in decisions]
    times = SendingTimes(people)
    sent_today = times.sent_on_day(people, now)
    for decision in decisions:
        outcome = rule_decision_carry_out(decision=decision, now=now, times=times, sent_today=sent_today)
        counts[outcome] += 1
        if outcome == "sent" and decision.rule.writes_message:
            sent_today[decision.contact_id] = sent_today.get(decision.contact_id, 0) + 1
    counts["expired"] = _expire(now)
    counts["more"] = int(len(ids) >= batch)
    return counts


def rule_decision_carry_out(
    *, decision: RuleDecision, now: datetime, times: SendingTimes, sent_today: dict[Any, int]
) -> str:
    """One claimed decision: "sent" (or done), "skipped", "cancelled" or "later"."""
    reason, later = _hold_reason(decision, now, times, sent_today)
    if reason == "later":
        RuleDecision.objects.filter(pk=decision.pk).update(
            outcome=RuleDecision.Outcome.SCHEDULED, due_at=later, claimed_at=None
        )
        creator_wake_up_at(creator_id=connection.tenant.pk, due_at=later)
        return "later"
    if reason:
        outcome = RuleDecision.Outcome.CANCELLED if reason == "wrote_first" else RuleDecision.Outcome.SKIPPED
        _close(decision, outcome, reason, now)
        return "cancelled" if outcome == RuleDecision.Outcome.CANCELLED else "skipped"
    try:
        message = _act(decision, now)
    except Unreachable:
        _close(decision, RuleDecision.Outcome.SKIPPED, "unreachable", now)
        return "skipped"
    with transaction.atomic():
        RuleDecision.objects.filter(pk=decision.pk).update(
            outcome=RuleDecision.Outcome.SENT, decided_at=now, due_at=now, message=message
        )
        if message is None:  # the team told or the person moved: no message, so no NUDGE_SENT event
            decision.outcome = RuleDecision.Outcome.SENT
            event_record(
                Event.Kind.RULE_ACTED, contact_id=decision.contact_id, subject_id=decision.pk,
                data=_event_data(decision),
            )  # fmt: skip
    return "sent"


def _close(decision: RuleDecision, outcome: str, reason: str, now: datetime) -> None:
    with transaction.atomic():
        RuleDecision.objects.filter(pk=decision.pk).update(outcome=outcome, reason=reason, decided_at=now)
        decision.outcome, decision.reason = outcome, reason
        kind = Event.Kind.NUDGE_CANCELLED if outcome == RuleDecision.Outcome.CANCELLED else Event.Kind.NUDGE_SKIPPED
        event_record(kind, contact_id=decision.contact_id, subject_id=decision.pk, data=_event_data(decision))


def _act(decision: RuleDecision, now: datetime) -> Message | None:
    rule, contact = decision.rule, decision.contact
    if rule.action == Rule.Action.NOTIFY_TEAM:
        from conversations.services.notifications import team_notify

        conversation = Conversation.objects.filter(contact=contact).order_by("-updated_at").first()
        with transaction.atomic():
            team_notify(kind=TeamNotification.Kind.RULE, contact=contact, conversation=conversation)
        return None
    if rule.action == Rule.Action.MOVE_TO_STEP:
        _move_to_step(rule, contact, now)
        return None
    enrollment = None
    if rule.program_id:
        enrollment = Enrollment.objects.filter(contact=contact, program_id=rule.program_id, status="active").first()
    conversation = None
    if enrollment is not None and enrollment.outlet:
        conversation = contact.conversations.filter(outlet=enrollment.outlet).order_by("-updated_at").first()
    template = None
    if rule.whatsapp_template:
        language = rule.whatsapp_template_language or _person_language(contact)
        template = {"name": rule.whatsapp_template, "language": language, "values": [decision.text[:1000]]}
    return message_send(
        contact=contact,
        conversation=conversation,
        text=decision.text,
        author=Message.Author.AI,
        proactive=True,
        template=template,
        idempotency_key=f"rule:{decision.pk}",
        events=[
            EventSpec(
                kind=Event.Kind.NUDGE_SENT, contact_id=contact.pk, subject_id=decision.pk, data={"rule": str(rule.pk)}
            )
        ],
    )


def _move_to_step(rule: Rule, contact: Contact, now: datetime) -> None:
    """The person moves on to the rule's program day: earlier steps not sent yet are skipped, the
    day's steps are due now (the day's order kept), later ones stay as they were."""
    enrollment = Enrollment.objects.filter(contact=contact, program_id=rule.program_id, status="active").first()
    if enrollment is None:
        raise Unreachable(_("This person is not in the program any more."))
    targets = StepSend.objects.filter(enrollment=enrollment, step__day=rule.step_day)
    if not targets.exists():
        raise Unreachable(_("The program has no step on that day."))
    with transaction.atomic():
        StepSend.objects.filter(
            enrollment=enrollment, status=StepSend.Status.PENDING, step__day__lt=rule.step_day
        ).update(status=StepSend.Status.SKIPPED, reason="moved on by a rule")
        for offset, target in enumerate(targets.filter(status=StepSend.Status.PENDING).order_by("step__position")):
            StepSend.objects.filter(pk=target.pk).update(due_at=now + timedelta(seconds=offset))
        creator_wake_up_at(creator_id=connection.tenant.pk, due_at=now)


def _approval_notices_settle(now: datetime) -> None:
    """Nothing waits for approval any more: the bell's "a message waits for your approval" is done."""
    if not RuleDecision.objects.filter(outcome=RuleDecision.Outcome.AWAITING_APPROVAL).exists():
        TeamNotification.objects.filter(kind=TeamNotification.Kind.APPROVAL, read_at__isnull=True).update(read_at=now)


def _expire(now: datetime) -> int:
    waiting = RuleDecision.objects.filter(outcome=RuleDecision.Outcome.AWAITING_APPROVAL, expires_at__lte=now)
    expired = sum(
        _settle(decision, RuleDecision.Outcome.EXPIRED, "not_approved_in_time", now, Event.Kind.NUDGE_EXPIRED)
        for decision in waiting
    )
    if expired:
        _approval_notices_settle(now)
    return expired


def _settle(decision: RuleDecision, outcome: str, reason: str, now: datetime, kind: str) -> bool:
    """Move a decision on from the state it was read in, with its event; False when something else
    (the team, the engine, the person) moved it first."""
    with transaction.atomic():
        moved = RuleDecision.objects.filter(pk=decision.pk, outcome=decision.outcome).update(
            outcome=outcome, reason=reason, decided_at=now
        )
        if moved:
            decision.outcome, decision.reason = outcome, reason
            event_record(kind, contact_id=decision.contact_id, subject_id=decision.pk, data=_event_data(decision))
    return bool(moved)


# --- The team's part ------------------------------------------------------------------------------


def approval_decide(*, decision: RuleDecision, approve: bool, text: str | None = None, by: str = "") -> RuleDecision:
    """Approve (optionally with the team's edit) or reject a message waiting for approval."""
    now = clock.now()
    if decision.outcome != RuleDecision.Outcome.AWAITING_APPROVAL:
        raise ValidationError(
            _("This message is no longer waiting for approval (%(state)s).") % {"state": decision.get_outcome_display()}
        )
    if decision.expires_at is not None and decision.expires_at <= now:
        _expire(now)  # its time passed before the engine's next look: expired now, not sent
        raise ValidationError(_("This message is no longer waiting for approval (%(state)s).")
                              % {"state": RuleDecision.Outcome.EXPIRED.label})  # fmt: skip
    if text is not None:
        text = text.strip()
        if not text:
            raise ValidationError({"text": _("The message cannot be empty.")})
        if len(text) > 4000:
            raise ValidationError({"text": _("Keep the message under 4,000 characters.")})
    with transaction.atomic():
        if approve:
            due_at = planned_time(decision.contact, max(decision.due_at, now))
            changed = RuleDecision.objects.filter(pk=decision.pk, outcome=RuleDecision.Outcome.AWAITING_APPROVAL)
            changed = changed.update(
                outcome=RuleDecision.Outcome.SCHEDULED,
                text=text if text is not None else decision.text,
                reason="approved_edited"
                if (text is not None and text != decision.text) or decision.reason == "edited"
                else "approved",
                due_at=due_at,
                decided_by=by[:254],
            )
            kind = Event.Kind.NUDGE_APPROVED
            creator_wake_up_at(creator_id=connection.tenant.pk, due_at=due_at)
        else:
            changed = RuleDecision.objects.filter(pk=decision.pk, outcome=RuleDecision.Outcome.AWAITING_APPROVAL)
            changed = changed.update(
                outcome=RuleDecision.Outcome.REJECTED, reason="rejected", decided_at=now, decided_by=by[:254]
            )
            kind = Event.Kind.NUDGE_REJECTED
        if not changed:
            raise ValidationError(_("This message is no longer waiting for approval."))
        decision.refresh_from_db()
        event_record(kind, contact_id=decision.contact_id, subject_id=decision.pk, data=_event_data(decision))
        _approval_notices_settle(now)
    if approve and due_at <= now:
        from coaching.tasks import proactive_run

        proactive_run.send_on_commit()
    return decision


def approval_edit(*, decision: RuleDecision, text: str) -> RuleDecision:
    """The team rewrites a message waiting for approval (it keeps waiting)."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("The message cannot be empty.")})
    if len(text) > 4000:
        raise ValidationError({"text": _("Keep the message under 4,000 characters.")})
    changed = RuleDecision.objects.filter(pk=decision.pk, outcome=RuleDecision.Outcome.AWAITING_APPROVAL)
    if not changed.update(text=text, reason="edited"):
        raise ValidationError(_("This message is no longer waiting for approval."))
    decision.text = text
    return decision


def nudges_cancel_on_reply(*, contact: Contact, now: datetime) -> int:
    """The person wrote: nudges waiting to go (or waiting for approval) are no longer needed."""
    waiting = RuleDecision.objects.filter(
        contact=contact,
        outcome__in=[RuleDecision.Outcome.SCHEDULED, RuleDecision.Outcome.AWAITING_APPROVAL],
        fired_at__lte=now,
        # The team told, the person moved on: those still happen.
        rule__action__in=[Rule.Action.AI_MESSAGE, Rule.Action.FIXED_MESSAGE],
    )
    return sum(
        _settle(decision, RuleDecision.Outcome.CANCELLED, "wrote_first", now, Event.Kind.NUDGE_CANCELLED)
        for decision in waiting
    )
