"""The shared jinja2 environments: compiled templates are reused, never at a render's expense."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import jinja2
import pytest

from troubleshooter import templating
from troubleshooter.templating import _BestEffortCache, bytecode_cache, environment

TEMPLATE = "{% if x %}\n  {{ x }}\n{% endif %}\n"


def _env(cache: jinja2.BytecodeCache, autoescape: bool = True) -> jinja2.Environment:
    loader = jinja2.DictLoader({"t.html": TEMPLATE})
    return jinja2.Environment(
        loader=loader, bytecode_cache=cache, autoescape=autoescape, trim_blocks=True
    )


@pytest.fixture
def compiles(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the templates jinja2 compiles from source."""
    seen: list[str] = []
    compile_ = jinja2.Environment.compile

    def counting(self, source, name=None, filename=None, raw=False, defer_init=False):  # type: ignore[no-untyped-def]
        seen.append(str(name))
        return compile_(self, source, name, filename, raw, defer_init)

    monkeypatch.setattr(jinja2.Environment, "compile", counting)
    return seen


def test_a_template_compiled_once_is_loaded_by_the_next_environment(
    tmp_path: Path, compiles: list[str]
) -> None:
    cache = _BestEffortCache(str(tmp_path))
    first = _env(cache).get_template("t.html").render(x="<b>")
    second = _env(cache).get_template("t.html").render(x="<b>")
    assert first == second == "  &lt;b&gt;\n"
    assert compiles == ["t.html"]


def test_other_settings_compile_their_own_entry(tmp_path: Path, compiles: list[str]) -> None:
    cache = _BestEffortCache(str(tmp_path))
    escaped = _env(cache, autoescape=True).get_template("t.html").render(x="<b>")
    raw = _env(cache, autoescape=False).get_template("t.html").render(x="<b>")
    again = _env(cache, autoescape=True).get_template("t.html").render(x="<b>")
    assert (escaped, raw, again) == ("  &lt;b&gt;\n", "  <b>\n", "  &lt;b&gt;\n")
    assert compiles == ["t.html", "t.html"]
    assert len(list(tmp_path.iterdir())) == 2


def test_a_damaged_entry_is_compiled_again(tmp_path: Path, compiles: list[str]) -> None:
    cache = _BestEffortCache(str(tmp_path))
    _env(cache).get_template("t.html")
    for entry in tmp_path.iterdir():
        entry.write_bytes(b"j2\x00not what jinja2 wrote")
    assert _env(cache).get_template("t.html").render(x="ok") == "  ok\n"
    assert compiles == ["t.html", "t.html"]


def test_a_cache_that_cannot_be_written_still_renders(tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    cache = _BestEffortCache(str(not_a_folder))
    assert _env(cache).get_template("t.html").render(x="ok") == "  ok\n"


def test_no_cache_where_the_temp_folder_is_not_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # jinja2 refuses a cache folder that is a link (someone else could point it anywhere)
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", tmp_path / f"_jinja2-cache-{os.getuid()}")
    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(tmp_path))
    bytecode_cache.cache_clear()
    try:
        assert bytecode_cache() is None
        env = environment("troubleshooter.audit", autoescape=False, trim_blocks=True)
        assert env.bytecode_cache is None
        assert env.get_template("message.md.j2").name == "message.md.j2"
    finally:
        bytecode_cache.cache_clear()


def test_the_package_environments_share_the_cache() -> None:
    env = environment("troubleshooter.audit", autoescape=True)
    assert env.bytecode_cache is templating.bytecode_cache()
    assert isinstance(env.undefined(), jinja2.StrictUndefined)
