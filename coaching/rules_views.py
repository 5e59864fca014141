"""The hub's Rules pages: the list, the rule built from building blocks, its page (effect, decisions,
dry run), one person's decisions, and the messages waiting for the team's approval.

Every write goes through coaching.services.rules; what the pages show comes from
coaching.rule_reports. Dates are shown in the creator's timezone, the dry run's in each person's."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from coaching.forms import form_errors_from
from coaching.models import Rule, RuleDecision
from coaching.rule_reports import (
    MIN_PER_ARM,
    Effect,
    approvals_waiting,
    contact_decisions,
    reason_label,
    rule_decisions,
    rule_effect,
    rule_preview,
)
from coaching.rules_forms import ACTION_FIELDS, TRIGGER_FIELDS, ApprovalForm, RuleForm
from coaching.selectors import contact_timezone, creator_zone_name
from coaching.services.rules import approval_decide, rule_create, rule_delete, rule_update
from conversations.models import Contact
from conversations.selectors import parsed_uuid
from tenants import clock
from tenants.hub import hub_view
from tenants.roles import Capability

DECISIONS_SHOWN = 200


def _can_edit(request: HttpRequest) -> bool:
    return request.membership.can(Capability.EDIT_CONTENT)  # type: ignore[attr-defined]


def _rule_or_404(rule_id: str) -> Rule:
    key = parsed_uuid(rule_id)
    rule = Rule.objects.select_related("program").filter(pk=key).first() if key else None
    if rule is None:
        raise Http404("No such rule.")
    return rule


def _refused(request: HttpRequest) -> HttpResponse:
    return render(request, "tenants/refused.html", {"message": _("Your role cannot edit rules.")}, status=403)


def _with_labels(decisions: QuerySet[RuleDecision] | list[RuleDecision]) -> list[RuleDecision]:
    rows = list(decisions)
    for decision in rows:
        decision.reason_text = reason_label(decision.reason) if decision.reason else ""  # type: ignore[attr-defined]
    return rows


def _form_page(request: HttpRequest, form: RuleForm, rule: Rule | None, *, status: int = 200) -> HttpResponse:
    context = {"form": form, "rule": rule, "trigger_fields": TRIGGER_FIELDS, "action_fields": ACTION_FIELDS}
    return render(request, "coaching/rule_form.html", context, status=status)


@hub_view(Capability.VIEW_CONTENT)
@require_safe
def rules(request: HttpRequest) -> HttpResponse:
    """Every rule with what it did so far: messages sent and firings held back."""
    rows = Rule.objects.select_related("program").annotate(
        sent=Count("decisions", filter=Q(decisions__outcome=RuleDecision.Outcome.SENT)),
        held_back=Count("decisions", filter=Q(decisions__outcome=RuleDecision.Outcome.HELD_BACK)),
    )
    context = {"rules": rows, "can_edit": _can_edit(request), "waiting": approvals_waiting().count()}
    return render(request, "coaching/rules.html", context)


@hub_view(Capability.VIEW_CONTENT)
@require_http_methods(["GET", "HEAD", "POST"])
def rule_new(request: HttpRequest) -> HttpResponse:
    if not _can_edit(request):
        return _refused(request)
    form = RuleForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            rule = rule_create(**form.service_fields())
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("Rule created. It starts looking at people now."))
            return redirect("hub-rule", rule_id=rule.pk)
    return _form_page(request, form, None, status=400 if form.errors else 200)


@hub_view(Capability.VIEW_CONTENT)
@require_http_methods(["GET", "HEAD", "POST"])
def rule_edit(request: HttpRequest, rule_id: str) -> HttpResponse:
    rule = _rule_or_404(rule_id)
    if not _can_edit(request):
        return _refused(request)
    form = RuleForm.for_rule(rule, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            rule_update(rule=rule, **form.service_fields())
        except ValidationError as exc:
            form_errors_from(form, exc)
            rule.refresh_from_db()
        else:
            messages.success(request, _("Rule saved."))
            return redirect("hub-rule", rule_id=rule.pk)
    return _form_page(request, form, rule, status=400 if form.errors else 200)


def effect_figures(effect: Effect) -> dict[str, Any]:
    """The effect in percentages for the page (rates and the difference with its interval)."""

    def pct(value: float | None) -> float | None:
        # A difference of two shares lies within ±100 points, whatever the normal approximation says.
        return None if value is None else round(max(-1.0, min(1.0, value)) * 100, 1)

    def mean(values: tuple[float, ...]) -> float | None:
        return round(sum(values) / len(values), 2) if values else None

    return {
        "effect": effect,
        "sent_rate": pct(effect.sent.reply_rate),
        "held_rate": pct(effect.held_back.reply_rate),
        "difference": pct(effect.difference),
        "low": pct(effect.low),
        "high": pct(effect.high),
        "minimum": MIN_PER_ARM,
        "sent_metric": mean(effect.sent.metric_values),
        "held_metric": mean(effect.held_back.metric_values),
    }


def _preview_rows(rule: Rule, now: Any) -> list[dict[str, Any]]:
    rows = rule_preview(rule, now=now, days=7)
    for row in rows:
        zone = ZoneInfo(contact_timezone(row["contact"]))
        row["local"], row["zone"] = row["at"].astimezone(zone), zone.key
        row["reason_text"] = reason_label(row["reason"]) if row["reason"] else ""
    return rows


def _decisions_filtered(rule: Rule, outcome: str) -> list[RuleDecision]:
    decisions = rule_decisions(rule)
    if outcome in RuleDecision.Outcome.values:
        decisions = decisions.filter(outcome=outcome)
    return _with_labels(decisions[:DECISIONS_SHOWN])


@hub_view(Capability.VIEW_CONTENT)
@require_safe
def rule_detail(request: HttpRequest, rule_id: str) -> HttpResponse:
    """The rule, its measured effect, its decisions (filtered by outcome) and the next 7 days.
    The outcome filter asks with htmx for the decisions table alone."""
    rule, now = _rule_or_404(rule_id), clock.now()
    outcome = request.GET.get("outcome", "")
    context = {
        "rule": rule,
        "decisions": _decisions_filtered(rule, outcome),
        "outcome": outcome,
        "outcomes": RuleDecision.Outcome.choices,
        "zone": creator_zone_name(),
    }
    template = "coaching/rule_decisions.html"
    if not request.htmx:  # type: ignore[attr-defined]
        context |= effect_figures(rule_effect(rule, now=now))
        context |= {"preview": _preview_rows(rule, now), "can_edit": _can_edit(request)}
        template = "coaching/rule.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])  # the same URL answers htmx with the table alone
    return response


@hub_view(Capability.EDIT_CONTENT)
@require_POST
def rule_toggle(request: HttpRequest, rule_id: str) -> HttpResponse:
    rule = _rule_or_404(rule_id)
    try:
        rule_update(rule=rule, enabled=not rule.enabled)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Rule turned on.") if rule.enabled else _("Rule turned off."))
    return redirect("hub-rule", rule_id=rule.pk)


@hub_view(Capability.EDIT_CONTENT)
@require_POST
def rule_delete_view(request: HttpRequest, rule_id: str) -> HttpResponse:
    rule = _rule_or_404(rule_id)
    rule_delete(rule=rule)
    messages.success(request, _("Rule deleted, with its decisions."))
    return redirect("hub-rules")


@hub_view(Capability.VIEW_CONTENT)
@require_safe
def person_decisions(request: HttpRequest, contact_id: str) -> HttpResponse:
    """One person's decisions across every rule."""
    key = parsed_uuid(contact_id)
    contact = Contact.objects.filter(pk=key).first() if key else None
    if contact is None:
        raise Http404("No such person.")
    context = {"contact": contact, "decisions": _with_labels(contact_decisions(contact)[:DECISIONS_SHOWN])}
    return render(request, "coaching/rules_person.html", context | {"zone": creator_zone_name()})


def _approvals_page(request: HttpRequest, forms: dict[str, ApprovalForm] | None = None, status: int = 200) -> Any:
    forms = forms or {}
    rows = [
        (decision, forms.get(str(decision.pk)) or ApprovalForm(initial={"text": decision.text}))
        for decision in approvals_waiting()
    ]
    context = {"rows": rows, "zone": creator_zone_name()}
    return render(request, "coaching/approvals.html", context, status=status)


@hub_view(Capability.ANSWER_CONVERSATIONS)
@require_safe
def approvals(request: HttpRequest) -> HttpResponse:
    """Messages the coach wrote that wait for the team: approve (with the edit, if any) or reject."""
    return _approvals_page(request)


@hub_view(Capability.ANSWER_CONVERSATIONS)
@require_POST
def approval_view(request: HttpRequest, decision_id: str) -> HttpResponse:
    key = parsed_uuid(decision_id)
    decision = RuleDecision.objects.select_related("contact").filter(pk=key).first() if key else None
    if decision is None:
        raise Http404("No such message.")
    form = ApprovalForm(request.POST)
    if not form.is_valid():
        return _approvals_page(request, {str(decision.pk): form}, status=400)
    approve = form.cleaned_data["decision"] == "approve"
    text = form.cleaned_data["text"] if approve and form.cleaned_data["text"] != decision.text.strip() else None
    try:
        approval_decide(decision=decision, approve=approve, text=text, by=request.user.email)  # type: ignore[union-attr]
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):  # no longer waiting: nothing to correct on the form
            messages.error(request, " ".join(exc.messages))
            return redirect("hub-approvals")
        form_errors_from(form, exc)
        return _approvals_page(request, {str(decision.pk): form}, status=400)
    messages.success(request, _("Approved: it goes out in the person's sending time.") if approve else _("Rejected."))
    return redirect("hub-approvals")
