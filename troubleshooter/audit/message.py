"""The instructions a user follows to re-sync their own photo, with the tenant's real links.

The steps are Microsoft's documented procedure: a private (InPrivate/Incognito) window, office.com,
sign in, SharePoint, then a page where the user appears in a People web part (support article
"Profile picture not showing in SharePoint Online", 2022-03-31 version, MicrosoftDocs/
SupportArticles-docs; Alchemy Insights "Sync a user's profile picture"), or SharePoint search →
Show more results → People. After 24 hours the user contacts the helpdesk (same article).
Private-window keys: Edge and Chrome Ctrl+Shift+N / Cmd+Shift+N, Firefox Ctrl+Shift+P /
Cmd+Shift+P (support.mozilla.org keyboard shortcuts), Safari Shift+Cmd+N (help.apple.com: File >
New Private Window); no first-party Edge/Chrome page was found, so theirs are from Lifewire.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from troubleshooter.templating import environment


@dataclass(frozen=True)
class PrivateWindow:
    name: str
    keys: str
    mac: str
    menu: str


BROWSERS = (
    PrivateWindow("Microsoft Edge", "Ctrl+Shift+N", "Cmd+Shift+N", "New InPrivate window"),
    PrivateWindow("Google Chrome", "Ctrl+Shift+N", "Cmd+Shift+N", "New Incognito window"),
    PrivateWindow("Firefox", "Ctrl+Shift+P", "Cmd+Shift+P", "New private window"),
    PrivateWindow("Safari (Mac)", "Shift+Cmd+N", "", "File > New Private Window"),
)


@dataclass(frozen=True)
class Message:
    markdown: str
    html: str


def search_url(sharepoint: str, name: str) -> str:
    """SharePoint search, People results for the user's own name."""
    return f"{sharepoint}/_layouts/15/search.aspx/people?q={quote(name)}"


def render_message(
    *, upn: str, name: str, home: str, sharepoint: str, site: str | None, placeholder: bool
) -> Message:
    values = {
        "upn": upn,
        "name": name or upn,
        "home": home,
        "sharepoint": sharepoint,
        "site": site,
        "search": search_url(sharepoint, name or upn),
        "placeholder": placeholder,
        "browsers": BROWSERS,
    }
    text_env = environment("troubleshooter.audit", autoescape=False, trim_blocks=True)
    html_env = environment("troubleshooter.audit", autoescape=True, trim_blocks=True)
    return Message(
        markdown=text_env.get_template("message.md.j2").render(**values),
        html=html_env.get_template("message.html.j2").render(**values),
    )
