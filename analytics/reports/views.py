from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from analytics.selectors import creator_overview
from tenants.hub import hub_view
from tenants.roles import Capability


@hub_view(Capability.VIEW_ANALYTICS)
def overview(request: HttpRequest) -> HttpResponse:
    return render(request, "analytics/overview.html", {"overview": creator_overview(creator=request.tenant)})
