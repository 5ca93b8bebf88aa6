"""What the RCM derives from a control's metadata and the policy in force.

The metadata check (:func:`missing_metadata`), the parameters a control's activity names and
their configured and default values, and the derived columns: COSO principles, the tests of
design and operating effectiveness, and the suggested sample size.
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from salesctl._convert import unstructure
from salesctl.control import RISKS, Assertion, Automation, Control, Family, Frequency, Kind
from salesctl.controls import CATALOGUE_FINGERPRINT, CONTROLS, FAMILIES
from salesctl.docs.references import COSO_PRINCIPLES
from salesctl.docs.text import FREQUENCY, INSTANCES, pick
from salesctl.errors import InvalidInput, SalesctlError
from salesctl.policy import Policy
from salesctl.wording import bilingual, join, value_text

__all__ = [
    "REQUIRED_METADATA",
    "activity",
    "basic_norm",
    "check_catalogue",
    "check_name",
    "conflicts",
    "controls_of",
    "coso_principles",
    "coso_reasons",
    "default_policy",
    "design_test",
    "evidence_text",
    "family_of",
    "missing_metadata",
    "operating_effectiveness_test",
    "other_refs",
    "owner_text",
    "param_rows",
    "param_texts",
    "parameters",
    "sample_size",
    "show",
]

#: The metadata every control must carry for the RCM (a missing one fails generation).
REQUIRED_METADATA: tuple[str, ...] = (
    "id",
    "title_zh",
    "title_en",
    "objective_zh",
    "objective_en",
    "activity_zh",
    "activity_en",
    "risks",
    "kind",
    "frequency",
    "automation",
    "assertions",
    "seeds",
    "g9",
    "stage",
    "owner",
    "evidence",
)

_ID = re.compile(r"^O2C-[A-Z]{2}-\d{2}$")
_SEED = re.compile(r"^S-(IC|CP|K1|PM|YF|FT|PS|MK|FD)\b")

#: Suggested sample sizes for manual and IT-dependent controls, by frequency.
_SAMPLE: dict[Frequency, str] = {
    Frequency.YEARLY: "1",
    Frequency.QUARTERLY: "2",
    Frequency.MONTHLY: "2–4",
    Frequency.WEEKLY: "5–15",
    Frequency.DAILY: "20–40",
    Frequency.PER_TRANSACTION: "25–60",
    Frequency.ON_POLICY_LOAD: "1",
}


#: English instance words in the singular, for a sample of one ("Select 1 year").
_SINGULAR: dict[str, str] = {
    "transactions": "transaction",
    "days": "day",
    "weeks": "week",
    "months": "month",
    "quarters": "quarter",
    "years": "year",
    "policy changes": "policy change",
}


@functools.cache
def default_policy() -> Policy:
    """The default policy (immutable, so built once)."""
    return Policy.default()


def controls_of(controls: Mapping[str, Control] | None) -> dict[str, Control]:
    """The controls to document, sorted by id (the registry when ``controls`` is None)."""
    return dict(sorted((CONTROLS if controls is None else controls).items()))


def family_of(control: Any) -> Family | None:
    """The registered family the control belongs to, if any."""
    return FAMILIES.get(getattr(control, "family", "") or "")


# -- metadata checks ------------------------------------------------------------------------


def missing_metadata(control: Any) -> tuple[str, ...]:
    """The required RCM metadata that ``control`` lacks or has malformed.

    Checks every name in :data:`REQUIRED_METADATA` (non-empty, of the right kind: a known risk,
    a ``Kind``/``Frequency``/``Automation``, assertions, seed tags such as ``"S-IC 2.3"``), and
    that the activity placeholders name fields of the family policy.

    Args:
        control: a :class:`~salesctl.control.Control` (or anything shaped like one).

    Returns:
        The names of the missing or malformed fields, empty when complete.
    """
    out: list[str] = []
    for name in REQUIRED_METADATA:
        value = getattr(control, name, None)
        if value is None or (isinstance(value, str | tuple | frozenset) and not value):
            other = any(re.match(r"^G\d+\b", r) for r in getattr(control, "refs", ()) or ())
            if not (name == "g9" and other):
                out.append(name)
    cid = getattr(control, "id", None)
    if "id" not in out and not (isinstance(cid, str) and _ID.match(cid)):
        out.append("id")
    risks = getattr(control, "risks", None) or ()
    if "risks" not in out and any(r not in RISKS for r in risks):
        out.append("risks")
    for name, tp in (("kind", Kind), ("frequency", Frequency), ("automation", Automation)):
        if name not in out and not isinstance(getattr(control, name, None), tp):
            out.append(name)
    assertions = getattr(control, "assertions", None) or ()
    if "assertions" not in out and not all(isinstance(a, Assertion) for a in assertions):
        out.append("assertions")
    seeds = getattr(control, "seeds", None) or ()
    if "seeds" not in out and not all(isinstance(s, str) and _SEED.match(s) for s in seeds):
        out.append("seeds")
    family = family_of(control)
    if family is not None:
        known = {a.name for a in attrs.fields(family.policy_type) if a.init}
        for lang in ("zh", "en"):
            template = getattr(control, f"activity_{lang}", "") or ""
            if any(p not in known for p in _placeholders(template)):
                out.append(f"activity_{lang}")
    return tuple(dict.fromkeys(out))


def check_catalogue(controls: Iterable[Any]) -> None:
    """Refuse to document a catalogue in which any control lacks required metadata.

    Raises:
        InvalidInput: naming the control id and the missing fields.
    """
    for c in controls:
        missing = missing_metadata(c)
        if missing:
            raise InvalidInput(
                f"control lacks required metadata: {', '.join(missing)}",
                path=str(getattr(c, "id", "?")),
            )


# -- parameters ---------------------------------------------------------------------------


def _placeholders(template: str) -> tuple[str, ...]:
    out: list[str] = []
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        return ()
    for _lit, name, _spec, _conv in parsed:
        if name:
            root = re.split(r"[.\[]", name, maxsplit=1)[0]
            if root and root not in out:
                out.append(root)
    return tuple(out)


def parameters(control: Control) -> tuple[str, ...]:
    """The family-policy keys a control's activity text names (``{key}`` placeholders)."""
    seen = _placeholders(control.activity_en) + _placeholders(control.activity_zh)
    return tuple(dict.fromkeys(seen))


def _family_policy(policy: Policy, control: Control) -> Any:
    try:
        return policy.family(control.family)
    except SalesctlError:
        return None


def param_texts(control: Control, policy: Policy, lang: str) -> list[tuple[str, str, str, bool]]:
    """``(key, configured, default, differs)`` for the control's parameters, the values as they
    read in a ``lang`` sentence (:func:`salesctl.wording.value_text`)."""
    mine = _family_policy(policy, control)
    base = _family_policy(default_policy(), control)
    rows = []
    for key in parameters(control):
        configured = getattr(mine, key, None)
        default = getattr(base, key, None)
        rows.append(
            (
                key,
                value_text(configured, lang, key),
                value_text(default, lang, key),
                unstructure(configured) != unstructure(default),
            )
        )
    return rows


def owner_text(control: Control, lang: str) -> str:
    """The owner in ``lang`` (the metadata writes it ``"english / 中文"``)."""
    return bilingual(control.owner, lang)


def evidence_text(control: Control, lang: str) -> str:
    """The evidence in ``lang`` (the metadata writes it ``"english / 中文"``)."""
    return bilingual(control.evidence, lang)


def show(data: Any) -> str:
    """A compact, TOML-like rendering of plain data (machine-readable outputs only)."""
    if isinstance(data, bool):
        return "true" if data else "false"
    if data is None:
        return "—"
    if isinstance(data, str):
        return data
    if isinstance(data, list):
        return "[" + ", ".join(show(x) for x in data) + "]"
    if isinstance(data, dict):
        return "{" + ", ".join(f"{k} = {show(v)}" for k, v in data.items()) + "}"
    return str(data)


def param_rows(control: Control, policy: Policy) -> list[tuple[str, Any, Any]]:
    """``(key, configured, default)`` as plain data for the control's parameters."""
    mine = _family_policy(policy, control)
    base = _family_policy(default_policy(), control)
    rows = []
    for key in parameters(control):
        configured = unstructure(getattr(mine, key)) if hasattr(mine, key) else None
        default = unstructure(getattr(base, key)) if hasattr(base, key) else None
        rows.append((key, configured, default))
    return rows


def activity(control: Control, policy: Policy, lang: str) -> str:
    """The control activity with the parameters as configured in ``policy``."""
    return control.activity(_family_policy(policy, control), lang)


# -- derived RCM columns ----------------------------------------------------------------------


def coso_principles(control: Control) -> tuple[str, ...]:
    """COSO 2013 principles the control supports (``"P10"``, …); :func:`coso_reasons` says why.

    P10 for every control (it is a control activity over its risks); P11 only where the control
    is a general control over technology (``COSO P11`` in ``refs``, or it runs when the policy
    loads: change control over the configuration the automated controls run on); P8 where it
    addresses the fraud risk of inflated or withheld revenue (R2.1); plus any ``COSO Pn`` in
    ``refs`` (P12 where the metadata says the control deploys a written policy).
    """
    return tuple(p for p, _why in coso_reasons(control, "en"))


def coso_reasons(control: Control, lang: str) -> tuple[tuple[str, str], ...]:
    """Each COSO principle of the control with one line saying why it applies to *this* control."""
    zh = lang == "zh"
    explicit = set()
    for ref in control.refs:
        m = re.match(r"^COSO\s+(P\d+)$", ref.strip())
        if m and m.group(1) in COSO_PRINCIPLES:
            explicit.add(m.group(1))
    risks = join(control.risks, lang)
    out: dict[str, str] = {
        "P10": (
            f"本控制是针对风险 {risks} 的控制活动：{control.title_zh}"
            if zh
            else f"a control activity over risks {risks}: {control.title_en}"
        )
    }
    if "R2.1" in control.risks:
        out["P8"] = (
            "针对收入虚增或截留、应收账款多记或少记（R2.1）的舞弊风险"
            if zh
            else "answers the fraud risk of inflated or withheld revenue (R2.1)"
        )
    if "P11" in explicit or control.frequency is Frequency.ON_POLICY_LOAD:
        out["P11"] = (
            "对自动控制所依赖的主数据或策略配置实施变更控制（信息技术一般控制）"
            if zh
            else "change control over the master data or configuration the automated controls "
            "rely on (a general control over technology)"
        )
    if "P12" in explicit:
        out["P12"] = (
            "控制元数据指明本控制部署经批准的书面政策和程序（策略文件中的职责与权限）"
            if zh
            else "deploys an approved written policy and procedure (duties and authority set in "
            "the policy file), as its metadata states"
        )
    for p in sorted(explicit - set(out), key=lambda p: int(p[1:])):
        out[p] = "控制元数据明确引用" if zh else "cited in the control's metadata"
    return tuple(sorted(out.items(), key=lambda kv: int(kv[0][1:])))


def basic_norm(control: Control) -> tuple[str, ...]:
    """The Basic Norm articles (``BN n``) among the control's ``refs``."""
    return tuple(r for r in control.refs if r.startswith("BN"))


def other_refs(control: Control) -> tuple[str, ...]:
    """The control's ``refs`` that are neither Basic Norm articles nor COSO principles."""
    return tuple(r for r in control.refs if not r.startswith(("BN", "COSO")))


def _variants(control: Control, policy: Policy) -> int:
    """Configured variants of an automated control: its distinct findings plus tier entries."""
    n = max(1, len(control.messages))
    for _key, configured, _default in param_rows(control, policy):
        if isinstance(configured, list) and configured and isinstance(configured[0], dict):
            n += len(configured)
    return n


def sample_size(control: Control, policy: Policy | None = None, lang: str = "en") -> str:
    """Suggested sample size for a test of operating effectiveness.

    Manual and IT-dependent controls by frequency: annual 1, quarterly 2, monthly 2–4, weekly
    5–15, daily 20–40, per transaction 25–60. Automated controls: one per configured variant
    (each distinct finding the control can raise, plus each band of a tiered parameter).
    """
    policy = policy if policy is not None else default_policy()
    if control.automation is Automation.AUTOMATED:
        n = _variants(control, policy)
        return (
            f"每个配置变体 1 个（共 {n} 个）" if lang == "zh" else f"1 per configured variant ({n})"
        )
    return _SAMPLE[control.frequency]


def check_name(control: Control) -> str | None:
    """The dotted name of the control's preventive check, None when it has none."""
    if control.check is None:
        return None
    mod = getattr(control.check, "__module__", "") or ""
    name = getattr(control.check, "__qualname__", None) or getattr(control.check, "__name__", "")
    return f"{mod}.{name}" if mod else str(name)


def conflicts(control: Control, lang: str) -> str:
    """The segregation conflicts: the control's own, or the generic rule for its kind."""
    if control.conflicts:
        return join((bilingual(x, lang) for x in control.conflicts), lang, "；" if lang == "zh" else "; ")
    if control.kind is Kind.PREVENTIVE and control.check is not None:
        return (
            "通用规则：清除挂起的审批人不得是经办人或提议人，须具备所需角色（或同一权限线上的更高角色）和级别；"
            "多级审批按顺序进行，每一步须由不同的人签署（salesctl.approvals）"
            if lang == "zh"
            else "Generic rule: an approval clearing a HOLD must come from someone other than the "
            "acting user and the proposer, in the required role (or a higher one in the same line of "
            "authority) and level; a multi-step sign-off is signed in order, each step by a "
            "different person (salesctl.approvals)"
        )
    return (
        "执行人不得同时编制被复核的记录"
        if lang == "zh"
        else "The performer does not also prepare the records reviewed"
    )


def _message_keys(control: Control, lang: str = "en") -> str:
    return join((f"`{k}`" for k in control.messages), lang) if control.messages else "—"


def design_test(control: Control, lang: str = "en") -> str:
    """A test of design derived from the control's kind, automation and frequency."""
    zh = lang == "zh"
    check = check_name(control)
    applies = join((f"`{a}`" for a in control.applies_to), lang)
    if control.frequency is Frequency.ON_POLICY_LOAD:
        if zh:
            return (
                "检查策略文件的校验逻辑及其测试；用 `salesctl policy validate` 加载一份违反本控制的"
                "策略，确认被拒绝并指明参数路径和行号；确认生产环境使用的策略文件指纹与批准的一致。"
            )
        return (
            "Inspect the policy validation and its tests; load a policy that breaks the rule with "
            "`salesctl policy validate` and confirm it is refused, naming the key path and line; "
            "confirm the policy fingerprint in production is the approved one."
        )
    if control.kind is Kind.PREVENTIVE and check is not None:
        if zh:
            return (
                f"检查控制逻辑 `{check}` 及其测试和当前策略：确认上表参数为经批准的参数且控制已启用；"
                f"对 {applies} 各走查一笔应通过和一笔应触发的交易（`salesctl check --policy 策略文件 交易.json`），"
                f"确认结论和发现中的控制编号 {control.id}；确认宿主系统在过账 {applies} 前调用 `Gate.check`，"
                "且在阻止或未清除的挂起时不过账（见宿主集成指南）。"
            )
        return (
            f"Inspect the control logic `{check}`, its tests and the policy in force: confirm the "
            "parameters above are the approved ones and the control is enabled. For each "
            f"transaction type ({applies}) walk through one transaction that should pass and one "
            "that should fire (`salesctl check --policy FILE TXN.json`) and confirm the outcome "
            f"and a finding naming {control.id}. Confirm the host calls `Gate.check` before "
            f"posting ({applies}) and does not post on BLOCK or on an "
            "uncleared HOLD (host-integration guide)."
        )
    freq = pick(FREQUENCY[control.frequency], lang)
    if control.kind is Kind.DETECTIVE:
        if zh:
            return (
                f"检查{freq}检查的定义、输入记录的完整性和执行时间表，确认责任人（{owner_text(control, lang)}）"
                "及异常跟进流程；用一个预置差异的期间走查一次，确认差异被报告。"
            )
        return (
            f"Inspect the definition of the {freq} check, the completeness of the records it "
            f"reads and its schedule; confirm the owner ({owner_text(control, lang)}) and how exceptions are "
            "followed up. Walk through one period with a seeded exception and confirm it is reported."
        )
    if zh:
        return (
            f"检查书面程序和证据模板（{evidence_text(control, lang)}），确认执行人（{owner_text(control, lang)}）具备胜任能力"
            "且与被复核工作不相容职务分离；走查一例。"
        )
    return (
        f"Inspect the written procedure and the evidence template ({evidence_text(control, lang)}); confirm "
        f"the performer ({owner_text(control, lang)}) is competent and independent of the work reviewed; "
        "walk through one instance."
    )


def operating_effectiveness_test(
    control: Control, policy: Policy | None = None, lang: str = "en"
) -> str:
    """A test of operating effectiveness derived from the control's metadata and the policy."""
    policy = policy if policy is not None else default_policy()
    zh = lang == "zh"
    size = sample_size(control, policy, lang)
    applies = (
        join((f"`{a}`" for a in control.applies_to), lang)
        if control.applies_to
        else ("相关记录" if zh else "records")
    )
    cat = CATALOGUE_FINGERPRINT[:12]
    pol = policy.fingerprint[:12]
    if control.automation is Automation.AUTOMATED:
        n = _variants(control, policy)
        if zh:
            return (
                f"自动控制，基准测试法：对 {n} 个配置变体（结论键 {_message_keys(control, lang)}）各"
                f"用当前策略重新执行一笔交易（{applies}）并与决策日志比对；再从决策日志确认期间内所有"
                f"决策的目录指纹为 `{cat}…`、策略指纹为 `{pol}…`（或经批准的变更），"
                "从而将结论推及整个期间（PCAOB AS 2201 附录 B 自动控制基准测试）。"
            )
        return (
            f"Automated control, benchmarking: for each of the {n} configured variants (findings "
            f"{_message_keys(control, lang)}) re-perform one transaction ({applies}) with the policy in "
            "force and compare with the decision log; then confirm from the decision log that every decision "
            f"of the period carries catalogue fingerprint `{cat}…` and policy fingerprint "
            f"`{pol}…` (or an approved change), which extends the result to the whole period "
            "(benchmarking of automated controls, PCAOB AS 2201 Appendix B)."
        )
    instances = pick(INSTANCES[control.frequency], lang)
    if size == "1" and not zh:
        instances = _SINGULAR.get(instances, instances)
    if control.kind is Kind.PREVENTIVE and control.check is not None:
        if zh:
            return (
                f"从决策日志中跨期间抽取 {size} {instances}（{applies}）：确认 {control.id} 的发现与记录的"
                "事实一致；对每个经审批清除的挂起，检查审批的角色、级别、非提议人、单据和金额、有效期，"
                f"并核对证据（{evidence_text(control, lang)}）。"
            )
        return (
            f"Select {size} {instances} ({applies}) across the period from the decision log: "
            f"confirm the finding of {control.id} agrees with the facts recorded; for each HOLD "
            "cleared by approvals, inspect the approval (role, level, not the proposer, this "
            f"document and amount, unexpired) against the evidence ({evidence_text(control, lang)})."
        )
    if zh:
        return (
            f"跨期间抽取 {size} {instances}：检查证据（{evidence_text(control, lang)}），重新执行，"
            "确认差异均已调查并及时处理。"
        )
    return (
        f"Select {size} {instances} across the period: inspect the evidence "
        f"({evidence_text(control, lang)}), re-perform it, and confirm every exception was investigated and "
        "resolved in time."
    )
