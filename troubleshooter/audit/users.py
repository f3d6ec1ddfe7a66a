"""The users to check: ``--user`` options or a CSV file with a ``upn`` column, streamed.

The file is read twice: once up front to refuse what makes the whole file unusable (not UTF-8,
no ``upn`` column, no users) before any browser starts, and once while checking, row by row,
so memory does not grow with the number of users.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from troubleshooter.errors import BadInputError
from troubleshooter.validate import check_upn

UPN_COLUMN = "upn"
PHOTO_COLUMN = "photo"


@dataclass(frozen=True)
class UserRow:
    """One user to check; ``line`` is the file's line number (0 for --user)."""

    line: int
    upn: str
    columns: dict[str, str] = field(default_factory=dict)
    photo: Path | None = None


@dataclass(frozen=True)
class BadRow:
    """A row that was skipped, and why (one line for the terminal and audit.csv)."""

    line: int
    upn: str
    problem: str
    columns: dict[str, str] = field(default_factory=dict)

    @property
    def message(self) -> str:
        return f"line {self.line}: {self.problem}"


@dataclass(frozen=True)
class UserSource:
    """Where the users come from, checked as a whole."""

    upns: tuple[str, ...] = ()
    csv_path: Path | None = None
    columns: tuple[str, ...] = ()
    """Passed-through CSV columns, in file order (upn and photo excluded)."""
    count: int = 0
    """Data rows (bad ones included)."""

    def rows(self, photos: Path | None = None) -> Iterator[UserRow | BadRow]:
        if self.csv_path is None:
            for upn in self.upns:
                yield UserRow(0, upn, photo=_photo_in(photos, upn))
            return
        yield from _csv_rows(self.csv_path, photos)


def from_options(upns: list[str]) -> UserSource:
    seen: set[str] = set()
    upns = [check_upn(upn, "--user") for upn in upns]
    for upn in upns:
        if upn.lower() in seen:
            raise BadInputError(f"--user {upn}: given twice")
        seen.add(upn.lower())
    return UserSource(upns=tuple(upns), count=len(upns))


def from_csv(path: Path) -> UserSource:
    """Check the file as a whole: readable, UTF-8, a ``upn`` column, at least one row."""
    if not path.is_file():
        raise BadInputError(f"--users {path}: file not found")
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            count = sum(1 for row in reader if any(cell.strip() for cell in row))
    except UnicodeDecodeError as exc:
        raise BadInputError(
            f"--users {path}: not UTF-8 text (byte {exc.start}); save it as CSV UTF-8"
        ) from None
    except csv.Error as exc:
        raise BadInputError(f"--users {path}: not a CSV file ({exc})") from None
    except OSError as exc:
        raise BadInputError(f"--users {path}: cannot read ({exc.strerror or exc})") from None
    names = [h.strip().lower() for h in header or []]
    if UPN_COLUMN not in names:
        found = ", ".join(repr(h) for h in header or []) or "nothing"
        raise BadInputError(f"--users {path}: line 1 must name a 'upn' column (found {found})")
    if count == 0:
        raise BadInputError(f"--users {path}: no users below the header line")
    passed = tuple(
        h.strip() for h in header or [] if h.strip().lower() not in (UPN_COLUMN, PHOTO_COLUMN)
    )
    return UserSource(csv_path=path, columns=passed, count=count)


def _csv_rows(path: Path, photos: Path | None) -> Iterator[UserRow | BadRow]:
    seen: set[str] = set()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = [h.strip() for h in next(reader)]
        keys = [h.lower() for h in header]
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue  # blank lines are allowed and skipped
            values = dict(zip(keys, (c.strip() for c in row), strict=False))
            columns = {
                name: values.get(key, "")
                for name, key in zip(header, keys, strict=True)
                if key not in (UPN_COLUMN, PHOTO_COLUMN) and name
            }
            upn = values.get(UPN_COLUMN, "")
            problem = _row_problem(upn, row, header, seen)
            if problem:
                yield BadRow(line, upn, problem, columns)
                continue
            seen.add(upn.lower())
            photo = _row_photo(path, values.get(PHOTO_COLUMN, ""), photos, upn)
            if isinstance(photo, str):
                yield BadRow(line, upn, photo, columns)
                continue
            yield UserRow(line, upn, columns, photo)


def _row_problem(upn: str, row: list[str], header: list[str], seen: set[str]) -> str | None:
    if len(row) > len(header):
        return f"{len(row)} fields, but the header names {len(header)}"
    if not upn:
        return "no upn in this row"
    try:
        check_upn(upn, "upn")
    except BadInputError as exc:
        return exc.message
    if upn.lower() in seen:
        return f"{upn} is listed twice; checked once"
    return None


def _row_photo(csv_path: Path, value: str, photos: Path | None, upn: str) -> Path | str | None:
    """The expected photo file of a row; a string is the problem with it."""
    if value:
        path = Path(value) if Path(value).is_absolute() else csv_path.parent / value
        return path if path.is_file() else f"photo {value}: file not found"
    return _photo_in(photos, upn)


def _photo_in(folder: Path | None, upn: str) -> Path | None:
    """``--photos DIR``: the file named after the UPN (any image suffix), if there is one."""
    if folder is None:
        return None
    for suffix in (".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp"):
        for name in (upn + suffix, upn.lower() + suffix):
            candidate = folder / name
            if candidate.is_file():
                return candidate
    return None
