"""``<run>.zip``: the run folder in one file to attach to a ticket."""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path

from troubleshooter.evidence.files import file_mode

# Images and the trace are already compressed; deflate still shrinks the JSON, HTML and HAR.
_STORED_SUFFIXES = (".png", ".jpg", ".jpeg", ".zip")


def bundle(folder: Path) -> Path:
    """Write ``<folder>.zip`` next to the folder, its files under ``<folder name>/``."""
    target = folder.with_name(folder.name + ".zip")
    fd, tmp = tempfile.mkstemp(dir=folder.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        with zipfile.ZipFile(tmp, "w") as archive:
            for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                name = f"{folder.name}/{path.relative_to(folder).as_posix()}"
                stored = path.suffix.lower() in _STORED_SUFFIXES
                method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
                archive.write(path, name, compress_type=method)
        os.chmod(tmp, file_mode())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
