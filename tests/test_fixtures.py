"""The test fixtures follow pytest-playwright's chain, so a failing test keeps its trace."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT

FAILING = """
from playwright.sync_api import Page


def test_with_new_context(new_context) -> None:
    page = new_context().new_page()
    page.set_content("<h1>second window</h1>")
    assert page.viewport_size == {"width": 1280, "height": 900}
    assert False, "fails on purpose"


def test_with_page(page: Page) -> None:
    page.set_content("<h1>page</h1>")
    assert False, "fails on purpose"
"""


CONFTEST = """
import pytest

from tests.conftest import PRIVATE_CONTEXT, launch_options


@pytest.fixture(scope="session")
def base_url():
    return None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, playwright):
    return launch_options(browser_type_launch_args, playwright)


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, **PRIVATE_CONTEXT}
"""


def test_a_failing_test_keeps_its_trace_and_screenshot(tmp_path: Path) -> None:
    test_file = tmp_path / "test_fails_on_purpose.py"
    test_file.write_text(FAILING)
    # The project's own fixture overrides, as a conftest next to the file.
    (tmp_path / "conftest.py").write_text(CONFTEST)
    results = tmp_path / "results"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(test_file),
            "-p",
            "no:randomly",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(ROOT),
            "-c",
            str(ROOT / "pyproject.toml"),
            "--tracing",
            "retain-on-failure",
            "--screenshot",
            "only-on-failure",
            "--output",
            str(results),
            "-q",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=180,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "2 failed" in done.stdout, done.stdout
    folders = sorted(p.name for p in results.iterdir())
    assert len(folders) == 2, folders
    for folder in results.iterdir():
        assert (folder / "trace.zip").is_file(), sorted(p.name for p in folder.iterdir())
        assert any(p.suffix == ".png" for p in folder.iterdir()), folder
