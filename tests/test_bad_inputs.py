"""Every bad input in tests/bad_inputs/cases.yaml is refused up front.

Each case runs the real command in a subprocess and must end with exit 2 and one line that
names the problem: no traceback, no browser started (the browser is a script that leaves a
marker), and nothing already in the evidence folder changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest
import yaml
from PIL import Image

CASES_FILE = Path(__file__).parent / "bad_inputs" / "cases.yaml"
CASES: list[dict[str, Any]] = yaml.safe_load(CASES_FILE.read_text(encoding="utf-8"))
DEPTH = 50_000  # deeper than any recursive parser goes


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims huge dimensions in a few bytes: a decompression bomb's shape."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def _zip(path: Path, members: dict[str, bytes], symlink: str | None = None) -> None:
    with zipfile.ZipFile(path, "w") as bundle:
        bundle.writestr("manifest.json", json.dumps({"files": []}))
        for name, content in members.items():
            bundle.writestr(name, content)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            bundle.writestr(info, "/etc/passwd")


def _scenario(step: str) -> str:
    return (
        "name: broken\ntitle: A broken scenario\nsteps:\n"
        "  - action: open\n    url: ${home}\n    title: Open the home\n" + step
    )


def make_files(folder: Path) -> None:
    """The fixture files the cases refer to as ``{files}/NAME``."""
    folder.mkdir()
    write = lambda name, text: (folder / name).write_text(text, encoding="utf-8")  # noqa: E731
    real = "home: https://www.office.com\n"
    write(
        "tenant-http.yaml",
        "name: x\nhome: http://www.office.com\n"
        "sharepoint: http://contoso.sharepoint.com\nmysite: http://contoso-my.sharepoint.com\n",
    )
    write("tenant-not-url.yaml", real + "sharepoint: contoso\nmysite: contoso-my\n")
    write(
        "tenant-javascript.yaml",
        "home: javascript:alert(1)\n"
        "sharepoint: https://contoso.sharepoint.com\nmysite: https://contoso-my.sharepoint.com\n",
    )
    write(
        "tenant-file.yaml",
        real + "sharepoint: file:///etc\nmysite: https://contoso-my.sharepoint.com\n",
    )
    write(
        "tenant-mixed.yaml",
        real + "sharepoint: https://contoso.sharepoint.com\n"
        "mysite: https://fabrikam-my.sharepoint.com\n",
    )
    write(
        "tenant-unknown-key.yaml",
        real + "sharepoint: https://contoso.sharepoint.com\n"
        "mysite: https://contoso-my.sharepoint.com\ncolour: blue\n",
    )
    write("nested.yaml", "[" * DEPTH + "]" * DEPTH + "\n")
    write("list.yaml", "- a\n- b\n")
    write("bad-syntax.yaml", "name: x\nsteps: [unclosed\n")
    write("unknown-action.yaml", _scenario("  - action: clik\n    target: signin_next\n"))
    write("undefined-target.yaml", _scenario("  - action: click\n    target: no_such_button\n"))
    write(
        "targets-partial.yaml",
        "signin_email:\n  description: The email box\n  strategies:\n    - {css: '#i0116'}\n",
    )
    write("not-image.png", "this is not a picture\n")
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "bomb.png").write_bytes(_png_header_only(60_000, 60_000))
    Image.new("RGB", (1, 1), "red").save(folder / "tiny.png")
    ok = Image.new("RGB", (200, 200), "white")
    ok.paste(Image.new("RGB", (100, 120), (30, 90, 160)), (50, 40))
    ok.save(folder / "ok.png")
    frames = [Image.new("RGB", (120, 120), colour) for colour in ("red", "blue")]
    frames[0].save(folder / "animated.gif", save_all=True, append_images=frames[1:], duration=100)
    noise = Image.frombytes("RGB", (1400, 1400), os.urandom(1400 * 1400 * 3))
    noise.save(folder / "huge.png", compress_level=0)
    for name, file in (
        ("nested-manifest-run", "manifest.json"),
        ("nested-report-run", "report.json"),
    ):
        (folder / name).mkdir()
        (folder / name / file).write_text("[" * DEPTH + "]" * DEPTH, encoding="utf-8")
    _zip(folder / "zip-slip.zip", {"../evil.txt": b"x"})
    _zip(folder / "zip-absolute.zip", {"/tmp/evil.txt": b"x"})
    _zip(folder / "zip-symlink.zip", {}, symlink="passwd")


def make_out(folder: Path) -> None:
    """An evidence folder that already holds one (old) run."""
    run = folder / "2020-01-01" / "adele@contoso.com-20200101T000000Z"
    run.mkdir(parents=True)
    (run / "report.json").write_text('{"schema_version": 1}', encoding="utf-8")


def tree(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bad-inputs")
    make_files(root / "files")
    make_out(root / "out")
    marker = root / "browser-started"
    fake = root / "fake-browser"
    fake.write_text(f"#!/bin/sh\ntouch '{marker}'\nexit 1\n", encoding="utf-8")
    fake.chmod(0o755)
    return root


def test_the_corpus_is_large_and_ids_are_unique() -> None:
    ids = [case["id"] for case in CASES]
    assert len(ids) >= 60
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_bad_input_is_refused_up_front(case: dict[str, Any], workspace: Path) -> None:
    values = {
        "files": str(workspace / "files"),
        "out": str(workspace / "out"),
        "long_upn": "a" * 1000 + "@contoso.com",
        "long_ticket": "INC" + "1" * 200,
    }
    args = [str(arg).format(**values) for arg in case["args"]]
    uses_out = "--out" in args or args[:2] == ["evidence", "prune"]
    if args[0] in {"run", "demo"} and not uses_out:
        args += ["--out", values["out"]]
    before = tree(workspace / "out"), tree(workspace / "files")
    marker = workspace / "browser-started"
    marker.unlink(missing_ok=True)
    env = {
        **os.environ,
        "TROUBLESHOOTER_BROWSER": str(workspace / "fake-browser"),
        "PLAYWRIGHT_BROWSERS_PATH": str(workspace / "no-browsers"),
        "TROUBLESHOOTER_PASSWORD": "not-used-Secret-42",
        "COLUMNS": "200",
    }
    done = subprocess.run(
        [sys.executable, "-m", "troubleshooter", *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )
    output = (done.stdout + done.stderr).strip()
    lines = [line for line in output.splitlines() if line.strip()]
    assert done.returncode == 2, output
    assert len(lines) == 1, output
    assert case["expect"] in lines[0], output
    assert "Traceback" not in output
    assert not any(ch in output for ch in "\x1b\u202e\a"), output
    assert not marker.exists(), "a browser was started"
    assert (tree(workspace / "out"), tree(workspace / "files")) == before
