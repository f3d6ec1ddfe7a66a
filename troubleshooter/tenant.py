"""Tenant profiles: the URLs a scenario's ``${variables}`` resolve to."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from troubleshooter.errors import BadInputError
from troubleshooter.loader import load_yaml_model

SIM_TENANT = "sim"
_TENANT_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


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
        return self if site is None else self.model_copy(update={"site": site.rstrip("/")})


def tenant_from_name(name: str) -> TenantProfile:
    """A real tenant from its short name: ``contoso`` → contoso.sharepoint.com."""
    if not _TENANT_NAME.match(name):
        raise BadInputError(
            f"--tenant {name!r}: expected 'sim', a tenant name like 'contoso', "
            "or the path of a tenant profile (.yaml)"
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
    return load_yaml_model(path, TenantProfile, what, defaults={"name": path.stem})


def resolve_tenant(spec: str) -> TenantProfile | None:
    """Turn ``--tenant`` into a profile. ``None`` means: start the embedded simulated tenant."""
    if spec == SIM_TENANT:
        return None
    if spec.endswith((".yaml", ".yml")) or "/" in spec or "\\" in spec:
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
