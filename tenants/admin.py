"""Staff admin on the public host: creators (suspend, reinstate), people, teams, platform usage."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path

from tenants.models import Creator, Domain, Invitation, Membership, User
from tenants.selectors import platform_usage
from tenants.services import creator_reinstate, creator_suspend


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Creator)
class CreatorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "status", "member_count", "created_at"]
    list_filter = ["status"]
    search_fields = ["name", "slug"]
    readonly_fields = ["schema_name", "kind", "created_at", "suspended_at"]
    fields = ["name", "slug", "schema_name", "kind", "status", "suspended_reason", "suspended_at", "created_at"]
    inlines = [DomainInline, MembershipInline]
    actions = ["suspend", "reinstate"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Creator]:
        return super().get_queryset(request).filter(kind=Creator.Kind.CREATOR).annotate(n_members=Count("memberships"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # creators sign up themselves; a schema is not made by hand

    @admin.display(ordering="n_members", description="members")
    def member_count(self, creator: Creator) -> int:
        return creator.n_members  # type: ignore[attr-defined]

    @admin.action(description="Suspend selected creators (hub, API, widget and chat refuse)")
    def suspend(self, request: HttpRequest, queryset: QuerySet[Creator]) -> None:
        for creator in queryset:
            creator_suspend(creator=creator, reason=f"Suspended by {request.user}")
        self.message_user(request, f"Suspended {queryset.count()} creator(s).", messages.WARNING)

    @admin.action(description="Reinstate selected creators")
    def reinstate(self, request: HttpRequest, queryset: QuerySet[Creator]) -> None:
        for creator in queryset:
            creator_reinstate(creator=creator)
        self.message_user(request, f"Reinstated {queryset.count()} creator(s).")

    def get_urls(self) -> list:
        usage = path("usage/", self.admin_site.admin_view(self.usage_view), name="tenants_creator_usage")
        return [usage, *super().get_urls()]

    def usage_view(self, request: HttpRequest) -> HttpResponse:
        usage = platform_usage()
        peak = max([n for _, n in usage["signups_by_day"]] + [1])
        bars = [{"day": day, "count": n, "height": round(100 * n / peak)} for day, n in usage["signups_by_day"]]
        context = {**self.admin_site.each_context(request), "title": "Platform usage", "usage": usage, "bars": bars}
        return TemplateResponse(request, "admin/tenants/usage.html", context)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "is_staff", "is_active", "date_joined"]
    search_fields = ["email"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Names", {"fields": ("first_name", "last_name")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "creator", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "creator__slug"]
    autocomplete_fields = ["user", "creator"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "creator", "role", "created_at", "expires_at", "accepted_at", "revoked_at"]
    search_fields = ["email", "creator__slug"]
    exclude = ["token_hash"]
    readonly_fields = ["creator", "email", "role", "invited_by", "created_at", "expires_at", "accepted_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
