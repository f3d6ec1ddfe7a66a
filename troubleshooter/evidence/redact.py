"""Remove secrets from URLs and text before they reach evidence."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "REDACTED"
# Query parameters that carry codes, tokens or signatures (OAuth, SharePoint's CDN URLs).
SECRET_PARAM = re.compile(
    r"(?i)^(code|id_token|access_token|refresh_token|token|session_state|client_info|"
    r"_oat_|p4|sig|signature|password|passwd|otc|nonce|state|sso_nonce)$"
)


def redact_url(url: str | None) -> str | None:
    """The URL with secret-bearing query values replaced by REDACTED."""
    if not url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.query:
        return url
    query = [
        (key, REDACTED if SECRET_PARAM.match(key) else value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(query=urlencode(query, safe="@:/")))
