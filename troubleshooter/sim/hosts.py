"""Host names of the simulated services and the URLs built from them."""

from __future__ import annotations

from dataclasses import dataclass

LOGIN_HOST = "login.microsoftonline.localhost"
HOME_HOST = "www.office.localhost"
SP_HOST = "contoso.sharepoint.localhost"
MY_HOST = "contoso-my.sharepoint.localhost"
OUTLOOK_HOST = "outlook.office.localhost"
INDEX_HOSTS = ("127.0.0.1", "localhost")

TENANT_ID = "5f1c2b3a-9d4e-4c6b-8a7f-0e1d2c3b4a59"
HOME_CLIENT_ID = "4765445b-32c6-49b0-83e6-1d93765276ca"
SP_CLIENT_ID = "00000003-0000-0ff1-ce00-000000000000"
OWA_CLIENT_ID = "00000002-0000-0ff1-ce00-000000000000"  # Office 365 Exchange Online
DEFAULT_SITE = "/sites/mark8projectteam"


@dataclass(frozen=True)
class SimUrls:
    """Base URLs of a running simulated tenant (no trailing slash)."""

    port: int

    def _url(self, host: str) -> str:
        return f"http://{host}:{self.port}"

    @property
    def login(self) -> str:
        return self._url(LOGIN_HOST)

    @property
    def home(self) -> str:
        return self._url(HOME_HOST)

    @property
    def sharepoint(self) -> str:
        return self._url(SP_HOST)

    @property
    def mysite(self) -> str:
        return self._url(MY_HOST)

    @property
    def outlook(self) -> str:
        """Outlook on the web (outlook.office.com): colleagues' photos of record."""
        return self._url(OUTLOOK_HOST)

    @property
    def site(self) -> str:
        """The default team site (it has a People web part)."""
        return self.sharepoint + DEFAULT_SITE

    @property
    def index(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def netloc(self, host: str) -> str:
        return f"{host}:{self.port}"

    def onedrive(self, personal_segment: str) -> str:
        return f"{self.mysite}/personal/{personal_segment}/_layouts/15/onedrive.aspx"
