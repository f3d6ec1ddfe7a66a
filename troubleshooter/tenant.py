"""Tenant profiles: the URLs a scenario's ``${variables}`` resolve to."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from troubleshooter.errors import BadInputError
from troubleshooter.loader import load_yaml_model
from troubleshooter.validate import (
    check_site,
    check_tenant_hosts,
    check_url,
    shown,
    tenant_name_of,
)

SIM_TENANT = "sim"


class TenantProfile(BaseModel):
    """Where a tenant's services live."""

    model_config = ConfigDict(extra="forbid")

    name: str
    home: str = Field(description="Microsoft 365 home, e.g. https://www.office.com")
    sharepoint: str = Field(description="SharePoint root, e.g. https://contoso.sharepoint.com")
    mysite: str = Field(description="My Site host, e.g. https://contoso-my.sharepoint.com")
    site: str | None = Field(default=None, description="Default site for the People web part")
    outlook: str = Field(
        default="https://outlook.office.com",
        description="Outlook on the web, where colleagues' photos of record are read (check)",
    )
    # The signed-in home is recognised by its page (the account manager), not its host, so a
    # redirect from office.com to microsoft365.com or m365.cloud.microsoft changes nothing.
    simulated: bool = False

    def variables(self) -> dict[str, str]:
        """Values for ``${home}``, ``${sharepoint}``, ``${mysite}`` and ``${site}``."""
        values = {"home": self.home, "sharepoint": self.sharepoint, "mysite": self.mysite}
        if self.site:
            values["site"] = self.site
        return values

    def with_site(self, site: str | None) -> TenantProfile:
        """The profile with ``--site``, which must be a page on this tenant's SharePoint."""
        if site is None:
            return self
        checked = check_site(site, self.sharepoint, self.mysite, allow_loopback_http=True)
        return self.model_copy(update={"site": checked})

    def checked(self, what: str) -> TenantProfile:
        """The profile if its URLs are web addresses of one tenant; else one BadInputError.

        Plain ``http`` is only for this machine (a ``sim serve`` on ``*.localhost``).
        """
        for key in ("home", "sharepoint", "mysite", "site", "outlook"):
            value = getattr(self, key)
            if value is not None:
                check_url(value, f"{what}: {key}", allow_loopback_http=True)
        check_tenant_hosts(self.sharepoint, self.mysite, what)
        if self.site:
            check_site(self.site, self.sharepoint, self.mysite, allow_loopback_http=True)
        return self


def tenant_from_name(spec: str) -> TenantProfile:
    """A real tenant from ``contoso``, ``contoso.onmicrosoft.com`` or its SharePoint URL."""
    name = tenant_name_of(spec)
    if name is None:
        raise BadInputError(
            f"--tenant {shown(spec)}: expected 'sim', a tenant name like 'contoso' (or "
            "contoso.onmicrosoft.com, https://contoso.sharepoint.com), or a tenant profile .yaml"
        )
    return TenantProfile(
        name=name,
        home="https://www.office.com",
        sharepoint=f"https://{name}.sharepoint.com",
        mysite=f"https://{name}-my.sharepoint.com",
    )


def load_tenant_file(path: Path) -> TenantProfile:
    """Read a tenant profile YAML file."""
    what = f"tenant profile {path}"
    return load_yaml_model(path, TenantProfile, what, defaults={"name": path.stem}).checked(what)


def resolve_tenant(spec: str) -> TenantProfile | None:
    """Turn ``--tenant`` into a profile. ``None`` means: start the embedded simulated tenant."""
    if spec == SIM_TENANT:
        return None
    if spec.endswith((".yaml", ".yml")) or (
        ("/" in spec or "\\" in spec) and tenant_name_of(spec) is None
    ):
        return load_tenant_file(Path(spec))
    return tenant_from_name(spec)


@contextlib.contextmanager
def tenant_for(
    spec: str, sync_delay: float | None = None
) -> Iterator[tuple[TenantProfile, str | None]]:
    """The tenant profile to use, starting the embedded simulated tenant when asked for.

    Yields the profile and, for the simulated tenant, its public demo password.
    """
    profile = resolve_tenant(spec)
    if profile is not None:
        yield profile, None
        return
    from troubleshooter.sim import DEMO_PASSWORD, SimOptions, SimTenant

    options = SimOptions() if sync_delay is None else SimOptions(sync_delay=sync_delay)
    with SimTenant(options=options) as sim:
        urls = sim.urls
        yield (
            TenantProfile(
                name="sim (simulated contoso tenant)",
                home=urls.home,
                sharepoint=urls.sharepoint,
                mysite=urls.mysite,
                site=urls.site,
                outlook=urls.outlook,
                simulated=True,
            ),
            DEMO_PASSWORD,
        )
