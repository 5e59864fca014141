"""The chat widget on the creator's own site (a websocket per open bubble)."""

from conversations.outlets.base import Capabilities
from conversations.outlets.browser import BrowserOutlet


class WebOutlet(BrowserOutlet):
    name = "web"
    capabilities = Capabilities(streaming=True, typing_indicator=True, in_band=True, limits_person=True)


outlet = WebOutlet()
