"""Writing an :class:`~salesctl.audit.AuditReport` to a file: format by suffix, checked before
the replay, written atomically.

:func:`check_report_path` refuses, before any work is done, a report path whose directory does
not exist (it is never created), is not a directory, or cannot be written, and a path that is a
directory. :func:`write_report` writes the whole text to a temporary file in the same directory,
flushes it to disk and renames it over the path (``os.replace``): the path holds either the
earlier report or the new one, never a truncated file. Text that cannot be encoded as UTF-8
(a lone surrogate) is written as a ``\\udXXX`` escape rather than failing the write.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from salesctl.audit.report import AuditReport
from salesctl.errors import InvalidInput

__all__ = ["REPORT_FORMATS", "check_report_path", "report_format", "write_report"]

#: Report formats by file suffix (lower case).
REPORT_FORMATS: dict[str, str] = {
    ".md": "md",
    ".markdown": "md",
    ".txt": "md",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
}


def report_format(path: str | os.PathLike[str]) -> str:
    """The format of a report path: ``"md"``, ``"html"`` or ``"json"``.

    Raises:
        InvalidInput: if the suffix is none of ``.md``, ``.html`` or ``.json`` (and variants).
    """
    fmt = REPORT_FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise InvalidInput(
            "must end in .md, .html or .json", path="--report", value=_shown(Path(path))
        )
    return fmt


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
        path: where to write it (``.md``, ``.html`` or ``.json``).
        lang: the language of the findings' messages (Markdown and HTML).

    Raises:
        InvalidInput: for an unknown suffix or a file that cannot be written.
    """
    p = Path(path)
    fmt = report_format(p)
    if fmt == "json":
        text = report.to_json()
    elif fmt == "html":
        text = report.to_html(lang)
    else:
        text = report.to_markdown(lang)
    data = text.encode("utf-8", "backslashreplace")
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
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
