"""Every input of one session as one typed spec, built at the edge and read by the session."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from troubleshooter.context import SessionOptions
from troubleshooter.evidence.model import Inputs
from troubleshooter.validate import tenant_name_of


@dataclass(frozen=True)
class RunSpec:
    """Who, where and how: what ``run``, ``demo`` and ``recheck`` hand to ``run_session``."""

    upn: str
    tenant: str = "sim"  # 'sim', a tenant name, or a tenant profile file
    site: str | None = None
    session: SessionOptions = field(default_factory=SessionOptions)
    poll_timeout_s: float | None = None
    targets_file: Path | None = None
    expected_photo: Path | None = None  # --expected-photo: the reference instead of the home's
    variables: dict[str, str] = field(default_factory=dict)  # e.g. ${photo} from --photo
    sim_sync_delay: float | None = None
    save_pages: bool = False  # --save-pages: a redacted copy of every page visited

    def inputs(self) -> Inputs:
        """What the report keeps so that a later ``recheck`` can come back (written once)."""
        return Inputs(
            tenant=reusable_tenant(self.tenant),
            targets_file=str(self.targets_file.resolve()) if self.targets_file else None,
            expected_photo=self.expected_photo is not None,
        )


def reusable_tenant(spec: str) -> str:
    """The --tenant value as it can be used again later: profile files get an absolute path."""
    named = tenant_name_of(spec) is not None
    is_file = spec.endswith((".yaml", ".yml")) or (("/" in spec or "\\" in spec) and not named)
    return str(Path(spec).resolve()) if is_file else spec
