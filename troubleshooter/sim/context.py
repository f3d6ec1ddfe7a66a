"""What every simulated service shares: state, URLs, templates and a signing secret."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

import jinja2

from .hosts import SimUrls
from .options import SimOptions
from .state import TenantState
from .web import Response, html


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("troubleshooter.sim", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


@dataclass
class SimContext:
    """Shared by the login, home and SharePoint services of one tenant."""

    options: SimOptions
    state: TenantState
    urls: SimUrls
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    env: jinja2.Environment = field(default_factory=_environment)

    def render(self, template: str, status: int = 200, **values: object) -> Response:
        values.setdefault("sim_options", self.options)
        page = self.env.get_template(template).render(urls=self.urls, **values)
        return html(page, status)
