"""The creator's own server speaking for a client through API v1 (`POST /chat`, `/chat/stream`):
the reply is in the response, and the team's messages wait to be read with `GET .../messages`."""

from conversations.outlets.base import Capabilities
from conversations.outlets.browser import BrowserOutlet


class ApiOutlet(BrowserOutlet):
    name = "api"
    capabilities = Capabilities(streaming=True, in_band=True)


outlet = ApiOutlet()
