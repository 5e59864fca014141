"""API v1 for accounts and teams. Thin: parse with an input serializer, call one service, answer."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import exceptions, generics, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tenants.api_errors import Conflict
from tenants.api_throttles import PlatformScopedRateThrottle
from tenants.auth_limits import TooManyAttempts, signup_attempt_consume
from tenants.models import ApiKey, Invitation, Membership
from tenants.permissions import request_membership, requires
from tenants.roles import Capability, Role
from tenants.selectors import (
    api_key_get,
    api_keys_for,
    open_invitations,
    team_members,
)
from tenants.services import (
    EmailNotVerified,
    EmailTaken,
    RefreshRefused,
    SignInRefused,
    SlugTaken,
    TeamRuleBroken,
    api_key_create,
    api_key_revoke,
    creator_signup,
    creator_token_refresh,
    creator_token_revoke,
    creator_token_sign_in,
    invitation_create,
    invitation_revoke,
    membership_change_role,
    membership_remove,
)
from tenants.validators import validate_creator_slug
from tenants.views import hub_url_for


class SignupIn(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True)
    business_name = serializers.CharField(max_length=100)
    slug = serializers.CharField(max_length=40, allow_blank=True)
    # The name clients see when this person joins a conversation ("Lucía from the team joined").
    name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")

    def validate_slug(self, slug: str) -> str:
        validate_creator_slug(slug)
        return slug


class SignupOut(serializers.Serializer):
    slug = serializers.CharField()
    hub_url = serializers.URLField()


class SignupApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [PlatformScopedRateThrottle]
    throttle_scope = "signup"

    @extend_schema(request=SignupIn, responses={201: SignupOut}, auth=[])
    def post(self, request: Request) -> Response:
        data = SignupIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            signup_attempt_consume(request._request, email=data.validated_data["email"])
            creator = creator_signup(request=request._request, **data.validated_data)
        except TooManyAttempts as exc:
            raise exceptions.Throttled(wait=exc.wait) from exc
        except SlugTaken as exc:
            raise Conflict(f"The slug “{exc}” is already taken.", code="slug_taken") from exc
        except EmailTaken as exc:
            raise Conflict("An account with this email already exists.", code="email_taken") from exc
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                raise
            raise serializers.ValidationError({"password": exc.messages}) from exc
        hub_url = hub_url_for(request._request, creator.hostname, "/hub/")
        return Response(SignupOut({"slug": creator.slug, "hub_url": hub_url}).data, status=status.HTTP_201_CREATED)


class TokenIn(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, write_only=True)
    slug = serializers.CharField(
        max_length=40, required=False, help_text="Which coaching space; needed when you belong to several."
    )
    code = serializers.CharField(
        max_length=32,
        required=False,
        default="",
        allow_blank=True,
        help_text=(
            "The current two-factor code (or a recovery code). Required for accounts with two-factor on:"
            " without it, or with a wrong one, the answer is the same 401 invalid_credentials as a wrong"
            " password, so it never tells whether the password was right."
        ),
    )


TokenOut = inline_serializer(
    "TokenPair",
    {"access": serializers.CharField(), "refresh": serializers.CharField(), "creator": serializers.CharField()},
)


class SignInFailed(exceptions.AuthenticationFailed):
    """One answer for a wrong password, an unknown account, a non-member, no single space and a
    two-factor code missing or wrong (issue 11, finding 4): no answer confirms a right password."""

    default_code = "invalid_credentials"

    def __init__(self) -> None:
        super().__init__(
            _(
                "Email, password, two-factor code or coaching space is not right. Accounts with two-factor"
                " on must send the current code as “code”; if you belong to several coaching spaces, name one."
            )
        )


class CredentialsApi(APIView):
    """Token endpoints take credentials in the body; refusals are 401 (with the challenge RFC 9110 asks for)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [PlatformScopedRateThrottle]
    throttle_scope = "token"

    def get_authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class TokenApi(CredentialsApi):
    """Exchange email + password (+ two-factor code) for a JWT pair bound to one creator's host."""

    permission_classes = [AllowAny]
    throttle_classes = [PlatformScopedRateThrottle]
    throttle_scope = "token"

    @extend_schema(request=TokenIn, responses={200: TokenOut}, auth=[])
    def post(self, request: Request) -> Response:
        data = TokenIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            return Response(creator_token_sign_in(request=request._request, **data.validated_data))
        except TooManyAttempts as exc:
            raise exceptions.Throttled(wait=exc.wait) from exc
        except SignInRefused as exc:
            raise SignInFailed from exc


class RefreshIn(serializers.Serializer):
    refresh = serializers.CharField(max_length=2000)


class TokenRefreshApi(CredentialsApi):
    """A new pair for a refresh token; the token sent is revoked, so each one works exactly once."""

    @extend_schema(
        request=RefreshIn,
        responses={
            200: inline_serializer(
                "TokenRefreshed", {"access": serializers.CharField(), "refresh": serializers.CharField()}
            )
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = RefreshIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            return Response(creator_token_refresh(refresh=data.validated_data["refresh"]))
        except RefreshRefused as exc:
            raise exceptions.AuthenticationFailed(str(exc), code="token_not_valid") from exc


class TokenRevokeApi(CredentialsApi):
    """Sign an API client out: its refresh token is refused from now on."""

    @extend_schema(request=RefreshIn, responses={204: None}, auth=[])
    def post(self, request: Request) -> Response:
        data = RefreshIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            creator_token_revoke(refresh=data.validated_data["refresh"])
        except RefreshRefused as exc:
            raise exceptions.AuthenticationFailed(str(exc), code="token_not_valid") from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class MemberOut(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    email = serializers.EmailField(source="user.email")

    class Meta:
        model = Membership
        fields = ["id", "email", "role", "created_at"]


class MeApi(APIView):
    @extend_schema(
        responses=inline_serializer(
            "Me",
            {
                "email": serializers.EmailField(),
                "creator": serializers.CharField(),
                "role": serializers.CharField(),
                "capabilities": serializers.ListField(child=serializers.CharField()),
            },
        )
    )
    def get(self, request: Request) -> Response:
        membership = request_membership(request)
        return Response(
            {
                "email": request.user.email,
                "creator": request.tenant.slug,
                "role": membership.role,
                "capabilities": sorted(c.value for c in Capability if membership.can(c)),
            }
        )


class TeamMembersApi(generics.ListAPIView):
    queryset = Membership.objects.none()  # names the model for the schema; get_queryset scopes it
    permission_classes = [requires(Capability.MANAGE_TEAM)]
    serializer_class = MemberOut
    filterset_fields = ["role"]
    ordering_fields = ["created_at"]
    ordering = ["created_at"]

    def get_queryset(self) -> QuerySet:
        return team_members(creator=self.request.tenant)


class RoleIn(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class TeamMemberApi(APIView):
    permission_classes = [requires(Capability.MANAGE_TEAM)]

    def _membership(self, request: Request, member_id: uuid.UUID) -> Membership:
        membership = team_members(creator=request.tenant).filter(public_id=member_id).first()
        if membership is None:
            raise Http404("No such team member.")
        return membership

    @extend_schema(request=RoleIn, responses=MemberOut)
    def patch(self, request: Request, member_id: uuid.UUID) -> Response:
        data = RoleIn(data=request.data)
        data.is_valid(raise_exception=True)
        membership = self._membership(request, member_id)
        try:
            membership_change_role(membership=membership, role=data.validated_data["role"])
        except TeamRuleBroken as exc:
            raise Conflict(str(exc), code="last_owner") from exc
        return Response(MemberOut(membership).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, member_id: uuid.UUID) -> Response:
        try:
            membership_remove(membership=self._membership(request, member_id))
        except TeamRuleBroken as exc:
            raise Conflict(str(exc), code="last_owner") from exc
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationIn(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=Role.choices)


class InvitationOut(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "created_at", "expires_at"]


class InvitationsApi(generics.ListAPIView):
    queryset = Invitation.objects.none()
    permission_classes = [requires(Capability.MANAGE_TEAM)]
    serializer_class = InvitationOut
    filterset_fields = ["role"]
    ordering_fields = ["created_at", "expires_at"]

    def get_queryset(self) -> QuerySet:
        return open_invitations(creator=self.request.tenant)

    @extend_schema(request=InvitationIn, responses={201: InvitationOut})
    def post(self, request: Request) -> Response:
        data = InvitationIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            invitation, _token = invitation_create(
                creator=request.tenant, invited_by=request.user, **data.validated_data
            )
        except EmailNotVerified as exc:
            raise exceptions.PermissionDenied(str(exc), code="email_unverified") from exc
        except TeamRuleBroken as exc:
            raise Conflict(str(exc), code="already_member") from exc
        return Response(InvitationOut(invitation).data, status=status.HTTP_201_CREATED)


class InvitationApi(APIView):
    permission_classes = [requires(Capability.MANAGE_TEAM)]

    @extend_schema(responses={204: None})
    def delete(self, request: Request, invitation_id: uuid.UUID) -> Response:
        invitation = open_invitations(creator=request.tenant).filter(public_id=invitation_id).first()
        if invitation is None:
            raise Http404("No such open invitation.")
        invitation_revoke(invitation=invitation)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiKeyOut(serializers.ModelSerializer):
    created_by = serializers.EmailField(source="created_by.email")
    active = serializers.BooleanField(source="is_active")

    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "scope", "active", "created_by", "created_at", "last_used_at", "revoked_at"]


class ApiKeyIn(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    scope = serializers.ChoiceField(choices=ApiKey.Scope.choices, default=ApiKey.Scope.READ)


class ApiKeyCreatedOut(ApiKeyOut):
    key = serializers.CharField(help_text="The whole key. Shown this once: store it now.")

    class Meta(ApiKeyOut.Meta):
        fields = [*ApiKeyOut.Meta.fields, "key"]


class ApiKeysApi(generics.ListAPIView):
    """Keys for your own servers. Owners manage them; each acts with its maker's role, capped by its scope."""

    permission_classes = [requires(Capability.MANAGE_TEAM)]
    queryset = ApiKey.objects.none()
    serializer_class = ApiKeyOut
    filterset_fields = ["scope"]
    ordering_fields = ["created_at", "last_used_at"]

    def get_queryset(self) -> QuerySet:
        return api_keys_for(creator=self.request.tenant)

    @extend_schema(
        request=ApiKeyIn,
        responses={201: ApiKeyCreatedOut},
        examples=[OpenApiExample("A key for Zapier", value={"name": "Zapier", "scope": "read"}, request_only=True)],
    )
    def post(self, request: Request) -> Response:
        data = ApiKeyIn(data=request.data)
        data.is_valid(raise_exception=True)
        key, secret = api_key_create(creator=request.tenant, created_by=request.user, **data.validated_data)
        key.key = secret
        return Response(ApiKeyCreatedOut(key).data, status=status.HTTP_201_CREATED)


class ApiKeyApi(APIView):
    permission_classes = [requires(Capability.MANAGE_TEAM)]

    def _key(self, request: Request, key_id: uuid.UUID) -> ApiKey:
        key = api_key_get(creator=request.tenant, key_id=key_id)
        if key is None:
            raise Http404("No such API key.")
        return key

    @extend_schema(responses=ApiKeyOut)
    def get(self, request: Request, key_id: uuid.UUID) -> Response:
        return Response(ApiKeyOut(self._key(request, key_id)).data)

    @extend_schema(responses={204: None}, description="Revoke the key: it is refused from now on.")
    def delete(self, request: Request, key_id: uuid.UUID) -> Response:
        api_key_revoke(key=self._key(request, key_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
