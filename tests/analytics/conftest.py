import pytest


@pytest.fixture
def madrid(alpha):
    """Alpha coaches from Madrid: the dashboard's days are Madrid's."""
    from tenants.models import Creator

    was = alpha.creator.timezone
    Creator.objects.filter(pk=alpha.creator.pk).update(timezone="Europe/Madrid")
    alpha.creator.timezone = "Europe/Madrid"
    yield alpha
    alpha.creator.timezone = was
