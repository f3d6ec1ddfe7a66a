"""The demo users of the simulated tenant contoso.onmicrosoft.com."""

from __future__ import annotations

import copy
from functools import cache

from .options import SimUser
from .photos import demo_photo

TENANT_DOMAIN = "contoso.onmicrosoft.com"
DEMO_PASSWORD = "Sim-Passw0rd!"
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPSIMTENANTDEMO234"
OPERATOR_UPN = f"helpdesk@{TENANT_DOMAIN}"


def _upn(local: str) -> str:
    return f"{local}@{TENANT_DOMAIN}"


# Seed suffixes picked once so that every pair of demo photos is >= 26 bits apart (pHash, 64 bits).
_SALT = {
    "isaiah.langer:current": ":2",
    "isaiah.langer:2019": ":1",
    "johanna.lorenz:current": ":3",
    "grady.archie:2019": ":8",
}


def current_photo(local: str, initials: str) -> bytes:
    """The user's current photo (their photo of record)."""
    seed = f"{local}:current"
    return demo_photo(seed + _SALT.get(seed, ""), initials)


def old_photo(local: str, initials: str) -> bytes:
    """An older photo of the user, captioned "2019" so screenshots say it."""
    seed = f"{local}:2019"
    return demo_photo(seed + _SALT.get(seed, ""), initials, "2019")


def retake_photo(local: str, initials: str) -> bytes:
    """An earlier shot from the same session as the current photo: the person a little to the
    side and lower, the light dimmer, no label. Only a same-source comparison tells them apart."""
    seed = f"{local}:current"
    return demo_photo(seed + _SALT.get(seed, ""), initials, None, RETAKE_MOVED, RETAKE_LIGHT)


RETAKE_MOVED = (22, 10)  # pixels of 648: the person 3.4% to the right, 1.5% lower
RETAKE_LIGHT = 0.88  # 12% darker


def _user(local: str, name: str, title: str, state: str, **kw: object) -> SimUser:
    """``state``: stale | retake | nocopy | insync | nophoto."""
    initials = "".join(p[0] for p in name.split()[:2]).upper()
    new = current_photo(local, initials)
    photos: dict[str, bytes | None] = {
        "stale": {"photo_of_record": new, "sharepoint_photo": old_photo(local, initials)},
        "retake": {"photo_of_record": new, "sharepoint_photo": retake_photo(local, initials)},
        "nocopy": {"photo_of_record": new, "sharepoint_photo": None},
        "insync": {"photo_of_record": new, "sharepoint_photo": new},
        "nophoto": {"photo_of_record": None, "sharepoint_photo": None},
    }[state]  # type: ignore[assignment]
    return SimUser(
        upn=_upn(local),
        display_name=name,
        password=DEMO_PASSWORD,
        job_title=title,
        **photos,  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


def _demo_users() -> list[SimUser]:
    return [
        _user("adele.vance", "Adele Vance", "Retail Manager", "stale"),
        _user("megan.bowen", "Megan Bowen", "Marketing Manager", "nocopy"),
        _user("alex.wilber", "Alex Wilber", "Marketing Assistant", "insync"),
        _user("lee.gu", "Lee Gu", "Director", "stale", picture_editable=False),
        _user("diego.siciliani", "Diego Siciliani", "HR Manager", "nophoto"),
        _user(
            "isaiah.langer",
            "Isaiah Langer",
            "Sales Rep",
            "stale",
            mfa="totp",
            totp_secret=DEMO_TOTP_SECRET,
        ),
        _user("johanna.lorenz", "Johanna Lorenz", "Senior Engineer", "insync", mfa="push"),
        _user("lynne.robbins", "Lynne Robbins", "Planner", "insync", locked=True),
        _user("nestor.wilke", "Nestor Wilke", "Director of Operations", "insync", ca_blocked=True),
        _user(
            "grady.archie",
            "Grady Archie",
            "Designer",
            "stale",
            signin_variant="fluent",
            mfa_nudge=True,
        ),
        _user("miriam.graham", "Miriam Graham", "Director", "retake"),
        # The helpdesk's own account: `check --as` and `guide --as` sign in with it.
        _user("helpdesk", "Helpdesk Operator", "IT Helpdesk", "insync"),
    ]


@cache
def _drawn_demo_users() -> list[SimUser]:
    """The demo users, their photos drawn on first use (not at import: ~0.5 s)."""
    return _demo_users()


def __getattr__(name: str) -> list[SimUser]:
    if name == "DEMO_USERS":
        return _drawn_demo_users()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_RETAKES = frozenset({_upn("miriam.graham")})


def demo_users() -> list[SimUser]:
    """Fresh copies of :data:`DEMO_USERS` (a tenant mutates its users)."""
    return copy.deepcopy(_drawn_demo_users())


def describe(user: SimUser) -> str:
    """What a trainer should know about a demo user, in a few words."""
    if user.photo_of_record is None:
        photos = "no photo at all"
    elif user.sharepoint_photo is None:
        photos = "SharePoint has no copy (placeholder)"
    elif user.sharepoint_photo == user.photo_of_record:
        photos = "in sync"
    elif user.upn in _RETAKES:
        photos = "SharePoint photo is stale: a retake of the same scene (shifted, darker)"
    else:
        photos = "SharePoint photo is stale"
    notes = [photos]
    if user.upn == OPERATOR_UPN:
        notes.insert(0, "the helpdesk operator (check/guide --as)")
    if not user.picture_editable:
        notes.append("Picture not user-editable: never refreshes")
    if user.mfa != "none":
        notes.append(f"MFA: {user.mfa}")
    if user.mfa_nudge:
        notes.append("MFA registration nudge")
    if user.signin_variant:
        notes.append(f"{user.signin_variant} sign-in page")
    if user.locked:
        notes.append("locked")
    if user.ca_blocked:
        notes.append("blocked by conditional access")
    return "; ".join(notes)
