"""What-if: the same stream replayed under the policy in force and a proposed one, and what
would have come out differently (``salesctl audit --compare-policy PROPOSED.toml``).

:func:`compare_reports` takes the two replays' reports of one stream and lists, per control,
every transaction whose outcome changes (ALLOW → HOLD, HOLD → BLOCK, BLOCK → ALLOW, …) with
the approvals the proposal would have required (the roles its HOLD asks for), and every
period-end item a detective control would report differently. A transaction is keyed by its
line in the stream, a detective item by its period and document; a control's outcome on a
transaction is the strictest of its findings there (ALLOW when it has none).

>>> from salesctl.audit import replay
>>> compare_reports(replay([]), replay([])).changes
()
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from attrs import field, frozen

from salesctl._convert import unstructure
from salesctl._validators import each, tuple_conv, typed
from salesctl.audit.clock import LATE_EVENT
from salesctl.audit.report import AuditReport
from salesctl.audit.rows import AuditException
from salesctl.decision import Outcome
from salesctl.errors import InvalidInput
from salesctl.wording import term

__all__ = ["OutcomeChange", "PolicyComparison", "compare_reports"]


@frozen
class OutcomeChange:
    """One transaction (or detective item) a control decides differently under the proposal.

    Attributes:
        control_id: the control.
        before: its outcome under the policy in force.
        after: its outcome under the proposal.
        document_id: the document.
        line: the transaction's line in the stream (``None`` for a detective item).
        transaction: the transaction type (empty for a detective item).
        at: the transaction's time.
        period: the period, for a detective item.
        roles: the approvals the proposal would have required (roles its HOLD asks for).
    """

    control_id: str = field(validator=typed(str))
    before: Outcome = field(validator=typed(Outcome))
    after: Outcome = field(validator=typed(Outcome))
    document_id: str = field(validator=typed(str))
    line: int | None = field(default=None, validator=typed(int, optional=True))
    transaction: str = field(default="", validator=typed(str))
    at: dt.datetime | None = field(default=None, validator=typed(dt.datetime, optional=True))
    period: str = field(default="", validator=typed(str))
    roles: tuple[str, ...] = field(default=(), converter=tuple_conv, validator=each(str))

    @property
    def change(self) -> str:
        """``"ALLOW → HOLD"``."""
        return f"{self.before.name} → {self.after.name}"


@frozen
class PolicyComparison:
    """The outcome of one stream under two policies.

    Attributes:
        source_sha256: the stream both replays read.
        current_name: the policy in force.
        current_fingerprint: its fingerprint.
        proposed_name: the proposed policy.
        proposed_fingerprint: its fingerprint.
        changes: every change, by control, then stream order (detective items after).
    """

    source_sha256: str = field(validator=typed(str))
    current_name: str = field(validator=typed(str))
    current_fingerprint: str = field(validator=typed(str))
    proposed_name: str = field(validator=typed(str))
    proposed_fingerprint: str = field(validator=typed(str))
    changes: tuple[OutcomeChange, ...] = field(converter=tuple_conv, validator=each(OutcomeChange))

    def by_control(self) -> dict[str, tuple[OutcomeChange, ...]]:
        """The changes grouped by control id (sorted)."""
        out: dict[str, list[OutcomeChange]] = {}
        for c in self.changes:
            out.setdefault(c.control_id, []).append(c)
        return {k: tuple(v) for k, v in sorted(out.items())}

    def summary(self) -> dict[str, dict[str, int]]:
        """Per control: how many changes of each kind (``{"O2C-CR-04": {"ALLOW → HOLD": 3}}``)."""
        out: dict[str, dict[str, int]] = {}
        for c in self.changes:
            row = out.setdefault(c.control_id, {})
            row[c.change] = row.get(c.change, 0) + 1
        return {k: dict(sorted(v.items())) for k, v in sorted(out.items())}

    def required_approvals(self) -> dict[str, dict[str, int]]:
        """Per control: the approvals (roles) the proposal would have required, with how many
        transactions would have needed each."""
        out: dict[str, dict[str, int]] = {}
        for c in self.changes:
            if c.after is not Outcome.HOLD:
                continue
            row = out.setdefault(c.control_id, {})
            for r in c.roles:
                row[r] = row.get(r, 0) + 1
        return {k: dict(sorted(v.items())) for k, v in sorted(out.items()) if v}

    def to_dict(self) -> dict[str, Any]:
        """The comparison as JSON-ready data (with the per-control summary)."""
        out: dict[str, Any] = unstructure(self)
        out["summary"] = self.summary()
        out["required_approvals"] = self.required_approvals()
        return out

    def to_json(self) -> str:
        """The comparison as JSON text."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"

    def to_markdown(self, lang: str = "en") -> str:
        """The comparison as Markdown: a summary table per control, then every change."""
        zh = lang == "zh"
        out = [
            "# 策略对比（假设分析）" if zh else "# Policy comparison (what-if)",
            "",
            f"- {'现行策略' if zh else 'policy in force'}: {self.current_name} — "
            f"`{self.current_fingerprint[:12]}`",
            f"- {'拟议策略' if zh else 'proposed policy'}: {self.proposed_name} — "
            f"`{self.proposed_fingerprint[:12]}`",
            f"- {'数据源' if zh else 'stream'} SHA-256: `{self.source_sha256}`",
            "",
        ]
        if not self.changes:
            out += ["无变化。" if zh else "No outcome changes.", ""]
            return "\n".join(out)
        needs = self.required_approvals()
        sep = "、" if zh else ", "
        out += [
            "| 控制 | 变化 | 拟议策略所需审批 |"
            if zh
            else "| control | changes | approvals the proposal requires |",
            "|---|---|---|",
        ]
        for cid, row in self.summary().items():
            kinds = sep.join(f"{k}: {n}" for k, n in row.items())
            roles = sep.join(f"{term(r, lang)} × {n}" for r, n in needs.get(cid, {}).items())
            out.append(f"| `{cid}` | {kinds} | {roles or '-'} |")
        out.append("")
        for cid, changes in self.by_control().items():
            out += [f"## {cid}", ""]
            out += [
                "| 变化 | 单据 | 位置 | 所需审批 |"
                if zh
                else "| change | document | where | approvals |",
                "|---|---|---|---|",
            ]
            for c in changes:
                where = (
                    (f"第 {c.line} 行 {c.transaction}" if zh else f"line {c.line} {c.transaction}")
                    if c.line is not None
                    else c.period
                )
                roles = sep.join(term(r, lang) for r in c.roles) if c.after is Outcome.HOLD else ""
                out.append(f"| {c.change} | `{c.document_id}` | {where} | {roles or '-'} |")
            out.append("")
        return "\n".join(out)


def _outcomes(
    exceptions: Iterable[AuditException],
) -> dict[tuple[str, int | None, str, str], tuple[Outcome, AuditException, tuple[str, ...]]]:
    """Per (control, line, period, document): the strictest outcome, an exception showing
    it, and the roles the findings there ask for."""
    out: dict[tuple[str, int | None, str, str], tuple[Outcome, AuditException, tuple[str, ...]]]
    out = {}
    for e in exceptions:
        if e.control_id == LATE_EVENT:
            continue  # the same events come late under either policy
        key = (e.control_id, e.line, e.period if e.line is None else "", e.document_id)
        old = out.get(key)
        if old is None:
            out[key] = (e.outcome, e, e.roles)
        else:
            roles = old[2] + tuple(r for r in e.roles if r not in old[2])
            out[key] = (max(old[0], e.outcome), e if e.outcome > old[0] else old[1], roles)
    return out


def compare_reports(current: AuditReport, proposed: AuditReport) -> PolicyComparison:
    """The changes between the reports of one stream replayed under two policies.

    Raises:
        InvalidInput: if the reports are not of the same stream.
    """
    if current.source_sha256 != proposed.source_sha256 or current.lines != proposed.lines:
        raise InvalidInput("reports of different streams", path="proposed")
    before = _outcomes(current.exceptions)
    after = _outcomes(proposed.exceptions)
    changes: list[OutcomeChange] = []
    for key in sorted(
        before.keys() | after.keys(),
        key=lambda k: (k[0], k[1] is None, k[1] or 0, k[2], k[3]),
    ):
        b = before.get(key)
        a = after.get(key)
        ob = b[0] if b is not None else Outcome.ALLOW
        oa = a[0] if a is not None else Outcome.ALLOW
        if ob is oa:
            continue
        shown = a if a is not None else b
        assert shown is not None
        e = shown[1]
        changes.append(
            OutcomeChange(
                control_id=key[0],
                before=ob,
                after=oa,
                document_id=key[3],
                line=key[1],
                transaction=e.transaction,
                at=e.at,
                period=key[2],
                roles=a[2] if a is not None else (),
            )
        )
    return PolicyComparison(
        source_sha256=current.source_sha256,
        current_name=current.policy_name,
        current_fingerprint=current.policy_fingerprint,
        proposed_name=proposed.policy_name,
        proposed_fingerprint=proposed.policy_fingerprint,
        changes=tuple(changes),
    )
