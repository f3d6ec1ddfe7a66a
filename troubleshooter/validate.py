"""Checks for what an operator types, made before any browser starts.

Each check raises :class:`BadInputError` with one line that names the option and the problem,
and never echoes control or direction characters from the input back to the terminal.
"""

from __future__ import annotations

import io
import math
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from troubleshooter.errors import BadInputError

# Microsoft Entra ID: a UPN has at most 64 characters before the @ and 48 after it, 113 in all,
# from A-Z a-z 0-9 ' . - _ ! # ^ ~ (learn.microsoft.com, "Password policies and account
# restrictions in Microsoft Entra ID", UserPrincipalName).
UPN_LOCAL_MAX = 64
UPN_DOMAIN_MAX = 48
_UPN_LOCAL = re.compile(r"^[A-Za-z0-9'._!#^~-]+$")
TICKET_MAX = 64
_TICKET = re.compile(r"^[A-Za-z0-9][\w.#:+-]*(?: [\w.#:+-]+)*$", re.ASCII)
OPERATOR_MAX = 120
MAX_WAIT_S = 24 * 3600.0
_DURATION = re.compile(r"^\s*(\d{1,6})\s*([a-z]+)\s*$", re.IGNORECASE)
_DURATION_UNITS = {
    "s": "seconds",
    "sec": "seconds",
    "min": "minutes",
    "h": "hours",
    "d": "days",
    "w": "weeks",
}


def shown(text: str, limit: int = 60) -> str:
    """``text`` quoted for a message: control and direction characters escaped, long text cut."""
    cut = text if len(text) <= limit else text[: limit - 1] + "…"
    return repr(cut)


def check_upn(upn: str, option: str = "--user") -> str:
    """A plausible Microsoft 365 sign-in name (UPN); returns it as typed, stripped."""
    value = upn.strip()
    hint = "expected the user's sign-in name (UPN), like jane@contoso.com"
    if not value.isascii() or not value.isprintable():
        raise BadInputError(
            f"{option} {shown(value)}: a UPN has only plain letters, digits and . - _ ' ! # ^ ~ "
            "(this one has other characters, e.g. look-alike letters or control characters)"
        )
    local, at, domain = value.rpartition("@")
    if not at or not local or not domain:
        raise BadInputError(f"{option} {shown(value)}: {hint}")
    if len(local) > UPN_LOCAL_MAX or len(domain) > UPN_DOMAIN_MAX:
        raise BadInputError(
            f"{option} {shown(value)}: too long for a UPN (at most {UPN_LOCAL_MAX} characters "
            f"before the @ and {UPN_DOMAIN_MAX} after it)"
        )
    if not _UPN_LOCAL.match(local):
        raise BadInputError(
            f"{option} {shown(value)}: the part of a UPN before the @ may only have letters, "
            "digits and . - _ ' ! # ^ ~"
        )
    from email_validator import EmailNotValidError, validate_email  # 0.2 s: only when needed

    try:
        validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise BadInputError(f"{option} {shown(value)}: {hint} ({exc})") from None
    return value


def check_label(value: str | None, option: str, limit: int) -> str | None:
    """A ticket id or operator name: one printable line, no control characters."""
    if value is None:
        return None
    if not value.strip():
        raise BadInputError(f"{option}: empty; leave the option out instead")
    if not value.isprintable():
        raise BadInputError(
            f"{option} {shown(value)}: must be one line without control or direction characters"
        )
    if len(value) > limit:
        raise BadInputError(f"{option}: at most {limit} characters (this one has {len(value)})")
    return value.strip()


def check_ticket(ticket: str | None) -> str | None:
    """A ticket id such as ``INC0012345`` or ``CS-1042``; it names a folder of the evidence."""
    value = check_label(ticket, "--ticket", TICKET_MAX)
    if value is not None and (not _TICKET.match(value) or value in {".", ".."}):
        raise BadInputError(
            f"--ticket {shown(value)}: start with a letter or digit, then use letters, digits, "
            "spaces and . _ - # : + only"
        )
    return value


def check_operator(operator: str | None) -> str | None:
    return check_label(operator, "--operator", OPERATOR_MAX)


def check_wait(seconds: float | None, option: str) -> float | None:
    """A wait in seconds: finite, not negative, at most a day."""
    if seconds is None:
        return None
    if math.isnan(seconds) or seconds < 0:
        raise BadInputError(f"{option} {seconds}: expected a number of seconds, 0 or more")
    if seconds > MAX_WAIT_S:
        raise BadInputError(
            f"{option} {seconds:g}: at most {MAX_WAIT_S:.0f} seconds (a day); for longer "
            "waits, run 'troubleshooter recheck RUN_FOLDER' later"
        )
    return seconds


def parse_duration(text: str, option: str, maximum: timedelta) -> timedelta:
    """``90min``, ``12h``, ``30d`` or ``4w``; ``m`` is refused (a minute or a month?)."""
    units = "s, min, h, d or w"
    match = _DURATION.match(text)
    if not match:
        raise BadInputError(
            f"{option} {shown(text)}: use a whole number and a unit ({units}), like 30d or 12h"
        )
    number, unit = int(match.group(1)), match.group(2).lower()
    if unit in {"m", "mo", "month", "months"}:
        raise BadInputError(
            f"{option} {shown(text)}: 'm' could mean minutes or months; write {number}min for "
            f"minutes, or days ({number * 30}d) for months"
        )
    if unit not in _DURATION_UNITS:
        raise BadInputError(f"{option} {shown(text)}: unknown unit {unit!r} (use {units})")
    value = timedelta(**{_DURATION_UNITS[unit]: number})
    if value > maximum:
        raise BadInputError(f"{option} {shown(text)}: at most {maximum.days} days")
    return value


def _is_loopback(host: str) -> bool:
    return host in {"localhost", "127.0.0.1", "::1"} or host.endswith(".localhost")


def check_url(url: str, what: str, *, allow_loopback_http: bool = False) -> str:
    """An ``https://host[/path]`` URL (``http`` only on this machine's loopback, for the sim)."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        raise BadInputError(f"{what} {shown(url)}: not a valid URL") from None
    if not url.isprintable() or any(ch.isspace() for ch in url.strip()):
        raise BadInputError(f"{what} {shown(url)}: not a valid URL (spaces or control characters)")
    if parts.scheme not in {"http", "https"} or not host:
        raise BadInputError(f"{what} {shown(url)}: expected a web address like https://host/path")
    if parts.scheme == "http" and not (allow_loopback_http and _is_loopback(host)):
        raise BadInputError(f"{what} {shown(url)}: must use https://")
    if parts.username or parts.password:
        raise BadInputError(f"{what} {shown(url)}: must not contain a user name or password")
    return url.strip().rstrip("/")


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def check_tenant_hosts(sharepoint: str, mysite: str, what: str) -> None:
    """SharePoint and My Site of one tenant: ``x.sharepoint.com`` with ``x-my.sharepoint.com``."""
    sp, my = host_of(sharepoint), host_of(mysite)
    for suffix in (".sharepoint.com", ".sharepoint.us", ".sharepoint.de", ".sharepoint.cn"):
        if sp.endswith(suffix) or my.endswith(suffix):
            tenant = sp.removesuffix(suffix)
            if not sp.endswith(suffix) or my != f"{tenant}-my{suffix}":
                raise BadInputError(
                    f"{what}: sharepoint {sharepoint} and mysite {mysite} are not one tenant's "
                    f"(expected mysite https://{tenant}-my{suffix})"
                )
            return


def check_site(site: str, sharepoint: str, mysite: str, *, allow_loopback_http: bool) -> str:
    """``--site``: a page on the tenant's own SharePoint (or My Site) host."""
    value = check_url(site, "--site", allow_loopback_http=allow_loopback_http)
    if host_of(value) not in {host_of(sharepoint), host_of(mysite)}:
        raise BadInputError(
            f"--site {shown(value)}: not on this tenant's SharePoint ({host_of(sharepoint)})"
        )
    return value


_TENANT_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def tenant_name_of(spec: str) -> str | None:
    """The tenant's short name from ``contoso``, ``contoso.onmicrosoft.com``,
    ``contoso.sharepoint.com`` or ``https://contoso.sharepoint.com[/...]``; None if none of these.
    """
    text = spec.strip().lower()
    if text.startswith(("https://", "http://")):
        text = host_of(text)
    for suffix in (".onmicrosoft.com", ".sharepoint.com", "-my.sharepoint.com"):
        if text.endswith(suffix):
            text = text.removesuffix(suffix).removesuffix("-my")
            break
    return text if _TENANT_NAME.match(text) and not text.endswith("-") else None


MAX_PHOTO_BYTES = 4 * 1024 * 1024  # Microsoft Graph's upload limit for a profile photo


# Profile photos are at most 648 px (Exchange's largest size); a file of more than 36
# megapixels is no photo but a mistake or a decompression bomb, and is refused before decoding.
MAX_INPUT_PIXELS = 36_000_000
MIN_INPUT_PX = 48  # SharePoint's smallest size (S); anything smaller cannot be compared


def read_image_file(path: Path) -> bytes:
    """An image file's bytes, checked: a file, at most 4 MB, one frame, 48 px to 36 MP."""
    if not path.is_file():
        raise BadInputError(f"{path}: file not found")
    data = path.read_bytes()
    if len(data) > MAX_PHOTO_BYTES:
        raise BadInputError(f"{path}: {len(data):,} bytes; a profile photo may be at most 4 MB")
    from PIL import Image, UnidentifiedImageError  # only when an image file is given

    from troubleshooter.photo import NotAnImageError, open_image

    try:
        with Image.open(io.BytesIO(data)) as header:  # reads the header, decodes nothing
            width, height = header.size
            frames = getattr(header, "n_frames", 1)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise BadInputError(f"{path}: not an image Pillow can read") from None
    if width * height > MAX_INPUT_PIXELS:
        raise BadInputError(
            f"{path}: {width}×{height} pixels; a photo may have at most "
            f"{MAX_INPUT_PIXELS // 1_000_000} megapixels"
        )
    if min(width, height) < MIN_INPUT_PX:
        raise BadInputError(
            f"{path}: {width}×{height} pixels is too small to compare (at least "
            f"{MIN_INPUT_PX}×{MIN_INPUT_PX})"
        )
    if frames > 1:
        raise BadInputError(f"{path}: an animation ({frames} frames); use a still photo")
    try:
        open_image(data)
    except NotAnImageError:
        raise BadInputError(f"{path}: not an image Pillow can read") from None
    return data
