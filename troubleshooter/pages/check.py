"""`troubleshooter pages check`: the page map against saved pages, offline, in Chromium.

Each saved page (``run --save-pages``, a run's ``diagnosis-page.html``, or a hand-made page) is
loaded with the network blocked. For every target the report says which strategy found it, or
why each strategy missed; it also says which sign-in view the tool would read. A page fails when
a target it names as needed (``<meta name="troubleshooter-expects">``) is not found, or when the
tool would read another sign-in view than the one it names (``troubleshooter-signin-view``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from troubleshooter.errors import BadInputError
from troubleshooter.pages.snapshot import read_meta
from troubleshooter.signin import current_view
from troubleshooter.targets import HIDDEN_TARGET, Miss, TargetBook

SAVED_PATTERNS = ("saved-page-*.html", "diagnosis-page.html")


@dataclass
class PageResult:
    """What the page map finds on one saved page."""

    path: Path
    url: str
    view: str | None
    expected_view: str | None
    found: dict[str, str] = field(default_factory=dict)
    missed: dict[str, list[Miss]] = field(default_factory=dict)
    needed: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[str]:
        lines = [
            f"{self.path}: needed target {name} not found (tried: "
            + "; ".join(f"{m.strategy} → {m.reason}" for m in self.missed.get(name, []))
            + ")"
            for name in self.needed
            if name not in self.found
        ]
        if self.expected_view and self.view != self.expected_view:
            lines.append(
                f"{self.path}: the tool would read sign-in view {self.view or 'none'}, "
                f"the page was saved in view {self.expected_view}"
            )
        return lines


def collect(paths: list[Path]) -> list[Path]:
    """The page files to check: files as given, run folders expanded. Bad paths: BadInputError."""
    pages: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted({p for pattern in SAVED_PATTERNS for p in path.glob(pattern)})
            if not found:
                raise BadInputError(
                    f"{path}: no saved pages in this folder (run with --save-pages, or give "
                    "the .html files)"
                )
            pages.extend(found)
        elif path.is_file():
            pages.append(path)
        else:
            raise BadInputError(f"{path}: no such file or folder")
    return pages


def check_pages(
    pages: list[Path], targets: TargetBook, executable_path: str | None = None
) -> list[PageResult]:
    """Load each page offline in Chromium and resolve every target of the map on it."""
    from troubleshooter.browser import choose_browser, launch, new_private_context
    from troubleshooter.runner import driver

    texts = {path: _read(path) for path in pages}  # every file readable before any browser
    results: list[PageResult] = []
    with driver() as playwright:
        browser = launch(playwright, choose_browser(playwright, executable_path, None, None))
        try:
            context = new_private_context(browser)
            context.route("**/*", lambda route: route.abort())  # offline: nothing loads
            page = context.new_page()
            for path, text in texts.items():
                meta = read_meta(text)
                page.set_content(text, wait_until="load")
                results.append(_check_one(page, path, meta, targets))
        finally:
            browser.close()
    return results


def _check_one(page: object, path: Path, meta: dict[str, str], targets: TargetBook) -> PageResult:
    values = dict(pair.split("=", 1) for pair in meta.get("values", "").split(";") if "=" in pair)
    if values:
        targets.set_values(**values)
    result = PageResult(
        path=path,
        url=meta.get("url", ""),
        view=current_view(page, targets),  # type: ignore[arg-type]
        expected_view=meta.get("signin-view") or None,
        needed=meta.get("expects", "").split(),
    )
    for name in targets.targets:
        if name == HIDDEN_TARGET:
            continue
        try:
            found, misses = targets.resolve(page, name)  # type: ignore[arg-type]
        except BadInputError as exc:  # e.g. ${upn} without a value for this page
            found, misses = None, [Miss("(variables)", str(exc))]
        if found:
            result.found[name] = found.strategy
        else:
            result.missed[name] = misses
    unknown = [n for n in result.needed if n not in targets.targets]
    for name in unknown:
        result.missed[name] = [Miss("(none)", "this targets file has no such target")]
    return result


def report_lines(results: list[PageResult]) -> list[str]:
    """A readable report: per page, the view read, the targets found and the needed ones missed."""
    lines: list[str] = []
    for result in results:
        expected = f" (saved in view {result.expected_view})" if result.expected_view else ""
        lines.append(f"{result.path}")
        if result.url:
            lines.append(f"  url: {result.url}")
        lines.append(f"  sign-in view read: {result.view or 'none'}{expected}")
        for name, strategy in result.found.items():
            mark = "needed" if name in result.needed else "found"
            lines.append(f"  {mark:<7} {name}: {strategy}")
        for name in result.needed:
            if name not in result.found:
                lines.append(f"  MISSING {name}")
                lines.extend(f"          {m.strategy} → {m.reason}" for m in result.missed[name])
    failures = [line for r in results for line in r.failures]
    lines.append("")
    if failures:
        lines.extend(f"FAIL {line}" for line in failures)
    else:
        lines.append(f"OK: {len(results)} page(s); every needed target found")
    return lines


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputError(f"{path}: cannot read this page ({exc})") from None
