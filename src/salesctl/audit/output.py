"""Writing an :class:`~salesctl.audit.AuditReport` to a file: format by suffix, checked before
the replay, written atomically, the exceptions streamed.

:func:`check_report_path` refuses, before any work is done, a report path whose directory does
not exist (it is never created), is not a directory, or cannot be written, and a path that is a
directory. :func:`write_report` writes the whole text to a temporary file in the same directory,
flushes it to disk and renames it over the path (``os.replace``): the path holds either the
earlier report or the new one, never a truncated file. Text that cannot be encoded as UTF-8
(a lone surrogate) is written as a ``\\udXXX`` escape rather than failing the write.

The text is never built whole: :func:`report_chunks` yields it piece by piece — the exceptions
one at a time in JSON and JSON Lines, a few hundred table rows at a time in Markdown and HTML
(:func:`salesctl.audit.view.iter_blocks`) — and each piece is written as it comes, so writing a
report takes memory for one piece, not for the whole text of every exception. The pieces join
into exactly :meth:`~salesctl.audit.AuditReport.to_json`, ``to_markdown`` and ``to_html``.

**JSON Lines** (``.jsonl``): the first line is the report without its exceptions (the JSON
report's object, ``exceptions`` left out, ``exception_count`` added), then one line per
exception in report order; :func:`read_report_jsonl` reads it back.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import attrs

from salesctl._convert import unstructure
from salesctl.audit import view
from salesctl.audit.report import AuditReport
from salesctl.errors import InvalidInput

__all__ = [
    "REPORT_FORMATS",
    "check_report_path",
    "read_report_jsonl",
    "report_chunks",
    "report_format",
    "write_report",
    "write_text",
]

#: Report formats by file suffix (lower case).
REPORT_FORMATS: dict[str, str] = {
    ".md": "md",
    ".markdown": "md",
    ".txt": "md",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
    ".jsonl": "jsonl",
}


def report_format(path: str | os.PathLike[str]) -> str:
    """The format of a report path: ``"md"``, ``"html"``, ``"json"`` or ``"jsonl"``.

    Raises:
        InvalidInput: if the suffix is none of ``.md``, ``.html``, ``.json`` or ``.jsonl``
            (and variants).
    """
    fmt = REPORT_FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise InvalidInput(
            "must end in .md, .html, .json or .jsonl", path="--report", value=_shown(Path(path))
        )
    return fmt


#: Stands for the exceptions in the JSON text of the rest of the report.
_HOLE = "\x00exceptions\x00"


def report_chunks(report: AuditReport, fmt: str, lang: str = "en") -> Iterator[str]:
    """The text of ``report`` in format ``fmt`` (``"md"``, ``"html"``, ``"json"`` or
    ``"jsonl"``), piece by piece (see the module docs).

    Raises:
        InvalidInput: for an unknown format.
    """
    if fmt == "md":
        return view.iter_markdown(view.iter_blocks(report, lang), lang)
    if fmt == "html":
        return view.iter_html(view.iter_blocks(report, lang), lang)
    if fmt == "json":
        return _json_chunks(report)
    if fmt == "jsonl":
        return _jsonl_chunks(report)
    raise InvalidInput("must be md, html, json or jsonl", path="format", value=fmt)


def _head(report: AuditReport) -> dict[str, Any]:
    """The report's JSON object with no exceptions in it (they are written one by one)."""
    return attrs.evolve(report, exceptions=()).to_dict()


def _json_chunks(report: AuditReport) -> Iterator[str]:
    head = _head(report)
    head["exceptions"] = _HOLE
    text = json.dumps(head, ensure_ascii=False, indent=2) + "\n"
    before, after = text.split(json.dumps(_HOLE), 1)
    yield before
    if not report.exceptions:
        yield "[]"
    else:
        yield "[\n"
        for i, e in enumerate(report.exceptions):
            item = json.dumps(unstructure(e), ensure_ascii=False, indent=2)
            yield ("    " if not i else ",\n    ") + item.replace("\n", "\n    ")
        yield "\n  ]"
    yield after


def _jsonl_chunks(report: AuditReport) -> Iterator[str]:
    head = _head(report)
    del head["exceptions"]
    head["exception_count"] = len(report.exceptions)
    yield json.dumps(head, ensure_ascii=False) + "\n"
    for e in report.exceptions:
        yield json.dumps(unstructure(e), ensure_ascii=False) + "\n"


def read_report_jsonl(lines: Iterable[str | bytes]) -> AuditReport:
    """Read a report written as JSON Lines (``.jsonl``) back.

    Raises:
        InvalidInput: for an empty or malformed file, or a count that does not match.
    """
    it = iter(lines)
    try:
        first = next(it)
        head = json.loads(first)
        exceptions = [json.loads(ln) for ln in it if ln.strip()]
    except (StopIteration, ValueError) as e:
        raise InvalidInput(f"not a JSON Lines report: {e}", path="report") from None
    if not isinstance(head, dict):
        raise InvalidInput("the first line must be the report object", path="report")
    count = head.pop("exception_count", None)
    if count != len(exceptions):
        raise InvalidInput(
            f"{len(exceptions)} exception lines, the report says {count}",
            path="report.exception_count",
        )
    head["exceptions"] = exceptions
    return AuditReport.from_dict(head)


def check_report_path(path: str | os.PathLike[str]) -> None:
    """Check, before a replay, that a report can be written at ``path``.

    The directory must exist (it is not created) and accept a new file, which is created and
    removed again to find out; ``path`` itself must not be a directory.

    Raises:
        InvalidInput: naming the path and what is wrong.
    """
    p = Path(path)
    report_format(p)
    parent = p.parent
    shown = _shown(p)
    if not parent.exists():
        raise InvalidInput(f"directory {_shown(parent)} does not exist", path=shown)
    if not parent.is_dir():
        raise InvalidInput(f"{_shown(parent)} is not a directory", path=shown)
    if p.is_dir():
        raise InvalidInput("is a directory", path=shown)
    if p.exists() and not os.access(p, os.W_OK):
        raise InvalidInput("cannot write report: permission denied", path=shown)
    try:
        with tempfile.NamedTemporaryFile(dir=parent, prefix=f".{p.name}.", suffix=".check"):
            pass
    except OSError as e:
        raise InvalidInput(f"cannot write report: {e.strerror}", path=shown) from None


def write_report(report: AuditReport, path: str | os.PathLike[str], lang: str = "en") -> None:
    """Write ``report`` to ``path`` atomically, in the format its suffix names.

    The text goes to a temporary file in the same directory, which is flushed to disk and then
    renamed over ``path``; on any failure the temporary file is removed and whatever was at
    ``path`` before is left as it was.

    Args:
        report: the report.
        path: where to write it (``.md``, ``.html``, ``.json`` or ``.jsonl``).
        lang: the language of the findings' messages (Markdown and HTML).

    Raises:
        InvalidInput: for an unknown suffix or a file that cannot be written.
    """
    p = Path(path)
    _write_atomic(p, report_chunks(report, report_format(p), lang))


def write_text(text: str, path: str | os.PathLike[str]) -> None:
    """Write ``text`` to ``path`` atomically, as :func:`write_report` writes a report.

    Raises:
        InvalidInput: for a file that cannot be written.
    """
    _write_atomic(Path(path), (text,))


def _write_atomic(p: Path, chunks: Iterable[str]) -> None:
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            for chunk in chunks:
                f.write(chunk.encode("utf-8", "backslashreplace"))
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _mode_for(p))
        os.replace(tmp, p)
        tmp = None
    except OSError as e:
        raise InvalidInput(f"cannot write report: {e.strerror}", path=_shown(p)) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    _sync_dir(p.parent)


def _mode_for(path: Path) -> int:
    """The permissions of the file being replaced, or those a new file gets (0666 - umask)."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _sync_dir(directory: Path) -> None:
    """Flush the rename to disk (best effort: not every platform can open a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _shown(path: Path) -> str:
    """A path as text that can always be printed (undecodable bytes escaped)."""
    return str(path).encode("utf-8", "backslashreplace").decode("utf-8")
