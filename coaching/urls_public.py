"""URLs of the public host (PLATFORM_DOMAIN): sign-up, staff admin, account API."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from coaching.health import healthz
from coaching.views import demo_site
from tenants import api as tenants_api
from tenants import views as tenants_views

api_v1 = [
    path("signup", tenants_api.SignupApi.as_view(), name="api-signup"),
    path("token", tenants_api.TokenApi.as_view(), name="api-token"),
    path("token/refresh", tenants_api.TokenRefreshApi.as_view(), name="api-token-refresh"),
    path("schema/", SpectacularAPIView.as_view(urlconf="coaching.urls_public"), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]

urlpatterns = [
    path("", tenants_views.landing, name="landing"),
    path("healthz", healthz, name="healthz"),
    path("demo-site/", demo_site, name="demo-site"),
    path("accounts/", include("allauth.urls")),
    path("hub/", tenants_views.hub_home_public, name="hub-home"),
    path("hub/open/<slug:slug>/", tenants_views.hub_handoff_public, name="hub-open"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
]

handler400 = "tenants.views.bad_request"
