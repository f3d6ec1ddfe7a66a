"""Jinja2 environments for the tool's templates (the run's report, the audit's message and page).

Each run used to compile its templates again (~35 ms for report.html alone). Compiled
templates are kept in jinja2's own bytecode cache: a folder of the user's in the temp
directory, private to them (mode 0700, checked by jinja2), keyed by each template's source,
so an edited template is compiled afresh. The cache holds template code, never run data.
"""

from __future__ import annotations

import functools
from typing import Any

import jinja2
from jinja2.bccache import Bucket


class _BestEffortCache(jinja2.FileSystemBytecodeCache):
    """The cache, where reading or writing it can never fail a render: a miss costs a compile.

    A full disk or a cache folder someone else owns must not cost a run its report.
    """

    def get_bucket(
        self, environment: jinja2.Environment, name: str, filename: str | None, source: str
    ) -> Bucket:
        # jinja2 keys an entry by template name only; the code compiled also depends on the
        # environment's settings (escaping, whitespace), so they are part of the key here.
        key = self.get_cache_key(f"{name}\0{_settings(environment, name)}", filename)
        bucket = Bucket(environment, key, self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # a broken entry is compiled again
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except Exception:  # the next run compiles it again
            return


def _settings(environment: jinja2.Environment, name: str) -> str:
    """What the compiled code of template ``name`` depends on besides its source."""
    escaping = environment.autoescape
    return repr(
        (
            escaping(name) if callable(escaping) else escaping,
            environment.trim_blocks,
            environment.lstrip_blocks,
            environment.keep_trailing_newline,
            environment.newline_sequence,
            environment.block_start_string,
            environment.block_end_string,
            environment.variable_start_string,
            environment.variable_end_string,
            environment.comment_start_string,
            environment.comment_end_string,
            environment.line_statement_prefix,
            environment.line_comment_prefix,
            environment.optimized,
            sorted(environment.extensions),
        )
    )


@functools.cache
def bytecode_cache() -> jinja2.BytecodeCache | None:
    """The shared cache, or None where no private temp folder can be had."""
    try:
        return _BestEffortCache()
    except Exception:  # jinja2 refuses a temp folder that is not the user's own
        return None


def environment(package: str, **options: Any) -> jinja2.Environment:
    """An environment for ``package``'s ``templates`` folder: undefined names are errors."""
    options.setdefault("undefined", jinja2.StrictUndefined)
    return jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"),
        bytecode_cache=bytecode_cache(),
        **options,
    )
