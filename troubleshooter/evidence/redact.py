"""Remove secrets from URLs, text, the HAR and the Playwright trace before they reach evidence.

Every redaction rule lives here, so the report, the console log, the HAR and the trace agree.
"""

from __future__ import annotations

import functools
import io
import json
import re
import zipfile
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from troubleshooter.evidence.trace_snapshots import mark_changing_resources

REDACTED = "REDACTED"
# Query parameters that carry codes, tokens or signatures (OAuth, SharePoint's CDN URLs).
_SECRET_PARAM_NAMES = (
    r"code|id_token|access_token|refresh_token|token|session_state|client_info|"
    r"_oat_|p4|sig|signature|password|passwd|pwd|otc|nonce|state|sso_nonce|flowtoken|"
    r"canary|client_secret|assertion|code_verifier|api_key|apikey|samlresponse"
)
SECRET_PARAM = re.compile(rf"(?i)^({_SECRET_PARAM_NAMES})$")
# Header, cookie and JSON key names whose values are secrets wherever they appear.
SECRET_NAME = re.compile(
    r"(?i)(cookie|authorization|authenticate-info|token|secret|passw|credential|"
    r"api[-_]?key|x-csrf|x-xsrf|requestdigest|^sid$|^session)"
)
_PARAM_IN_TEXT = re.compile(rf"(?i)(?<=[?&#;])({_SECRET_PARAM_NAMES})=([^&#\s\"'<>\\]*)")
_JWT = re.compile(r"\beyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*")
_BEARER_WORDS = ("bearer", "basic", "negotiate", "ntlm")
_BEARER = re.compile(rf"(?i)\b({'|'.join(_BEARER_WORDS)})\s+[\w.~+/=-]{{8,}}")
_URL = re.compile(r"https?://[^\s\"'<>\\]+")
_INPUT_TAG = re.compile(r"(?is)<input\b[^>]*>")
_NAME_ATTR = re.compile(r"""(?is)\bname\s*=\s*["']?([^"'\s>]+)""")
_VALUE_ATTR = re.compile(r"""(?is)(\bvalue\s*=\s*)("[^"]*"|'[^']*'|[^\s>]+)""")
_TEXT_SUFFIXES = (".html", ".htm", ".js", ".json", ".css", ".txt", ".xml", ".svg", ".dat")


def redact_url(url: str | None) -> str | None:
    """The URL with secret-bearing query (and fragment) values replaced by REDACTED."""
    if not url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(url)
    query = _redact_query(parts.query)
    fragment = _redact_query(parts.fragment) if "=" in parts.fragment else parts.fragment
    if query == parts.query and fragment == parts.fragment:
        return url
    return urlunsplit(parts._replace(query=query, fragment=fragment))


def _redact_query(query: str) -> str:
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(SECRET_PARAM.match(key) for key, _ in pairs):
        return query
    redacted = [(key, REDACTED if SECRET_PARAM.match(key) else value) for key, value in pairs]
    return urlencode(redacted, safe="@:/")


def is_secret_name(name: str) -> bool:
    """True for a header, cookie, form field or parameter name whose value is a secret."""
    return bool(SECRET_PARAM.match(name) or SECRET_NAME.search(name))


def redact_text(text: str) -> str:
    """Free text with secret query values, JWTs, bearer credentials and secret inputs replaced."""
    # Each rule runs only where the text holds what its pattern cannot match without: a trace
    # has tens of thousands of short strings (tag names, attributes) that hold none of them.
    # Non-ASCII text always goes through: case-insensitive patterns match "ſ" for "s", "ı" for "i".
    lower = text.lower() if text.isascii() else "<input " + " ".join(_BEARER_WORDS)
    if "<input" in lower:
        text = _INPUT_TAG.sub(_redact_input, text)
    if "://" in text:
        text = _URL.sub(lambda m: redact_url(m.group(0)) or "", text)
    if "=" in text:
        text = _PARAM_IN_TEXT.sub(lambda m: f"{m.group(1)}={REDACTED}", text)
    if "eyJ" in text:
        text = _JWT.sub(REDACTED, text)
    if any(word in lower for word in _BEARER_WORDS):
        text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    return text


def _redact_input(match: re.Match[str]) -> str:
    tag = match.group(0)
    name = _NAME_ATTR.search(tag)
    if not name or not is_secret_name(name.group(1)):
        return tag
    return _VALUE_ATTR.sub(lambda m: f'{m.group(1)}"{REDACTED}"', tag)


def scrub(value: Any) -> Any:
    """Redact a JSON-like value: secret-named keys and name/value pairs, then every string."""
    if isinstance(value, dict):
        if _is_pair(value) and is_secret_name(str(value["name"])):
            return {**value, "value": REDACTED}
        return {
            key: REDACTED if _secret_key(key, item) else scrub(item) for key, item in value.items()
        }
    if isinstance(value, list):
        return [scrub(item) for item in value]
    if isinstance(value, str):
        return _redact_string(value) if len(value) <= CACHED_MAX_CHARS else _redact_any(value)
    return value


# A trace repeats the same few hundred strings (URLs, class names, titles) thousands of times:
# 9,000 strings, 630 distinct in the demo's. Short ones are redacted once each.
CACHED_MAX_CHARS = 2048


def _redact_any(value: str) -> str:
    if value.startswith(("http://", "https://")):
        return redact_url(value) or ""
    return redact_text(value)


_redact_string = functools.lru_cache(maxsize=8192)(_redact_any)


def without_secrets(value: Any, literals: Iterable[str] = ()) -> Any:
    """``scrub`` the value, then blank any literal secret (a password, a TOTP secret) left in it.

    The last line of defence for text that came from elsewhere: page text, error messages.
    """
    value = scrub(value)
    secrets = [s for s in literals if s]
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            value = _blank(value, secret)
        return value
    if isinstance(value, dict):
        return {key: without_secrets(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [without_secrets(item, secrets) for item in value]
    return value


WORD_LIKE_MAX = 12  # a secret of at most this many letters could be an ordinary word


def _blank(text: str, secret: str) -> str:
    """The text with the secret blanked where it is a value.

    A secret that could be an ordinary word (a password like ``network``) is blanked where it
    stands as a value: the whole text, or right after ``=``, ``:`` or a quote up to a delimiter.
    Blanking it everywhere would garble messages ("check the [REDACTED], the VPN") and so point
    at the password. Any other secret is blanked wherever it appears.
    """
    if not (secret.isalpha() and len(secret) <= WORD_LIKE_MAX):
        return text.replace(secret, REDACTED)
    if text == secret:
        return REDACTED
    value = re.compile(rf"(?<=[=:\"'`]){re.escape(secret)}(?=$|[&\"'`;,\s)\]}}])")
    return value.sub(REDACTED, text)


def _is_pair(value: dict[str, Any]) -> bool:
    return "name" in value and isinstance(value.get("value"), str)


def _secret_key(key: str, item: Any) -> bool:
    return isinstance(item, str) and bool(item) and _secret_named(key)


@functools.lru_cache(maxsize=4096)
def _secret_named(key: str) -> bool:
    """SECRET_NAME for a JSON key; the same few hundred keys recur thousands of times."""
    return bool(SECRET_NAME.search(key))


# ---- HAR -------------------------------------------------------------------------------------


def redact_entry(entry: dict[str, Any]) -> set[str]:
    """Redact one HAR entry in place; return the trace resources holding removed bodies."""
    dropped: set[str] = set()
    request = entry.get("request") or {}
    response = entry.get("response") or {}
    for cookie in [*request.get("cookies", []), *response.get("cookies", [])]:
        cookie["value"] = REDACTED
    for param in request.get("queryString", []):
        if SECRET_PARAM.match(str(param.get("name", ""))):
            param["value"] = REDACTED
    post = request.get("postData")
    if isinstance(post, dict):
        for key in ("_sha1", "_file"):
            if key in post:
                dropped.add(str(post.pop(key)).rsplit("/", 1)[-1])
        for param in post.get("params", []):
            param["value"] = REDACTED
            param.pop("fileName", None)
        post["text"] = _redacted_form(post) if post.get("params") else REDACTED
    content = response.get("content")
    if isinstance(content, dict) and "text" in content:
        content.pop("text")
        content["comment"] = "body removed from the evidence"
    for headers in (request.get("headers", []), response.get("headers", [])):
        for header in headers:
            name = str(header.get("name", "")).lower()
            if name in ("location", "referer", "content-location"):
                header["value"] = redact_url(header.get("value")) or ""
    return dropped


def _redacted_form(post: dict[str, Any]) -> str:
    return urlencode([(p.get("name", ""), REDACTED) for p in post.get("params", [])])


# HAR 1.2 allows -1 ("does not apply") only for these; send, wait and receive must be >= 0.
_OPTIONAL_TIMINGS = frozenset({"blocked", "dns", "connect", "ssl"})


def normalise_timings(entry: dict[str, Any]) -> None:
    """Chromium writes -1 for a wait or receive it did not see: HAR 1.2 wants 0 there."""
    timings = entry.get("timings")
    if not isinstance(timings, dict):
        return
    for name, value in timings.items():
        if name not in _OPTIONAL_TIMINGS and isinstance(value, int | float) and value < 0:
            timings[name] = 0
    total = sum(
        v for k, v in timings.items() if k != "comment" and isinstance(v, int | float) and v > 0
    )
    if isinstance(entry.get("time"), int | float) and entry["time"] < total:
        entry["time"] = total


def redact_har(data: bytes) -> bytes:
    """A HAR without cookies, auth headers, tokens, secret query values or form bodies."""
    har = json.loads(data)
    for entry in har.get("log", {}).get("entries", []):
        redact_entry(entry)
        normalise_timings(entry)
    return (json.dumps(scrub(har), indent=1, ensure_ascii=False) + "\n").encode("utf-8")


# ---- Playwright trace ------------------------------------------------------------------------


def redact_trace(data: bytes) -> bytes:
    """The trace zip rewritten: network entries as in the HAR, events and text resources scrubbed.

    Request bodies stored as separate resources are dropped; images are kept as they are. URLs
    whose answer changed during the run are marked so the viewer shows each step its own
    answer (``trace_snapshots``).
    """
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        members = source.infolist()
        dropped: set[str] = set()
        rewritten: dict[str, bytes] = {}
        events: dict[str, list[dict[str, Any]]] = {}
        for info in members:
            if info.filename.endswith(".stacks"):
                rewritten[info.filename] = _redact_stacks(source.read(info))
            elif info.filename.endswith((".trace", ".network")):
                events[info.filename] = _redacted_events(source.read(info), dropped)
        mark_changing_resources([e for member in events.values() for e in member])
        for name, member in events.items():
            rewritten[name] = _jsonl(member)
        for info in members:
            name = info.filename
            if name.startswith("resources/") and name.rsplit("/", 1)[-1] in dropped:
                continue
            content = rewritten.get(name)
            if content is None:
                content = source.read(info)
                if name.startswith("resources/"):
                    content = _redact_resource(name, content)
            target.writestr(name, content)
    return out.getvalue()


def _redact_stacks(content: bytes) -> bytes:
    text = content.decode("utf-8")
    return json.dumps(scrub(json.loads(text))).encode("utf-8") if text.strip() else content


def _redacted_events(content: bytes, dropped: set[str]) -> list[dict[str, Any]]:
    events = []
    for line in content.decode("utf-8").splitlines():
        if not line.strip():
            continue
        event = json.loads(line)
        if event.get("type") == "resource-snapshot" and isinstance(event.get("snapshot"), dict):
            dropped |= redact_entry(event["snapshot"])
        events.append(scrub(event))
    return events


def _jsonl(events: list[dict[str, Any]]) -> bytes:
    return ("\n".join(json.dumps(e, ensure_ascii=False) for e in events) + "\n").encode("utf-8")


def _redact_resource(name: str, content: bytes) -> bytes:
    if not name.endswith(_TEXT_SUFFIXES) and "." in name.rsplit("/", 1)[-1]:
        return content
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return content
    return redact_text(text).encode("utf-8")
