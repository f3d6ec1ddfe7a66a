"""Named targets: several locator strategies per element, tried in order until one is shown."""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page
from pydantic import BaseModel, ConfigDict, Field, RootModel, model_validator
from pydantic_core import ErrorDetails

from troubleshooter.errors import BadInputError, PageError, first_line
from troubleshooter.loader import explain_error, load_yaml_model, yaml_kind
from troubleshooter.pages.change import requests_under_way, wait_for_change
from troubleshooter.pages.reach import error_page_code, on_error_page, unreachable
from troubleshooter.pages.shown import GLANCE_JS, LIMIT, SHOWN_JS, summarize
from troubleshooter.scenario import substitute
from troubleshooter.untraced import untraced
from troubleshooter.verdict import Outcome

# A loaded page whose DOM has not changed this long will not show a missing target any more.
SETTLE_S = 5.0
POLL_S = 0.2  # the longest pause between two looks for a target
FIRST_POLL_S = 0.025  # the first pause: pages mostly show a target within a few frames
HIDDEN_TARGET = "offscreen_hidden"


class Strategy(BaseModel):
    """One way of finding an element."""

    model_config = ConfigDict(extra="forbid")

    role: str | None = None
    name: str | None = None
    name_re: str | None = None
    label: str | None = None
    text: str | None = None
    css: str | None = None
    test_id: str | None = None
    has_text: str | None = None
    within: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Strategy:
        kinds = [k for k in ("role", "label", "text", "css", "test_id") if getattr(self, k)]
        if len(kinds) != 1:
            raise ValueError("give exactly one of role, label, text, css or test_id")
        return self

    def describe(self) -> str:
        parts = [f"{k}={v!r}" for k, v in self.model_dump(exclude_none=True).items()]
        return " ".join(parts)


class Target(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str
    strategies: list[Strategy] = Field(min_length=1)
    reveal: str | None = None
    decorative: bool = False
    """An image or initials that pages may mark aria-hidden: aria-hidden does not rule it out."""


@dataclass(frozen=True)
class Found:
    """A located element and the strategy that found it."""

    target: str
    locator: Locator
    strategy: str


@dataclass(frozen=True)
class Glance:
    """One look at a page: the first of several targets it shows (None: none of them), its
    element when the look could tell which one it is, and the page's text when asked for."""

    target: str | None
    found: Found | None = None
    text: str | None = None


@dataclass(frozen=True)
class Miss:
    """One strategy that found nothing shown, and why."""

    strategy: str
    reason: str


@dataclass
class _Look:
    """What GLANCE_JS saw: the first target a shown element's plain CSS belongs to, whether a
    shown element belongs to no plain CSS (a role or label strategy may own it), and the CSS
    strategies whose answer is exact; ``found``: the first target's element, when the look
    can name it as Playwright counts it."""

    decided: list[Strategy]
    text: str | None
    unsure: bool
    first: str | None = None
    other_shown: bool = False
    found: Found | None = None


class TargetNotFound(PageError):
    """A target was not shown on the page; carries every strategy tried and why each missed."""

    def __init__(self, message: str, target: str, misses: list[Miss]) -> None:
        super().__init__(message)
        self.target = target
        self.misses = misses


class PageChanged(TargetNotFound):
    """A page shows none of several targets (e.g. no known sign-in view); ``tried`` has each
    target's misses."""

    outcome = Outcome.PAGE_CHANGED

    def __init__(self, message: str, tried: dict[str, list[Miss]]) -> None:
        first = next(iter(tried), "")
        super().__init__(message, first, tried.get(first, []))
        self.tried = tried


class TargetBook:
    """All named targets, with the variables (upn, display name) they may use."""

    def __init__(self, targets: dict[str, Target]) -> None:
        self.targets = targets
        self.values: dict[str, str] = {}
        self.recent: dict[str, str] = {}
        self.won: dict[str, Strategy] = {}  # the strategy that last found each target

    @classmethod
    def load(cls, path: Path | None = None) -> TargetBook:
        if path is None:
            return cls(dict(_built_in()))
        what = f"targets file {path}"
        mapping = "expected a mapping of target names to targets, got {kind}"
        book = load_yaml_model(path, _Targets, what, mapping=mapping, explain=_explain)
        return cls(book.root)

    def set_values(self, **values: str) -> None:
        self.values.update(values)
        if "upn" in values:
            self.values["upn_re"] = re.escape(values["upn"])

    def names(self) -> set[str]:
        return set(self.targets)

    def get(self, name: str) -> Target:
        if name not in self.targets:
            known = ", ".join(sorted(self.targets))
            raise BadInputError(f"unknown target {name!r} (known: {known})")
        return self.targets[name]

    # ---- locating ------------------------------------------------------------------------

    def locator(self, page: Page, name: str, strategy: Strategy) -> Locator:
        """The Playwright locator of one strategy: every match, shown or not."""
        scope: Page | Locator = page
        if strategy.within:
            scope = self.first_visible(page, strategy.within) or page
        value = self._fill
        if strategy.role:
            kwargs: dict[str, object] = {}
            if strategy.name is not None:
                kwargs.update(name=value(strategy.name), exact=True)
            elif strategy.name_re is not None:
                kwargs["name"] = _js_regex(value(strategy.name_re))
            loc = scope.get_by_role(strategy.role, **kwargs)  # type: ignore[arg-type]
        elif strategy.label:
            loc = scope.get_by_label(value(strategy.label), exact=True)
        elif strategy.text:
            loc = scope.get_by_text(value(strategy.text))
        elif strategy.test_id:
            loc = scope.get_by_test_id(value(strategy.test_id))
        else:
            loc = scope.locator(value(strategy.css or ""))
        if strategy.has_text:
            loc = loc.filter(has_text=value(strategy.has_text))
        return loc

    def hidden_selectors(self) -> list[str]:
        """CSS of the page's off-screen classes (target ``offscreen_hidden``), if the map has it."""
        target = self.targets.get(HIDDEN_TARGET)
        return [s.css for s in target.strategies if s.css] if target else []

    def first_visible(self, page: Page, name: str) -> Locator | None:
        found = self.try_find(page, name)
        return found.locator if found else None

    def try_find(self, page: Page, name: str) -> Found | None:
        """One pass over the strategies, the one that last worked for this target first; no
        waiting. When nothing is shown (most checks of which view a page is in), all the
        strategies are asked at once, in one round trip."""
        strategies = self.get(name).strategies
        won = self.won.get(name)
        if won is not None:
            found = self._first_shown(page, name, [won])[0]
            strategies = [s for s in strategies if s is not won]
            if found or not strategies:
                return found
        if len(strategies) > 1 and self._none_shown(page, [(name, s) for s in strategies]):
            return None
        return self._first_shown(page, name, strategies)[0]

    def first_shown_of(self, page: Page, names: list[str]) -> Found | None:
        """The first of ``names``, in order, that the page shows; None when it shows none."""
        glance = self.glance(page, names)
        if glance.found or glance.target is None:
            return glance.found
        return self._first_shown(page, glance.target, self._ordered(glance.target))[0]

    def glance(self, page: Page, names: list[str], text: bool = False) -> Glance:
        """Which of ``names`` the page shows first, in order (and its text, with ``text``).

        Mostly two round trips: one asks the union of every strategy and sees which plain CSS
        strategies the shown elements match; when an earlier target has other strategies (a
        role, a label), one more asks the union of those. When that cannot tell (a shadow root,
        too many matches, a strategy in error), the union is halved until one target is left.
        """
        names = [name for name in names if name in self.targets]
        if len(names) == 1:
            found = self.try_find(page, names[0])
            return Glance(names[0] if found else None, found, self._text(page) if text else None)
        look = self._look(page, names, text) if names else None
        page_text = look.text if look else None
        if text and page_text is None:
            page_text = self._text(page)
        if look is None or look.unsure:
            found = self._first_of(page, names, asked=False) if names else None
            return Glance(found.target if found else None, found, page_text)
        first = look.first
        if first is None and not look.other_shown:
            return Glance(None, None, page_text)
        before = names if first is None else names[: names.index(first)]
        others = [(name, s) for name, s in self._all_strategies(before) if s not in look.decided]
        if others and not self._none_shown(page, others):
            found = self._first_of(page, before, asked=False)
            if found:
                return Glance(found.target, found, page_text)
        if first is not None:
            self.recent[first] = self.won[first].describe()
        return Glance(first, look.found, page_text)

    def _look(self, page: Page, names: list[str], text: bool) -> _Look | None:
        """The union of every strategy of ``names``, asked once (GLANCE_JS); None when the
        union cannot be asked (a strategy in error)."""
        strategies = self._all_strategies(names)
        plain = [(name, s) for name, s in strategies if s.css and not (s.within or s.has_text)]
        try:
            union = functools.reduce(
                Locator.or_, (self.locator(page, name, s) for name, s in strategies)
            )
            options = {
                **self._options(names),
                "css": [self._fill(s.css or "") for _, s in plain],
                "text": text,
            }
            result: dict[str, Any] = untraced(union.evaluate_all, GLANCE_JS, options)
        except BadInputError:
            raise
        except Exception:  # one strategy's error: the strategies one by one say which
            return None
        items: list[dict[str, Any]] = result["items"]
        decided = [s for i, (_, s) in enumerate(plain) if i not in result["bad"]]
        look = _Look(decided=decided, text=result["text"], unsure=len(items) >= LIMIT)
        winner = (0, 0)  # (plain strategy, item) that named look.first
        for position, item in enumerate(items):
            if item["reason"]:
                continue
            if item["hits"] is None:  # in a shadow root: only Playwright can say
                look.unsure = True
            owners = [
                i
                for i in item["hits"] or []
                if not item["ariaHidden"] or self.get(plain[i][0]).decorative
            ]
            if not owners:
                look.other_shown = True
            for i in owners:
                name, strategy = plain[i]
                if look.first is None or names.index(name) < names.index(look.first):
                    look.first = name
                    self.won[name] = strategy
                    winner = (i, position)
        if look.first is not None and not look.unsure:
            look.found = self._found_by_look(page, look.first, items, *winner)
        return look

    def _found_by_look(
        self, page: Page, name: str, items: list[dict[str, Any]], css: int, position: int
    ) -> Found | None:
        """The element a look named, as the won strategy's n-th match: the items are every
        match of every strategy in document order, so the matches of that CSS before it are
        the items before it that match it (exact only with none in a shadow root)."""
        before = items[:position]
        if any(item["hits"] is None for item in before):
            return None
        nth = sum(css in item["hits"] for item in before)
        strategy = self.won[name]
        return Found(name, self.locator(page, name, strategy).nth(nth), strategy.describe())

    def _text(self, page: Page) -> str | None:
        """The page's text (None when it cannot be read, e.g. during a navigation)."""
        try:
            return untraced(page.locator("body").inner_text, timeout=2000)
        except Exception:
            return None

    def _first_of(self, page: Page, names: list[str], asked: bool) -> Found | None:
        """The first of ``names`` shown; ``asked``: their union was found maybe shown."""
        if len(names) == 1:
            if not asked:
                return self.try_find(page, names[0])
            return self._first_shown(page, names[0], self._ordered(names[0]))[0]
        head, tail = names[: len(names) // 2], names[len(names) // 2 :]
        if not self._none_shown(page, self._all_strategies(head)):
            found = self._first_of(page, head, asked=True)
            if found:
                return found
            return self._first_of(page, tail, asked=False)
        # Nothing of the head is shown, so what the union saw is in the tail (a leaf's own
        # check is exact: skipping a union there never finds what is not shown).
        return self._first_of(page, tail, asked=asked)

    def _ordered(self, name: str) -> list[Strategy]:
        """The target's strategies, the one that last found it first."""
        strategies, won = self.get(name).strategies, self.won.get(name)
        return strategies if won is None else [won, *(s for s in strategies if s is not won)]

    def _all_strategies(self, names: list[str]) -> list[tuple[str, Strategy]]:
        return [(name, s) for name in names for s in self.get(name).strategies]

    def resolve(self, page: Page, name: str) -> tuple[Found | None, list[Miss]]:
        """The first strategy with a shown element, and why the ones before it missed."""
        return self._first_shown(page, name, self.get(name).strategies)

    def _options(self, names: Iterable[str]) -> dict[str, object]:
        """How SHOWN_JS asks for these targets: as leniently as the most lenient of them
        (aria-hidden allowed if any is decorative), so "none shown" holds for each of them."""
        return {
            "limit": LIMIT,
            "allowAriaHidden": any(self.get(name).decorative for name in names),
            "hiddenSelectors": self.hidden_selectors(),
        }

    def _first_shown(
        self, page: Page, name: str, strategies: list[Strategy]
    ) -> tuple[Found | None, list[Miss]]:
        options = self._options([name])
        misses: list[Miss] = []
        for strategy in strategies:
            described = strategy.describe()
            try:
                loc = self.locator(page, name, strategy)
                reasons: list[str] = untraced(loc.evaluate_all, SHOWN_JS, options)
            except BadInputError:
                raise
            except Exception as exc:
                misses.append(Miss(described, f"error: {first_line(exc)}"))
                continue
            if "" in reasons:
                self.recent[name] = described
                self.won[name] = strategy
                return Found(name, loc.nth(reasons.index("")), described), misses
            misses.append(Miss(described, summarize(reasons)))
        return None, misses

    def _none_shown(self, page: Page, strategies: list[tuple[str, Strategy]]) -> bool:
        """True when no strategy (of its target) matches a shown element, asked in one round
        trip (the union of their locators); False when some may, or when the union cannot tell."""
        try:
            locators = (self.locator(page, name, s) for name, s in strategies)
            union = functools.reduce(Locator.or_, locators)
            options = self._options({name for name, _ in strategies})
            reasons: list[str] = untraced(union.evaluate_all, SHOWN_JS, options)
        except BadInputError:
            raise
        except Exception:  # one strategy's error: the strategies one by one say which
            return False
        return "" not in reasons and len(reasons) < LIMIT

    def mask_locators(self, page: Page, name: str) -> list[Locator]:
        """Every element any strategy of ``name`` matches (for screenshot masks)."""
        if name not in self.targets:
            return []
        return [self.locator(page, name, s) for s in self.targets[name].strategies]

    def take_recent(self) -> dict[str, str]:
        """Targets found since the last call, with the strategy that found each."""
        recent, self.recent = self.recent, {}
        return recent

    def find(self, page: Page, name: str, timeout_s: float) -> Found:
        """Wait until a strategy finds a shown element, revealing it once if needed.

        A loaded page whose DOM has not changed and that has had no request under way
        (:func:`~troubleshooter.pages.change.track_requests`) for ``SETTLE_S`` (after the reveal)
        will not show the target any more: that ends the wait early. A failed navigation ends it
        at once.
        """
        target = self.get(name)
        started = time.monotonic()
        deadline = started + timeout_s
        revealed = not target.reveal
        token, quiet_since = "", started
        # A target waited for is mostly there already: ask its strategies straight away (one
        # round trip when the first answers), then with the cheaper union while it is missing.
        found = self._first_shown(page, name, self._ordered(name))[0]
        while True:
            if found:
                return found
            if on_error_page(page):
                raise unreachable("the tenant", error_page_code(page), f"while looking for {name}")
            now = time.monotonic()
            if requests_under_way(page):  # a web part may still be waiting on its answer
                quiet_since = now
            settled = token.endswith(":complete") and now - quiet_since >= SETTLE_S
            if not revealed and (settled or now > deadline - timeout_s / 2):
                revealed = True
                opener = self.try_find(page, target.reveal or "")
                if opener:
                    opener.locator.click()
                    found = self.try_find(page, name)
                    continue
            if now >= deadline:
                raise self.not_found(page, name, timeout_s)
            if settled and revealed:
                raise self.not_found(page, name, now - started, settled=True)
            changed = wait_for_change(page, token, POLL_S)
            if changed != token:
                token, quiet_since = changed, time.monotonic()
            found = self.try_find(page, name)

    def first_of(self, page: Page, names: list[str], timeout_s: float) -> Found | None:
        """Whichever of several targets shows first (the first in order when several do);
        None on timeout."""
        deadline = time.monotonic() + timeout_s
        pause = FIRST_POLL_S
        while True:
            found = self.first_shown_of(page, names)
            if found:
                return found
            if time.monotonic() >= deadline:
                return None
            pause = _pause(page, pause)

    def not_found(
        self, page: Page, name: str, timeout_s: float, settled: bool = False
    ) -> TargetNotFound:
        """The error for a missing target, with every strategy tried and why it missed."""
        target = self.get(name)
        _, misses = self.resolve(page, name)
        tried = "; ".join(f"{m.strategy} → {m.reason}" for m in misses)
        when = (
            f"after {timeout_s:.0f}s (the page had loaded and not changed for {SETTLE_S:g}s)"
            if settled
            else f"within {timeout_s:g}s"
        )
        message = (
            f"could not find {name} ({target.description}) on {page.url} {when}; tried: {tried}"
        )
        return TargetNotFound(message, name, misses)

    def _fill(self, text: str) -> str:
        return substitute(text, self.values) if "${" in text else text


class _Targets(RootModel[dict[str, Target]]):
    """A targets file: target names to targets."""


@functools.cache
def _built_in() -> dict[str, Target]:
    """The package's targets.yaml, read once per process (a run checks it, then uses it)."""
    text = (resources.files("troubleshooter") / "targets.yaml").read_text("utf-8")
    return load_yaml_model(None, _Targets, "built-in targets.yaml", text=text).root


def _explain(error: ErrorDetails, data: Any) -> str:
    loc = [str(p) for p in error["loc"]]
    if len(loc) == 1 and error["type"] == "model_type":
        return (
            f"{loc[0]}: a target must be a mapping with description and strategies, "
            f"got {yaml_kind(error['input'])}"
        )
    return explain_error(error, data)


def _pause(page: Page, pause: float) -> float:
    """Wait ``pause`` seconds in the page; the next pause, twice as long up to POLL_S."""
    page.wait_for_timeout(pause * 1000)
    return min(pause * 2, POLL_S)


def _js_regex(pattern: str) -> re.Pattern[str]:
    """Playwright runs the pattern as a JavaScript RegExp, which has no inline ``(?i)``."""
    if pattern.startswith("(?i)"):
        return re.compile(pattern[4:], re.IGNORECASE)
    return re.compile(pattern)
