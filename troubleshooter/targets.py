"""Named targets: several locator strategies per element, tried in order until one is visible."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page
from pydantic import BaseModel, ConfigDict, Field, RootModel, model_validator
from pydantic_core import ErrorDetails

from troubleshooter.errors import BadInputError, PageError
from troubleshooter.loader import explain_error, load_yaml_model, yaml_kind
from troubleshooter.scenario import substitute

POLL_S = 0.2


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


@dataclass(frozen=True)
class Found:
    """A located element and the strategy that found it."""

    target: str
    locator: Locator
    strategy: str


class TargetBook:
    """All named targets, with the variables (upn, display name) they may use."""

    def __init__(self, targets: dict[str, Target]) -> None:
        self.targets = targets
        self.values: dict[str, str] = {}

    @classmethod
    def load(cls, path: Path | None = None) -> TargetBook:
        if path is None:
            text = (resources.files("troubleshooter") / "targets.yaml").read_text("utf-8")
            book = load_yaml_model(None, _Targets, "built-in targets.yaml", text=text)
        else:
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
        """Build the Playwright locator for one strategy of a target."""
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
        return loc.filter(visible=True).first

    def first_visible(self, page: Page, name: str) -> Locator | None:
        found = self.try_find(page, name)
        return found.locator if found else None

    def try_find(self, page: Page, name: str) -> Found | None:
        """One pass over the strategies; no waiting."""
        for strategy in self.get(name).strategies:
            try:
                loc = self.locator(page, name, strategy)
                if loc.count() > 0:
                    return Found(name, loc, strategy.describe())
            except BadInputError:
                raise
            except Exception:
                continue
        return None

    def find(self, page: Page, name: str, timeout_s: float) -> Found:
        """Wait until a strategy finds a visible element, revealing it once if needed."""
        target = self.get(name)
        deadline = time.monotonic() + timeout_s
        revealed = False
        while True:
            found = self.try_find(page, name)
            if found:
                return found
            if target.reveal and not revealed and time.monotonic() > deadline - timeout_s / 2:
                revealed = True
                opener = self.try_find(page, target.reveal)
                if opener:
                    opener.locator.click()
            if time.monotonic() >= deadline:
                raise PageError(self.not_found_message(page, name, timeout_s))
            page.wait_for_timeout(POLL_S * 1000)

    def first_of(self, page: Page, names: list[str], timeout_s: float) -> Found | None:
        """Whichever of several targets shows first; None on timeout."""
        deadline = time.monotonic() + timeout_s
        while True:
            for name in names:
                found = self.try_find(page, name)
                if found:
                    return found
            if time.monotonic() >= deadline:
                return None
            page.wait_for_timeout(POLL_S * 1000)

    def not_found_message(self, page: Page, name: str, timeout_s: float) -> str:
        target = self.get(name)
        tried = "; ".join(s.describe() for s in target.strategies)
        return (
            f"could not find {name} ({target.description}) on {page.url} "
            f"within {timeout_s:g}s; tried: {tried}"
        )

    def _fill(self, text: str) -> str:
        return substitute(text, self.values) if "${" in text else text


class _Targets(RootModel[dict[str, Target]]):
    """A targets file: target names to targets."""


def _explain(error: ErrorDetails, data: Any) -> str:
    loc = [str(p) for p in error["loc"]]
    if len(loc) == 1 and error["type"] == "model_type":
        return (
            f"{loc[0]}: a target must be a mapping with description and strategies, "
            f"got {yaml_kind(error['input'])}"
        )
    return explain_error(error, data)


def _js_regex(pattern: str) -> re.Pattern[str]:
    """Playwright runs the pattern as a JavaScript RegExp, which has no inline ``(?i)``."""
    if pattern.startswith("(?i)"):
        return re.compile(pattern[4:], re.IGNORECASE)
    return re.compile(pattern)
