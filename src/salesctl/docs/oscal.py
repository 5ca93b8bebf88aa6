"""The catalogue and salesctl's implementation of it in NIST OSCAL (JSON-ready data).

``controls/oscal-catalog.json`` (:func:`oscal_catalog`) and
``controls/oscal-component-definition.json`` (:func:`oscal_component_definition`); UUIDs are
derived from control ids and fingerprints, so two generations differ only where the catalogue
or the policy did.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import attrs

from salesctl._version import __version__
from salesctl.control import Control
from salesctl.controls import CATALOGUE_FINGERPRINT, FAMILIES
from salesctl.docs.derived import (
    activity,
    check_name,
    controls_of,
    coso_principles,
    default_policy,
    design_test,
    evidence_text,
    operating_effectiveness_test,
    owner_text,
    sample_size,
)
from salesctl.errors import InvalidInput
from salesctl.policy import Policy
from salesctl.wording import term, value_text

__all__ = ["OSCAL_VERSION", "oscal_catalog", "oscal_component_definition"]

#: The OSCAL version the generated JSON is written against (validated in the tests).
OSCAL_VERSION = "1.2.1"

_NS = uuid.uuid5(uuid.NAMESPACE_URL, "urn:salesctl")
_PROP_NS = "https://salesctl.invalid/ns/oscal"


def _uuid(name: str) -> str:
    return str(uuid.uuid5(_NS, name))


def _values(value: Any, key: str) -> list[str]:
    """OSCAL parameter values as they read in English (:func:`salesctl.wording.value_text`):
    one per item of a collection of plain values, else one for the whole value."""
    if isinstance(value, tuple | frozenset) and not any(attrs.has(type(x)) for x in value):
        items = [value_text(x, "en", key) for x in value]
        if isinstance(value, frozenset):
            items.sort()
    else:
        items = [value_text(value, "en", key)]
    items = [" ".join(s.split()) for s in items]
    items = [s for s in items if s]
    return items or ["none"]


def _param_id(family: str, key: str) -> str:
    return f"{family}.{key}"


def _insert_param(family: str) -> Callable[[re.Match[str]], str]:
    def sub(m: re.Match[str]) -> str:
        return "{{ insert: param, " + _param_id(family, m.group(1)) + " }}"

    return sub


def _timestamp(value: dt.datetime | None) -> str:
    if value is None:
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        if epoch and epoch.isdigit():
            value = dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
        else:
            value = dt.datetime.now(dt.UTC).replace(microsecond=0)
    if value.tzinfo is None:
        raise InvalidInput("must carry a UTC offset", path="timestamp", value=str(value))
    return value.isoformat()


def _prop(name: str, value: str) -> dict[str, str]:
    return {"name": name, "ns": _PROP_NS, "value": " ".join(value.split()) or "none"}


def oscal_catalog(
    controls: Mapping[str, Control] | None = None, *, timestamp: dt.datetime | None = None
) -> dict[str, Any]:
    """The control catalogue as an OSCAL catalog (JSON-ready data).

    One group per family with the family's policy keys as parameters (defaults as values);
    each control's statement is its activity text with ``{{ insert: param, … }}`` for the
    parameters, so :func:`oscal_component_definition` can set them.
    """
    cs = controls_of(controls)
    default = default_policy()
    groups = []
    for fam in FAMILIES.values():
        items = [c for c in cs.values() if c.family == fam.name]
        if not items:
            continue
        base = default.family(fam.name)
        params = [
            {
                "id": _param_id(fam.name, a.name),
                "label": term(a.name, "en"),
                "values": _values(getattr(base, a.name), a.name),
            }
            for a in attrs.fields(fam.policy_type)
            if a.init
        ]
        controls_out = []
        for c in items:
            prose = re.sub(r"\{(\w+)\}", _insert_param(fam.name), c.activity_en)
            controls_out.append(
                {
                    "id": c.id,
                    "title": c.title_en,
                    "props": [
                        _prop("label-zh", c.title_zh),
                        _prop("kind", c.kind.value),
                        _prop("frequency", c.frequency.value),
                        _prop("automation", c.automation.value),
                        _prop("key-control", "true" if c.key else "false"),
                        _prop("stage", c.stage),
                        _prop("version", str(c.version)),
                    ]
                    + [_prop("risk", r) for r in c.risks]
                    + [
                        _prop("assertion", a.value)
                        for a in sorted(c.assertions, key=lambda a: a.value)
                    ]
                    + [_prop("g9-article", str(n)) for n in c.g9]
                    + [_prop("seed", s) for s in c.seeds],
                    "parts": [
                        {"id": f"{c.id}_smt", "name": "statement", "prose": prose},
                        {"id": f"{c.id}_obj", "name": "objective", "prose": c.objective_en},
                    ],
                }
            )
        groups.append(
            {
                "id": fam.name,
                "title": fam.title_en,
                "params": params,
                "controls": controls_out,
            }
        )
    return {
        "catalog": {
            "uuid": _uuid(f"catalog:{CATALOGUE_FINGERPRINT}"),
            "metadata": {
                "title": "salesctl order-to-cash control catalogue",
                "last-modified": _timestamp(timestamp),
                "version": __version__,
                "oscal-version": OSCAL_VERSION,
                "props": [_prop("catalogue-fingerprint", CATALOGUE_FINGERPRINT)],
            },
            "groups": groups,
        }
    }


def oscal_component_definition(
    policy: Policy | None = None,
    controls: Mapping[str, Control] | None = None,
    *,
    timestamp: dt.datetime | None = None,
    catalog_href: str = "oscal-catalog.json",
) -> dict[str, Any]:
    """salesctl as an OSCAL software component implementing the catalogue (JSON-ready data).

    The policy's parameters are ``set-parameters``; UUIDs are ``uuid5`` of the control ids
    (and, for the document, of the catalogue and policy fingerprints), so a diff between two
    generations shows only what changed.

    Args:
        policy: the policy in force (the default policy when omitted).
        controls: the controls (the registry when omitted).
        timestamp: ``metadata.last-modified`` (``SOURCE_DATE_EPOCH`` or now when omitted).
        catalog_href: the ``source`` of the control implementation (the OSCAL catalog).
    """
    policy = policy if policy is not None else default_policy()
    cs = controls_of(controls)
    set_params = []
    documented = {c.family for c in cs.values()}
    for name, fam in FAMILIES.items():
        if name not in documented:
            continue
        fp = policy.family(name)
        for a in attrs.fields(fam.policy_type):
            if a.init:
                set_params.append(
                    {
                        "param-id": _param_id(name, a.name),
                        "values": _values(getattr(fp, a.name), a.name),
                    }
                )
    reqs = []
    for c in cs.values():
        props = [
            _prop("enabled", "true" if policy.is_enabled(c.id) else "false"),
            _prop("kind", c.kind.value),
            _prop("automation", c.automation.value),
            _prop("frequency", c.frequency.value),
            _prop("owner", owner_text(c, "en")),
            _prop("evidence", evidence_text(c, "en")),
            _prop("sample-size", sample_size(c, policy, "en")),
        ] + [_prop("coso-principle", p) for p in coso_principles(c)]
        check = check_name(c)
        if check:
            props.append(_prop("check", check))
        for t in c.applies_to:
            props.append(_prop("applies-to", t))
        reqs.append(
            {
                "uuid": _uuid(f"implemented-requirement:{c.id}"),
                "control-id": c.id,
                "description": activity(c, policy, "en"),
                "props": props,
                "remarks": (
                    "Test of design: " + design_test(c, "en") + "\n\n"
                    "Test of operating effectiveness: "
                    + operating_effectiveness_test(c, policy, "en")
                ),
            }
        )
    return {
        "component-definition": {
            "uuid": _uuid(f"component-definition:{CATALOGUE_FINGERPRINT}:{policy.fingerprint}"),
            "metadata": {
                "title": f"salesctl — sales internal controls as code (policy: {policy.name})",
                "last-modified": _timestamp(timestamp),
                "version": __version__,
                "oscal-version": OSCAL_VERSION,
                "props": [
                    _prop("catalogue-fingerprint", CATALOGUE_FINGERPRINT),
                    _prop("policy-fingerprint", policy.fingerprint),
                    _prop("policy-name", policy.name),
                ],
            },
            "components": [
                {
                    "uuid": _uuid("component:salesctl"),
                    "type": "software",
                    "title": "salesctl",
                    "description": (
                        "An embeddable library a host ERP calls before each order-to-cash "
                        "transaction; it answers ALLOW, HOLD (with the approvals needed) or "
                        "BLOCK, with findings in Chinese and English."
                    ),
                    "control-implementations": [
                        {
                            "uuid": _uuid("control-implementation:salesctl-o2c"),
                            "source": catalog_href,
                            "description": (
                                "The preventive controls run in Gate.check with the policy's "
                                "parameters; detective ones over records."
                            ),
                            "set-parameters": set_params,
                            "implemented-requirements": reqs,
                        }
                    ],
                }
            ],
        }
    }
