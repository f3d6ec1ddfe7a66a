"""manifest.json: the SHA-256 and size of every file in a run folder, and checking it later."""

from __future__ import annotations

import hashlib
import json
import stat
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from troubleshooter.artifacts import MANIFEST_JSON as MANIFEST
from troubleshooter.errors import BadInputError
from troubleshooter.evidence.files import write_json

MANIFEST_VERSION = 1


def file_entries(folder: Path) -> list[dict[str, Any]]:
    """Path (relative, POSIX), size and SHA-256 of every file below the folder but the manifest."""
    entries = []
    for path in sorted(_files(folder)):
        content = path.read_bytes()
        entries.append(
            {
                "path": path.relative_to(folder).as_posix(),
                "size": len(content),
                "sha256": hashlib.sha256(content).hexdigest(),
            }
        )
    return entries


def write_manifest(folder: Path, run_id: str) -> dict[str, Any]:
    """Write ``manifest.json`` for the folder as it is now, and return it."""
    manifest = {
        "manifest_version": MANIFEST_VERSION,
        "run_id": run_id,
        "algorithm": "sha256",
        "files": file_entries(folder),
    }
    write_json(folder / MANIFEST, manifest)
    return manifest


def _files(folder: Path) -> Iterator[Path]:
    for path in folder.rglob("*"):
        if path.is_file() and path.relative_to(folder).as_posix() != MANIFEST:
            yield path


@dataclass
class Verification:
    """What ``verify`` found: an empty list of problems means every file matches."""

    source: str
    run_id: str | None
    checked: int = 0
    modified: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.modified or self.missing or self.extra)

    def lines(self) -> list[str]:
        problems = [
            *(f"modified: {name}" for name in self.modified),
            *(f"missing:  {name}" for name in self.missing),
            *(f"extra:    {name}" for name in self.extra),
        ]
        if self.ok:
            return [f"ok: {self.checked} files match the manifest of run {self.run_id}"]
        count = len(problems)
        return [*problems, f"FAILED: {count} problem(s) in {self.source} (run {self.run_id})"]


def verify(path: Path) -> Verification:
    """Check a run folder or its zip against the manifest inside it."""
    if path.is_dir():
        return _compare(str(path), _read_manifest(path / MANIFEST), _folder_hashes(path))
    if path.is_file() and zipfile.is_zipfile(path):
        return _verify_zip(path)
    raise BadInputError(f"{path}: not a run folder or a run zip")


def _read_manifest(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise BadInputError(f"{path}: no manifest (the run may not have finished)")
    return _parse_manifest(path.read_bytes(), str(path))


def _parse_manifest(content: bytes, where: str) -> dict[str, Any]:
    try:
        manifest = json.loads(content)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInputError(f"{where}: not valid JSON ({exc})") from None
    except RecursionError:
        raise BadInputError(f"{where}: not a troubleshooter manifest (nested too deeply)") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), list):
        raise BadInputError(f"{where}: not a troubleshooter manifest")
    return manifest


def _folder_hashes(folder: Path) -> dict[str, str]:
    return {entry["path"]: entry["sha256"] for entry in file_entries(folder)}


def _verify_zip(path: Path) -> Verification:
    try:
        bundle = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise BadInputError(f"{path}: not a readable zip ({exc})") from None
    with bundle:
        for info in bundle.infolist():
            _check_member(path, info)
        names = [n for n in bundle.namelist() if not n.endswith("/")]
        manifests = [n for n in names if PurePosixPath(n).name == MANIFEST]
        if len(manifests) != 1:
            raise BadInputError(
                f"{path}: expected one {MANIFEST} in the zip, found {len(manifests)}"
            )
        prefix = manifests[0][: -len(MANIFEST)]
        where = f"{path}:{manifests[0]}"
        content = _read_member(bundle, manifests[0])
        if content is None:
            raise BadInputError(f"{where}: cannot be read (the zip is damaged)")
        manifest = _parse_manifest(content, where)
        actual: dict[str, str] = {}
        for name in names:
            if name == manifests[0]:
                continue
            relative = name[len(prefix) :] if name.startswith(prefix) else name
            member = _read_member(bundle, name)
            # A member that cannot be read (bad CRC, broken deflate stream) is not what the
            # manifest describes: it counts as modified.
            actual[relative] = UNREADABLE if member is None else hashlib.sha256(member).hexdigest()
    return _compare(str(path), manifest, actual)


UNREADABLE = "unreadable"


def _check_member(path: Path, info: zipfile.ZipInfo) -> None:
    """Refuse a member that would land outside the folder ("zip slip") or is a link."""
    name = info.filename
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if name.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
        raise BadInputError(
            f"{path}: member {name[:80]!r} points outside the folder; not a troubleshooter bundle"
        )
    if stat.S_ISLNK(info.external_attr >> 16):
        raise BadInputError(
            f"{path}: member {name[:80]!r} is a symbolic link; not a troubleshooter bundle"
        )


def _read_member(bundle: zipfile.ZipFile, name: str) -> bytes | None:
    """A member's bytes, or None when the zip cannot give them back intact."""
    try:
        return bundle.read(name)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, RuntimeError, NotImplementedError):
        return None  # bad CRC, broken deflate stream, truncated, encrypted, unknown method
    except ValueError:  # lzma and bz2 decompressor errors
        return None


def _compare(source: str, manifest: dict[str, Any], actual: dict[str, str]) -> Verification:
    expected = {str(e.get("path")): str(e.get("sha256")) for e in manifest["files"]}
    result = Verification(source, manifest.get("run_id"), checked=len(expected))
    result.modified = sorted(n for n in expected if n in actual and actual[n] != expected[n])
    result.missing = sorted(n for n in expected if n not in actual)
    result.extra = sorted(n for n in actual if n not in expected)
    return result
