"""A simulated Microsoft 365 tenant (sign-in, home, SharePoint) with the lazy photo-sync rule.

It never imports the rest of ``troubleshooter``: the tool talks to it only over HTTP.
"""

from .faults import Faults
from .hosts import SimUrls
from .options import SimOptions, SimUser
from .state import IssuedSecret, TenantState, TriggerRecord
from .tenant import SimServeError, SimTenant, serve_forever
from .users import DEMO_PASSWORD, DEMO_TOTP_SECRET, OPERATOR_UPN, demo_users, describe

__all__ = [
    "DEMO_PASSWORD",
    "DEMO_TOTP_SECRET",
    "DEMO_USERS",
    "OPERATOR_UPN",
    "Faults",
    "IssuedSecret",
    "SimOptions",
    "SimServeError",
    "SimTenant",
    "SimUrls",
    "SimUser",
    "TenantState",
    "TriggerRecord",
    "demo_users",
    "describe",
    "serve_forever",
]


def __getattr__(name: str) -> list[SimUser]:
    if name == "DEMO_USERS":  # drawn on first use
        from . import users

        return users.DEMO_USERS
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
