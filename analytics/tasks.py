"""The worker discovers each app's `tasks` module: analytics' jobs live with its reports (at the
top of the dependency order), so they are named here to be found."""

from analytics.reports.tasks import rollups_refresh, rollups_refresh_all

__all__ = ["rollups_refresh", "rollups_refresh_all"]
