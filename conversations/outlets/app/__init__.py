"""The companion web app on the creator's host: the same socket as the widget, plus web push, so
the coach can reach the person when the app is closed."""

from conversations.outlets.base import Capabilities
from conversations.outlets.browser import BrowserOutlet


class AppOutlet(BrowserOutlet):
    name = "app"
    capabilities = Capabilities(
        streaming=True, typing_indicator=True, in_band=True, limits_person=True, reaches_proactively=True
    )


outlet = AppOutlet()
