"""The RCM as an Excel workbook (``controls/rcm.xlsx``): the columns of ``rcm.csv``, the header
frozen and filterable, the Chinese and English columns side by side.

openpyxl is an optional dependency (``pip install salesctl[docs]``): :func:`rcm_xlsx` returns
``None`` without it, and the workbook is then simply not published.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

__all__ = ["rcm_xlsx"]

_WIDE = {"title", "risk_text", "objective", "activity", "parameters", "test_of", "evidence"}


def rcm_xlsx(rows: Sequence[dict[str, str]], columns: Sequence[str]) -> bytes | None:
    """The workbook's bytes (``None`` when openpyxl is not installed).

    Args:
        rows: :func:`salesctl.docs.rcm_rows`.
        columns: the column names, in order (:data:`salesctl.docs.rcm.RCM_COLUMNS`).
    """
    try:
        from openpyxl import Workbook  # type: ignore[import-untyped]
        from openpyxl.styles import Alignment, Font  # type: ignore[import-untyped]
        from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - the docs extra is not installed
        return None
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "RCM"
    ws.append(list(columns))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append([r.get(c, "") for c in columns])
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"
    for i, name in enumerate(columns, 1):
        wide = any(name.startswith(w) for w in _WIDE)
        ws.column_dimensions[get_column_letter(i)].width = 60 if wide else 14
        if wide:
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    # a fixed timestamp: the same catalogue and policy give the same bytes
    import datetime as dt

    stamp = dt.datetime(2000, 1, 1)
    wb.properties.created = stamp
    wb.properties.modified = stamp
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
