"""URLs of the public host (PLATFORM_DOMAIN): sign-up, staff admin, account API."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from config.content_security import api_reference_policy
from config.health import healthz
from config.views import demo_site, favicon
from tenants import api as tenants_api
from tenants import views as tenants_views

api_v1 = [
    path("signup", tenants_api.SignupApi.as_view(), name="api-signup"),
    path("token", tenants_api.TokenApi.as_view(), name="api-token"),
    path("token/refresh", tenants_api.TokenRefreshApi.as_view(), name="api-token-refresh"),
    path("token/revoke", tenants_api.TokenRevokeApi.as_view(), name="api-token-revoke"),
    path("schema/", SpectacularAPIView.as_view(urlconf="config.urls_public"), name="api-schema"),
    path("docs/", api_reference_policy(SpectacularSwaggerSplitView.as_view(url_name="api-schema")), name="api-docs"),
    path("redoc/", api_reference_policy(SpectacularRedocView.as_view(url_name="api-schema")), name="api-redoc"),
]

# Staff sign in through allauth like everyone else: the same failed-login budget, and the
# two-factor step. Django's own admin login form (unthrottled) never sees a password.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("", tenants_views.landing, name="landing"),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("demo-site/", demo_site, name="demo-site"),
    path("accounts/", include("allauth.urls")),
    # set_language: POST language=es (and next=) stores the choice in the django_language cookie.
    path("i18n/", include("django.conf.urls.i18n")),
    path("hub/", tenants_views.hub_home_public, name="hub-home"),
    path("hub/open/<slug:slug>/", tenants_views.hub_handoff_public, name="hub-open"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
]

handler400 = "tenants.views.bad_request"
