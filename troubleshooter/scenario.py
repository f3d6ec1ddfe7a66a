"""Scenario files: YAML → validated, typed steps, with errors that name file, line and step."""

from __future__ import annotations

import difflib
import re
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import ErrorDetails

from troubleshooter.errors import BadInputError
from troubleshooter.loader import load_yaml_model, read_text_file

VARIABLE = re.compile(r"\$\{([a-z_][a-z0-9_]*)\}")
BUILTIN_VARIABLES = frozenset({"home", "sharepoint", "mysite", "site", "upn", "display_name"})
# Variables that come from a command-line option, with the hint shown when it is missing.
OPTION_VARIABLES = {"photo": "pass --photo FILE (the new photo: an image of at most 4 MB)"}
NAME_PATTERN = r"^[a-z0-9][a-z0-9-]*$"


class BaseStep(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, description="What the step does, in plain words")
    screenshot: bool = Field(default=True, description="Take a full-page screenshot afterwards")
    timeout_s: float = Field(default=30.0, gt=0, le=3600)


class OpenStep(BaseStep):
    """Go to a URL."""

    action: Literal["open"]
    url: str


class SignInStep(BaseStep):
    """Sign in as the user being helped, then confirm who is signed in."""

    action: Literal["sign_in"]
    timeout_s: float = Field(default=120.0, gt=0, le=3600)


class CaptureReferenceStep(BaseStep):
    """Read the photo of record from the account circle on the Microsoft 365 home."""

    action: Literal["capture_reference"]
    target: str = "account_photo"
    screenshot: bool = False
    label: str | None = Field(
        default=None, pattern=NAME_PATTERN, description="Suffix for the captured files"
    )
    fresh: bool = Field(default=False, description="Reload without the browser cache first")
    expect: str | None = Field(
        default=None, description="An image file the photo of record must show, e.g. ${photo}"
    )


class CheckSharePointPhotoStep(BaseStep):
    """Fetch SharePoint's copy of the user's photo and compare it with the photo of record."""

    action: Literal["check_sharepoint_photo"]
    label: Literal["before", "after"]
    poll: bool = Field(default=False, description="Ask again until it matches or times out")
    timeout_s: float = Field(default=60.0, gt=0, le=3600)
    screenshot: bool = False


class ClickStep(BaseStep):
    """Click a named target; optionally go to a URL when the target cannot be found."""

    action: Literal["click"]
    target: str
    fallback_url: str | None = None
    navigates: bool = Field(default=True, description="Wait for the page (or a new tab) to load")


class FillStep(BaseStep):
    """Type text into a named target, optionally pressing Enter."""

    action: Literal["fill"]
    target: str
    text: str
    submit: bool = False


class WaitForStep(BaseStep):
    """Wait until a named target is visible (and its images have loaded)."""

    action: Literal["wait_for"]
    target: str


class ScreenshotStep(BaseStep):
    """Screenshot one named element, e.g. the user's photo on a SharePoint page."""

    action: Literal["screenshot"]
    target: str
    name: str = Field(pattern=NAME_PATTERN)
    fresh: bool = Field(default=False, description="Reload without the browser cache first")
    screenshot: bool = False


class SelectTabStep(BaseStep):
    """Select a tab (e.g. People on SharePoint search); nothing to do if already selected."""

    action: Literal["select_tab"]
    target: str


class UploadPhotoStep(BaseStep):
    """Upload a photo in the "Change your photo" dialog, then Apply and Done."""

    action: Literal["upload_photo"]
    file: str = Field(description="The image file, usually ${photo}")
    target: str = "photo_upload_input"
    apply_target: str = "photo_apply"
    done_target: str = "photo_done"


class CompositeStep(BaseStep):
    """Put the photo of record and SharePoint's copy before and after side by side."""

    action: Literal["composite"]
    name: str = Field(default="composite", pattern=NAME_PATTERN)
    screenshot: bool = False


STEP_TYPES = (
    OpenStep,
    SignInStep,
    CaptureReferenceStep,
    CheckSharePointPhotoStep,
    ClickStep,
    FillStep,
    WaitForStep,
    ScreenshotStep,
    SelectTabStep,
    UploadPhotoStep,
    CompositeStep,
)
ACTIONS = [get_args(t.model_fields["action"].annotation)[0] for t in STEP_TYPES]
Step = Annotated[
    OpenStep
    | SignInStep
    | CaptureReferenceStep
    | CheckSharePointPhotoStep
    | ClickStep
    | FillStep
    | WaitForStep
    | ScreenshotStep
    | SelectTabStep
    | UploadPhotoStep
    | CompositeStep,
    Field(discriminator="action"),
]


class Scenario(BaseModel):
    """A named, documented procedure."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=NAME_PATTERN)
    title: str
    description: str = ""
    sources: list[str] = Field(default_factory=list)
    variables: dict[str, str] = Field(default_factory=dict)
    steps: list[Step] = Field(min_length=1)

    def targets(self) -> set[str]:
        """Every named target the steps use (``target``, ``apply_target``…)."""
        return {
            value
            for step in self.steps
            for key, value in step.model_dump().items()
            if key == "target" or key.endswith("_target")
            if isinstance(value, str)
        }

    def needs(self) -> set[str]:
        """Every ``${variable}`` the steps and variables use."""
        return set(VARIABLE.findall(self.model_dump_json()))


def step_title(step: BaseStep) -> str:
    """The step's own title, or one made from its action and target."""
    if step.title:
        return step.title
    target = getattr(step, "target", None) or getattr(step, "url", None) or ""
    return f"{step.action.replace('_', ' ')} {target}".strip()  # type: ignore[attr-defined]


def substitute(text: str, values: dict[str, str]) -> str:
    """Replace ``${name}`` with its value; unknown names raise BadInputError."""

    def repl(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in values:
            raise BadInputError(f"no value for ${{{key}}}" + _hint(key))
        return values[key]

    return VARIABLE.sub(repl, text)


def _hint(key: str) -> str:
    if key in OPTION_VARIABLES:
        return f" ({OPTION_VARIABLES[key]})"
    return " (pass --site, or set site: in the tenant profile)" if key == "site" else ""


# ---- loading -------------------------------------------------------------------------------


def builtin_dir() -> Path:
    """Where the built-in scenarios are: inside the wheel, or the repo's scenarios/ folder."""
    packaged = resources.files("troubleshooter") / "builtin_scenarios"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "scenarios"


def builtin_names() -> list[str]:
    return sorted(p.stem for p in builtin_dir().glob("*.yaml"))


def find_scenario(spec: str) -> Path:
    """A built-in name (``sharepoint-resync``) or a path to a YAML file."""
    path = Path(spec)
    if path.suffix in {".yaml", ".yml"} or path.exists():
        if not path.is_file():
            raise BadInputError(f"scenario file {spec}: file not found")
        return path
    candidate = builtin_dir() / f"{spec}.yaml"
    if candidate.is_file():
        return candidate
    names = builtin_names()
    close = difflib.get_close_matches(spec.lower(), names, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]}? " if close else ""
    raise BadInputError(
        f"unknown scenario {spec!r}: {hint}built-in scenarios are {', '.join(names)}"
    )


def load_scenario(spec: str | Path) -> Scenario:
    """Load and validate a scenario; every problem becomes one BadInputError."""
    path = find_scenario(str(spec))
    text = read_text_file(path, f"scenario file {path}")
    return parse_scenario(text, str(path))


def parse_scenario(text: str, source: str) -> Scenario:
    mapping = "a scenario must be a mapping with name, title and steps"
    scenario = load_yaml_model(
        None, Scenario, source, text=text, mapping=mapping, explain=_describe
    )
    known_names = BUILTIN_VARIABLES | set(OPTION_VARIABLES) | set(scenario.variables)
    unknown = scenario.needs() - known_names
    if unknown:
        name = sorted(unknown)[0]
        line = _line_of_text(text, "${" + name + "}")
        known = ", ".join(sorted(known_names))
        raise BadInputError(f"{source}:{line}: unknown variable ${{{name}}} (known: {known})")
    return scenario


def _describe(error: ErrorDetails, data: Any) -> str:
    """``step N (action): field: message`` for the first validation error."""
    loc = list(error["loc"])
    fields = [str(p) for p in loc]
    prefix = ""
    if len(loc) >= 2 and loc[0] == "steps" and isinstance(loc[1], int):
        index = loc[1]
        raw = data.get("steps", [])[index] if isinstance(data.get("steps"), list) else None
        action = raw.get("action") if isinstance(raw, dict) else None
        prefix = f"step {index + 1}" + (f" ({action})" if action else "") + ": "
        fields = [str(p) for p in loc[2:] if p != action]
    message = error["msg"]
    if error["type"] == "union_tag_invalid":
        kinds = ", ".join(ACTIONS)
        message = f"unknown action {error['input'].get('action')!r} (known: {kinds})"
        prefix, fields = f"step {loc[1] + 1}: ", ["action"]  # type: ignore[operator]
    elif error["type"] == "union_tag_not_found":
        message = f"each step needs an action (one of {', '.join(ACTIONS)})"
        fields = []
    elif error["type"] == "extra_forbidden":
        message = "unknown key"
    field_text = ".".join(fields)
    return f"{prefix}{field_text + ': ' if field_text else ''}{message}"


def _line_of_text(text: str, needle: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return 1
