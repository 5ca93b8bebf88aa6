"""The policy: every family's parameters together, validated at construction.

A policy file is TOML. Its ``[policy]`` table names the policy, its time zone (``timezone``:
the zone in which a transaction's time gives its business date) and lists switched-off
controls; every other top-level table is a control family (``[credit]``, …) whose keys are
the fields of that family's policy class. An ``[acknowledged]`` table owns up to the controls the
policy weakens (``"O2C-CR-04" = "reason"``): a ★ key control switched off, or a parameter that
leaves a control unable to fire (:mod:`salesctl.controls.weakening`); a weakening not
acknowledged there is refused. Unknown keys, wrong types and impossible values raise
:class:`~salesctl.errors.PolicyError` naming the key path and the line. A table left out
takes the family's defaults (``Policy.default()``), and the generated documentation shows each
deviation from them.

Decimals in TOML are read exactly (``0.60`` is ``Decimal("0.60")``, never a float).

>>> from salesctl.policy import Policy, loads_policy
>>> p = loads_policy('[policy]\\nname = "demo"\\ndisabled = ["O2C-CR-07"]\\n')
>>> p.name, "O2C-CR-07" in p.disabled
('demo', True)
>>> loads_policy('[credit]\\nlimit_aproval_role = "x"\\n')
Traceback (most recent call last):
...
salesctl.errors.PolicyError: line 2: credit.limit_aproval_role: unknown field ...
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import tomllib
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs
from attrs import field, frozen

from salesctl._convert import structure, toml_too_deep, unstructure
from salesctl._validators import (
    FrozenMap,
    each,
    frozenmap_conv,
    frozenset_conv,
    mapping,
    text,
    typed,
)
from salesctl.approvals import Authority
from salesctl.control import FROM_FAMILY, Control, Family
from salesctl.controls import CATALOGUE_FINGERPRINT, CONTROLS, FAMILIES
from salesctl.controls.weakening import GENERAL, Weakening
from salesctl.errors import InvalidInput, PolicyError, SalesctlError
from salesctl.money import CURRENCIES, Money

__all__ = [
    "DEFAULT_TIMEZONE",
    "Policy",
    "Weakening",
    "affects",
    "catalogue",
    "load_policy",
    "loads_policy",
    "parse_timezone",
    "toml_text",
    "weakenings_of",
]

#: The policy's time zone when it names none: China Standard Time, a fixed offset (no tz data).
DEFAULT_TIMEZONE = "+08:00"

_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")


def _families() -> Mapping[str, Family]:
    return FAMILIES


def catalogue() -> tuple[Mapping[str, Control], str]:
    """The control catalogue: every control by id, and the catalogue's fingerprint.

    What the gate runs, read here so that the gate names no control module.
    """
    return CONTROLS, CATALOGUE_FINGERPRINT


def _resolve(value: Any, families: Mapping[str, Any]) -> Any:
    """``value`` with its cross-family fields (:data:`FROM_FAMILY`) filled from ``families``.

    The family policy given is left as it is: a copy carries the filled fields.
    """
    needs = [a for a in attrs.fields(type(value)) if FROM_FAMILY in a.metadata]
    if not needs:
        return value
    resolved = attrs.evolve(value)
    for a in needs:
        object.__setattr__(resolved, a.name, families[a.metadata[FROM_FAMILY]])
    return resolved


def affects() -> dict[str, tuple[str, ...]]:
    """The map "policy key -> controls it affects", from the families' ``AFFECTS`` declarations.

    Keys are ``family.field`` (``"credit.credit_methods"``); a general parameter maps to ``()``.

    >>> affects()["duties.conflicts"]
    ('O2C-SD-01',)
    """
    out: dict[str, tuple[str, ...]] = {}
    for name, fam in _families().items():
        declared: Mapping[str, tuple[str, ...]] = getattr(fam.policy_type, "AFFECTS", {})
        for a in attrs.fields(fam.policy_type):
            if a.init:
                ids = declared.get(a.name, ())
                out[f"{name}.{a.name}"] = () if ids == GENERAL else tuple(ids)
    return out


def weakenings_of(
    families: Mapping[str, Any] | None = None, disabled: frozenset[str] = frozenset()
) -> tuple[Weakening, ...]:
    """The weakenings of a policy made of ``families`` (others at their defaults) that switches
    off ``disabled``: every ★ key control switched off, and every family's declared weakenings.

    Keys are full policy paths (``"policy.disabled"``, ``"credit.credit_methods"``).
    """
    out = [
        Weakening(cid, "policy.disabled", "the key control is switched off")
        for cid in sorted(disabled)
        if cid in CONTROLS and CONTROLS[cid].key
    ]
    given = families or {}
    for name in _families():
        value = given.get(name)
        if value is None:
            continue  # the defaults weaken nothing (tests/test_weakening.py)
        weakened = getattr(value, "weakened", None)
        if weakened is not None:
            out += [attrs.evolve(w, key=f"{name}.{w.key}") for w in weakened()]
    return tuple(out)


def _acknowledged(_i: Any, _a: Any, value: Any) -> None:
    if not isinstance(value, FrozenMap):
        raise PolicyError("must be a table of control id = reason", path="acknowledged")
    for cid, why in value.items():
        if cid not in CONTROLS:
            raise PolicyError("unknown control id", path=f"acknowledged.{cid}", value=cid)
        if not isinstance(why, str) or not why.strip():
            raise PolicyError(
                "must give the reason the control is weakened", path=f"acknowledged.{cid}"
            )


def parse_timezone(name: str) -> dt.tzinfo:
    """The time zone a policy names: a fixed UTC offset ``"+08:00"`` / ``"-05:30"``, ``"UTC"``,
    or an IANA name (``"Asia/Shanghai"``) when this machine's time-zone data has it.

    Raises:
        PolicyError: for anything else (path ``policy.timezone``).

    >>> parse_timezone("+08:00")
    datetime.timezone(datetime.timedelta(seconds=28800))
    """
    if not isinstance(name, str):
        raise PolicyError("must be a string", path="policy.timezone", value=name)
    m = _OFFSET.match(name)
    if m is not None:
        hours, minutes = int(m.group(2)), int(m.group(3))
        if hours > 23 or minutes > 59:
            raise PolicyError("is not a UTC offset", path="policy.timezone", value=name)
        offset = dt.timedelta(hours=hours, minutes=minutes)
        return dt.timezone(-offset if m.group(1) == "-" else offset)
    if name in ("UTC", "Z"):
        return dt.UTC
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
        raise PolicyError(
            'unknown time zone (give a UTC offset like "+08:00", or an IANA name this '
            "machine's time-zone data knows)",
            path="policy.timezone",
            value=name,
        ) from None


def _timezone(_i: Any, _a: Any, value: Any) -> None:
    parse_timezone(value)


def _currency(_i: Any, _a: Any, value: Any) -> None:
    if not isinstance(value, str) or value not in CURRENCIES:
        raise PolicyError(
            "is not a known ISO 4217 currency code", path="policy.base_currency", value=value
        )


_DEFAULT_AUTHORITY = Authority()
#: The pseudo-family name under which ``FROM_FAMILY`` fields receive the policy's Authority.
_AUTHORITY = "authority"


@frozen
class Policy:
    """All control parameters in force.

    Attributes:
        name: a name for reports, e.g. ``"East subsidiary 2026"``.
        base_currency: currency of the policy's thresholds.
        timezone: the zone of the business date (``"+08:00"`` by default, or an IANA name): a
            transaction's business date is its time ``txn.at`` in this zone; the gate refuses a
            context dated otherwise (see ``docs/decisions.md``, "The business date").
        disabled: ids of controls switched off by this policy.
        families: the family policies by family name (missing families take defaults).
        acknowledged: the weakened controls the policy owns up to, ``control id -> reason``
            (``[acknowledged]``): every weakening (:meth:`weakenings`) must be acknowledged,
            and only weakenings may be.

        authority: the lines of authority the approval engine uses (``[authority]``; a
            family policy asks for it with ``FROM_FAMILY: "authority"``).
        fingerprint: SHA-256 of the canonical JSON of the policy (computed).
    """

    name: str = field(default="default", validator=text)
    base_currency: str = field(default="CNY", validator=_currency)
    timezone: str = field(default=DEFAULT_TIMEZONE, validator=_timezone, kw_only=True)
    disabled: frozenset[str] = field(
        default=frozenset(), converter=frozenset_conv, validator=each(str)
    )
    families: FrozenMap[str, Any] = field(
        default=FrozenMap(), converter=frozenmap_conv, validator=mapping
    )
    acknowledged: FrozenMap[str, str] = field(
        default=FrozenMap(), converter=frozenmap_conv, validator=_acknowledged
    )

    authority: Authority = field(default=_DEFAULT_AUTHORITY, validator=typed(Authority))
    fingerprint: str = field(init=False, eq=False, repr=False)
    _weakenings: tuple[Weakening, ...] = field(init=False, eq=False, repr=False, default=())
    #: The :attr:`timezone` as a ``tzinfo`` (computed).
    zone: dt.tzinfo = field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "zone", parse_timezone(self.timezone))
        known = _families()
        filled: dict[str, Any] = {}
        for name in self.families:
            if name not in known:
                raise PolicyError(
                    f"unknown control family (known: {', '.join(sorted(known))})", path=name
                )
        for name, fam in known.items():
            value = self.families.get(name)
            if value is None:
                try:
                    value = fam.policy_type()
                except SalesctlError as e:  # pragma: no cover - defaults are tested valid
                    raise PolicyError(e.reason, path=name) from None
            elif not isinstance(value, fam.policy_type):
                raise PolicyError(
                    f"must be a {fam.policy_type.__name__}", path=name, value=type(value).__name__
                )
            check = getattr(value, "check_policy", None)
            if check is not None:
                try:
                    check(self)
                except SalesctlError as e:
                    raise PolicyError(
                        e.reason, path=f"{name}.{e.path}" if e.path else name, value=e.value
                    ) from None
            filled[name] = value
        # Cross-family needs are resolved here, once: a family policy that uses another
        # family's parameters (delivery re-checks credit) receives the one in force.
        shared = {**filled, _AUTHORITY: self.authority}
        for name, value in filled.items():
            filled[name] = _resolve(value, shared)
        object.__setattr__(self, "families", FrozenMap(filled))
        ids = {c.id for fam in known.values() for c in fam.controls}
        for cid in sorted(self.disabled):
            if cid not in ids:
                raise PolicyError("unknown control id", path="policy.disabled", value=cid)
        self._check_weakenings()
        canonical = json.dumps(
            self.to_dict(), sort_keys=True, ensure_ascii=False, separators=(",", ":")
        )
        object.__setattr__(self, "fingerprint", hashlib.sha256(canonical.encode()).hexdigest())

    def _check_weakenings(self) -> None:
        """Refuse weakenings the policy does not acknowledge, and acknowledgements of nothing."""
        found = weakenings_of(self.families, self.disabled)
        missing = [w for w in found if w.control_id not in self.acknowledged]
        if missing:
            first = missing[0]
            same = [w for w in missing if w.key == first.key and w.why == first.why]
            named = ", ".join(
                f"{w.control_id}{' ★' if CONTROLS[w.control_id].key else ''}" for w in same
            )
            raise PolicyError(
                f"weakens {named} ({first.why}); if that is intended, acknowledge each control "
                f'with its reason under [acknowledged], e.g. "{first.control_id}" = "<reason>"',
                path=first.key,
            )
        weakened = {w.control_id for w in found}
        for cid in sorted(self.acknowledged):
            if cid not in weakened:
                raise PolicyError(
                    "acknowledges a control this policy does not weaken (remove the entry)",
                    path=f"acknowledged.{cid}",
                )
        object.__setattr__(self, "_weakenings", found)

    def weakenings(self) -> tuple[Weakening, ...]:
        """The acknowledged weakenings: controls switched off or unable to fire, with the key.

        >>> p = loads_policy('[duties]\\nconflicts = []\\n[acknowledged]\\n"O2C-SD-01" = "x"\\n')
        >>> [(w.control_id, w.key) for w in p.weakenings()]
        [('O2C-SD-01', 'duties.conflicts')]
        """
        return self._weakenings

    def weakened(self) -> tuple[str, ...]:
        """Ids of the weakened controls, sorted, each once."""
        return tuple(sorted({w.control_id for w in self._weakenings}))

    @classmethod
    def default(cls) -> Policy:
        """The default policy: every control on, every family at its defaults."""
        return cls()

    def business_date(self, at: dt.datetime) -> dt.date:
        """The business date of a moment: ``at`` in the policy's time zone, its date.

        >>> import datetime as dt
        >>> utc = dt.datetime(2026, 3, 1, 17, 0, tzinfo=dt.UTC)
        >>> Policy.default().business_date(utc)
        datetime.date(2026, 3, 2)
        """
        return at.astimezone(self.zone).date()

    def family(self, name: str) -> Any:
        """The policy object of family ``name``.

        Raises:
            PolicyError: for an unknown family.
        """
        try:
            return self.families[name]
        except KeyError:
            raise PolicyError("unknown control family", path=name) from None

    def is_enabled(self, control_id: str) -> bool:
        """True unless the policy switches the control off."""
        return control_id not in self.disabled

    def to_dict(self) -> dict[str, Any]:
        """The policy as data shaped like the TOML file."""
        out: dict[str, Any] = {
            "policy": {
                "name": self.name,
                "base_currency": self.base_currency,
                "timezone": self.timezone,
                "disabled": sorted(self.disabled),
            }
        }
        if self.authority != _DEFAULT_AUTHORITY:  # older policies keep their fingerprint
            out[_AUTHORITY] = unstructure(self.authority)
        for name in sorted(self.families):
            out[name] = unstructure(self.families[name])
        if self.acknowledged:
            out["acknowledged"] = dict(sorted(self.acknowledged.items()))
        return out

    def to_toml(self) -> str:
        """The policy as a policy file: ``loads_policy(p.to_toml()) == p``.

        Decimals are written as TOML numbers (exactly), amounts as ``"1000.00 CNY"``.

        Raises:
            PolicyError: for a parameter set to ``None`` whose default is not ``None`` (TOML
                has no null: the key left out would read back as the default).
        """
        data: dict[str, Any] = {"policy": self.to_dict()["policy"]}
        if self.authority != _DEFAULT_AUTHORITY:
            data[_AUTHORITY] = _plain(self.authority, _AUTHORITY)
        for name in sorted(self.families):
            data[name] = _plain(self.families[name], name)
        if self.acknowledged:
            data["acknowledged"] = dict(sorted(self.acknowledged.items()))
        return toml_text(data)

    def deviations(self) -> dict[str, dict[str, tuple[Any, Any]]]:
        """Parameters that differ from the defaults: ``family -> key -> (default, configured)``."""
        default = Policy.default().to_dict()
        default[_AUTHORITY] = unstructure(_DEFAULT_AUTHORITY)
        mine = self.to_dict()
        out: dict[str, dict[str, tuple[Any, Any]]] = {}
        for fam, table in mine.items():
            if fam in ("policy", "acknowledged"):
                continue
            for key, value in table.items():
                if default[fam].get(key) != value:
                    out.setdefault(fam, {})[key] = (default[fam].get(key), value)
        return out


# -- writing TOML -------------------------------------------------------------------------


def _plain(value: Any, path: str) -> Any:
    """Like :func:`salesctl._convert.unstructure`, but Decimals stay numbers."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, tuple | list):
        return [_plain(v, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, frozenset):
        return sorted((_plain(v, path) for v in value), key=repr)
    if isinstance(value, Mapping):
        return {str(k): _plain(v, f"{path}.{k}") for k, v in value.items()}
    if hasattr(value, "to_data"):  # a value with its own data form (payment terms)
        return value.to_data()
    if attrs.has(type(value)) and not isinstance(value, Money):
        out: dict[str, Any] = {}
        for a in attrs.fields(type(value)):
            if not a.init:
                continue
            v = getattr(value, a.name)
            if v is None:
                default: Any = a.default
                if hasattr(default, "factory") and hasattr(default, "takes_self"):
                    default = default.factory()  # an attrs Factory
                if default is not None:
                    raise PolicyError(
                        "is None, which a policy file cannot say (TOML has no null)",
                        path=f"{path}.{a.name}",
                    )
                continue
            out[a.name] = _plain(v, f"{path}.{a.name}")
        return out
    return unstructure(value)


_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_key(k: str) -> str:
    return k if _BARE_KEY.match(k) else _toml_str(k)


def _toml_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_inline(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | Decimal | float):
        return str(v).replace("Infinity", "inf").replace("NaN", "nan")
    if isinstance(v, str):
        return _toml_str(v)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_inline(x) for x in v if x is not None) + "]"
    if isinstance(v, Mapping):
        items = (f"{_toml_key(str(k))} = {_toml_inline(x)}" for k, x in v.items() if x is not None)
        return "{" + ", ".join(items) + "}"
    raise PolicyError(f"cannot write a {type(v).__name__} in TOML", value=v)


def toml_text(data: Mapping[str, Any]) -> str:
    """TOML text of policy-shaped data (``None`` values are left out: TOML has no null): a table per family; within it, tables for mappings
    and arrays of tables for lists of objects, inline values below that."""
    lines: list[str] = []
    tables = []
    for name, table in data.items():
        if isinstance(table, Mapping):
            tables.append((name, table))
        elif table is not None:
            lines.append(f"{_toml_key(name)} = {_toml_inline(table)}")
    for name, table in tables:
        head = _toml_key(name)
        lines += ["", f"[{head}]"]
        subs: list[str] = []
        for k, v in table.items():
            key = _toml_key(str(k))
            if v is None:
                continue
            if isinstance(v, Mapping) and v:
                subs += ["", f"[{head}.{key}]"]
                subs += [f"{_toml_key(str(a))} = {_toml_inline(b)}" for a, b in v.items() if b is not None]
            elif isinstance(v, list) and v and all(isinstance(x, Mapping) for x in v):
                for x in v:
                    subs += ["", f"[[{head}.{key}]]"]
                    subs += [f"{_toml_key(str(a))} = {_toml_inline(b)}" for a, b in x.items() if b is not None]
            else:
                lines.append(f"{key} = {_toml_inline(v)}")
        lines += subs
    return "\n".join(lines).lstrip("\n") + "\n"


# -- reading TOML -------------------------------------------------------------------------

_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-\.\"' ]+?)\s*=")


def _norm_key(k: str) -> str:
    return ".".join(p.strip().strip("\"'") for p in k.split("."))


def _line_of(source: str, path: str) -> int | None:
    """Best-effort 1-based line of ``path`` (``a.b[1].c``) in TOML ``source``.

    Tracks tables and arrays of tables (``[[a.b]]`` occurrences become ``a.b[0]``, ``a.b[1]``,
    …) and returns the line of the longest prefix of ``path`` that a header or key names.
    """
    if not path:
        return None
    counts: dict[str, int] = {}
    table = ""
    best: tuple[int, int] | None = None  # (matched length, line)
    for n, raw in enumerate(source.splitlines(), start=1):
        m = _HEADER.match(raw)
        if m:
            name = _norm_key(m.group(1))
            if raw.lstrip().startswith("[["):
                i = counts.get(name, -1) + 1
                counts[name] = i
                table = f"{name}[{i}]"
                # the array itself (``a.b``) is named by its first ``[[a.b]]`` header
                candidates = [table, name] if i == 0 else [table]
            else:
                table = name
                candidates = [table]
        else:
            m = _KEY.match(raw)
            if not m:
                continue
            key = _norm_key(m.group(1))
            candidates = [f"{table}.{key}" if table else key]
        for cand in candidates:
            if path == cand:
                return n
            for sep in (".", "["):
                if path.startswith(cand + sep) and (best is None or len(cand) > best[0]):
                    best = (len(cand), n)
    return best[1] if best else None


# -- tables of older policy files ---------------------------------------------------------
#
# Controls moved between families keep their parameters' names, so an older policy file still
# says what it meant. ``[period_end]`` (a family until its controls went to the families their
# ids name) is read as an alias: each of its keys goes to every family below whose policy class
# has a field of that name (``follow_up_level`` to all of them). Keys that left a family that
# still exists (``[receivables]``: O2C-CR-03's to ``[credit]``) move the same way. A key given
# both in the old table and in its new one is an error naming both.

#: Retired table -> the families that took over its keys.
_RETIRED: dict[str, tuple[str, ...]] = {
    "period_end": ("orders", "contracts", "delivery", "billing", "revenue", "inventory"),
    "receivables": ("credit",),
}


def _retired_tables(data: dict[str, Any], known: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` with the keys of retired tables moved into the families that now own them.

    Raises:
        PolicyError: for a key given in both tables, or a key of a retired table no family has.
    """
    def keys(family: str) -> set[str]:
        return {a.name for a in attrs.fields(known[family].policy_type) if a.init}

    out = dict(data)
    for old, targets in _RETIRED.items():
        table = out.get(old)
        if not isinstance(table, dict):
            continue
        kept = keys(old) if old in known else set()
        rest: dict[str, Any] = {}
        for key, value in table.items():
            owners = [t for t in targets if key in keys(t)]
            if key in kept or not owners:
                rest[key] = value
                continue
            for t in owners:
                new = out.get(t)
                new = dict(new) if isinstance(new, dict) else {}
                if key in new:
                    raise PolicyError(
                        f"given twice: {old}.{key} (older table) and {t}.{key}; keep {t}.{key}",
                        path=f"{old}.{key}",
                    )
                new[key] = value
                out[t] = new
        if old in known:
            out[old] = rest
        elif rest:
            raise PolicyError(
                f"unknown key (the [{old}] table's keys now live in: {', '.join(targets)})",
                path=f"{old}.{next(iter(rest))}",
            )
        else:
            del out[old]
    return out


def loads_policy(source: str, *, origin: str = "<string>") -> Policy:
    """Build a :class:`Policy` from TOML text.

    Args:
        source: the TOML text.
        origin: file name for error messages.

    Returns:
        The validated policy.

    Raises:
        PolicyError: for TOML syntax errors, unknown tables or keys, wrong types and
            impossible values, naming the key path and the line.
    """
    refused = toml_too_deep(source)  # before the parser recurses, or int() refuses the digits
    if refused is not None:
        raise PolicyError(f"{origin}: {refused[1]}", line=refused[0])
    try:
        data = tomllib.loads(source, parse_float=Decimal)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"line (\d+)", str(e))
        raise PolicyError(
            f"{origin}: not valid TOML: {e}", line=int(m.group(1)) if m else None
        ) from None
    except (RecursionError, ValueError) as e:  # what toml_too_deep missed
        raise PolicyError(f"{origin}: not read: {type(e).__name__}") from None
    known = _families()
    try:
        meta = data.get("policy", {})
        if not isinstance(meta, dict):
            raise PolicyError("must be a table", path="policy")
        for key in meta:
            if key not in ("name", "base_currency", "timezone", "disabled"):
                raise PolicyError(
                    "unknown key (known: name, base_currency, timezone, disabled)",
                    path=f"policy.{key}",
                )
        data = _retired_tables(data, known)
        families: dict[str, Any] = {}
        kwargs: dict[str, Any] = {"families": families}
        for key, table in data.items():
            if key in ("policy", "acknowledged"):
                continue
            if key == _AUTHORITY:
                try:
                    kwargs[key] = structure(table, Authority, key)
                except InvalidInput as e:
                    raise PolicyError(e.reason, path=e.path, value=e.value) from None
                continue
            fam = known.get(key)
            if fam is None:
                raise PolicyError(
                    "unknown table (known: policy, acknowledged, authority, "
                    f"{', '.join(sorted(known))})",
                    path=key,
                )
            try:
                families[key] = structure(table, fam.policy_type, key)
            except InvalidInput as e:
                raise PolicyError(e.reason, path=e.path, value=e.value) from None
        if "acknowledged" in data:
            ack = data["acknowledged"]
            if not isinstance(ack, dict):
                raise PolicyError('must be a table of "control id" = "reason"', path="acknowledged")
            for cid, why in ack.items():
                if not isinstance(why, str):
                    raise PolicyError("must be the reason, as a string", path=f"acknowledged.{cid}")
            kwargs["acknowledged"] = ack
        for key, tp in (("name", str), ("base_currency", str), ("timezone", str)):
            if key in meta:
                if not isinstance(meta[key], tp):
                    raise PolicyError("must be a string", path=f"policy.{key}", value=meta[key])
                kwargs[key] = meta[key]
        if "disabled" in meta:
            dis = meta["disabled"]
            if not isinstance(dis, list) or not all(isinstance(x, str) for x in dis):
                raise PolicyError(
                    "must be a list of control ids", path="policy.disabled", value=dis
                )
            kwargs["disabled"] = frozenset(dis)
        try:
            return Policy(**kwargs)
        except InvalidInput as e:
            raise PolicyError(e.reason, path=e.path, value=e.value) from None
    except PolicyError as e:
        if e.line is None:
            line = _line_of(source, e.path)
            if line is not None:
                raise e.at(None, line=line) from None
        raise


def load_policy(path: str | Path) -> Policy:
    """Read a policy file (TOML).

    Args:
        path: the file.

    Raises:
        PolicyError: if the file cannot be read or is invalid (with the key path and line).
    """
    p = Path(path)
    try:
        source = p.read_text(encoding="utf-8")
    except OSError as e:
        raise PolicyError(f"cannot read policy file: {e.strerror}", path=str(p)) from None
    except UnicodeDecodeError:
        raise PolicyError("policy file is not UTF-8 text", path=str(p)) from None
    return loads_policy(source, origin=str(p))
