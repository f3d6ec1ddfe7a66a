"""One YAML loader for scenarios, tenant profiles and targets: every problem is one line that
names the file and, where the YAML has one, the line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from troubleshooter.errors import BadInputError

M = TypeVar("M", bound=BaseModel)
Explain = Callable[[ErrorDetails, Any], str]


def load_yaml_model(
    path: Path | None,
    model: type[M],
    what: str,
    *,
    text: str | None = None,
    source: str | None = None,
    mapping: str = "expected a mapping of keys to values",
    defaults: dict[str, Any] | None = None,
    explain: Explain | None = None,
) -> M:
    """Read ``path`` (or ``text``), parse the YAML and validate it as ``model``.

    ``what`` names the file in messages (``tenant profile x.yaml``); ``source`` is the prefix of
    located messages (``source:line: …``, default ``what``); ``mapping`` is the message when the
    document is not a mapping (``{kind}`` is replaced); ``explain`` words a validation error.
    """
    source = source or what
    if text is None:
        if path is None or not path.is_file():
            raise BadInputError(f"{what}: file not found")
        text = read_text_file(path, what)
    try:
        data = _parse(text)
    except yaml.YAMLError as exc:
        raise BadInputError(yaml_error_message(source, exc)) from None
    except RecursionError:
        raise BadInputError(f"{source}: nested too deeply to be a {what.split()[0]} file") from None
    if not isinstance(data, dict):
        raise BadInputError(f"{source}: {mapping.format(kind=yaml_kind(data))}")
    if defaults:
        data = {**defaults, **data}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        line = line_of(yaml.compose(text), list(error["loc"]))  # lines only when needed
        where = f"{source}:{line}" if line else source
        raise BadInputError(f"{where}: {(explain or explain_error)(error, data)}") from None


def _parse(text: str) -> Any:
    """The YAML's data: libyaml's parser when present (several times faster), else PyYAML's.

    Text libyaml refuses is parsed again by PyYAML, so that messages are the same either way.
    """
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is not None:
        try:
            return yaml.load(text, Loader=loader)
        except (yaml.YAMLError, RecursionError):
            pass
    return yaml.safe_load(text)


def explain_error(error: ErrorDetails, data: Any) -> str:
    """``dotted.location: message`` for one pydantic error."""
    where = ".".join(str(p) for p in error["loc"])
    message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
    return f"{where}: {message}" if where else message


def read_text_file(path: Path, what: str) -> str:
    """A UTF-8 text file's content; unreadable or non-UTF-8 files become one BadInputError."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise BadInputError(f"{what}: not UTF-8 text (byte {exc.start}: {exc.reason})") from None
    except OSError as exc:
        raise BadInputError(f"{what}: cannot read ({exc.strerror or exc})") from None


def yaml_error_message(source: str, exc: yaml.YAMLError) -> str:
    """``source:line: not valid YAML: problem`` on one line."""
    mark = getattr(exc, "problem_mark", None)
    line = f":{mark.line + 1}" if mark else ""
    problem = getattr(exc, "problem", None) or " ".join(str(exc).split())
    return f"{source}{line}: not valid YAML: {problem}"


def yaml_kind(value: object) -> str:
    """How a YAML value reads in a message: ``a list``, ``a str``…"""
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return f"a {type(value).__name__}"


def line_of(node: Any, loc: list[Any]) -> int | None:
    """Walk the composed YAML node along a pydantic location; return a 1-based line."""
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == part), None)
            key = next((k for k, _ in node.value if k.value == part), None)
            if match is None or key is None:
                continue  # discriminator tags and missing fields: stay on the parent
            node, line = match, (key.start_mark.line + 1)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
            line = node.start_mark.line + 1
    return line
