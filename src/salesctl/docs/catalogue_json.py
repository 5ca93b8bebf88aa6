"""``controls/controls.json``: the catalogue with the policy in force, machine-readable."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from salesctl._version import __version__
from salesctl.control import RISKS, Control, Kind
from salesctl.controls import CATALOGUE_FINGERPRINT
from salesctl.docs.derived import (
    activity,
    basic_norm,
    check_name,
    conflicts,
    controls_of,
    coso_principles,
    default_policy,
    design_test,
    evidence_text,
    operating_effectiveness_test,
    owner_text,
    param_rows,
    param_texts,
    sample_size,
)
from salesctl.docs.references import G9_ARTICLES, clauses_covered, seed_points_covered
from salesctl.policy import Policy

__all__ = ["controls_json"]


def controls_json(
    policy: Policy | None = None, controls: Mapping[str, Control] | None = None
) -> dict[str, Any]:
    """The catalogue with the policy in force, as JSON-ready data (``controls.json``)."""
    policy = policy if policy is not None else default_policy()
    cs = controls_of(controls)
    items = []
    for c in cs.values():
        texts = {
            lang: {k: text for k, text, _d, _x in param_texts(c, policy, lang)}
            for lang in ("zh", "en")
        }
        items.append(
            {
                "id": c.id,
                "version": c.version,
                "family": c.family,
                "stage": c.stage,
                "title": {"zh": c.title_zh, "en": c.title_en},
                "objective": {"zh": c.objective_zh, "en": c.objective_en},
                "activity_template": {"zh": c.activity_zh, "en": c.activity_en},
                "activity": {"zh": activity(c, policy, "zh"), "en": activity(c, policy, "en")},
                "parameters": {
                    k: {
                        "configured": v,
                        "default": d,
                        "deviates": v != d,
                        "configured_text": {
                            lang: texts[lang][k] for lang in ("zh", "en")
                        },
                    }
                    for k, v, d in param_rows(c, policy)
                },
                "risks": [
                    {"id": r, "zh": RISKS[r][0], "en": RISKS[r][1]} for r in c.risks if r in RISKS
                ],
                "kind": c.kind.value,
                "kinds": [k.value for k in Kind if k in c.kinds],
                "frequency": c.frequency.value,
                "automation": c.automation.value,
                "key": c.key,
                "assertions": sorted(a.value for a in c.assertions),
                "owner": {"zh": owner_text(c, "zh"), "en": owner_text(c, "en")},
                "conflicts": {"zh": conflicts(c, "zh"), "en": conflicts(c, "en")},
                "evidence": {"zh": evidence_text(c, "zh"), "en": evidence_text(c, "en")},
                "applies_to": list(c.applies_to),
                "check": check_name(c),
                "enabled": policy.is_enabled(c.id),
                "seeds": list(c.seeds),
                "g9": list(c.g9),
                "basic_norm": list(basic_norm(c)),
                "coso": list(coso_principles(c)),
                "refs": list(c.refs),
                "messages": {k: {"zh": v[0], "en": v[1]} for k, v in c.messages.items()},
                "test_of_design": {"zh": design_test(c, "zh"), "en": design_test(c, "en")},
                "test_of_operating_effectiveness": {
                    "zh": operating_effectiveness_test(c, policy, "zh"),
                    "en": operating_effectiveness_test(c, policy, "en"),
                },
                "sample_size": {
                    "zh": sample_size(c, policy, "zh"),
                    "en": sample_size(c, policy, "en"),
                },
            }
        )
    covered = {n for c in cs.values() for n in c.g9}
    points = seed_points_covered(cs.values())
    return {
        "format": "salesctl.controls/1",
        "salesctl_version": __version__,
        "catalogue_fingerprint": CATALOGUE_FINGERPRINT,
        "policy": {
            "name": policy.name,
            "fingerprint": policy.fingerprint,
            "base_currency": policy.base_currency,
            "disabled": sorted(policy.disabled),
            "deviations": {
                fam: {k: {"default": d, "configured": v} for k, (d, v) in sorted(keys.items())}
                for fam, keys in sorted(policy.deviations().items())
            },
        },
        "controls": items,
        "gaps": {
            "g9_articles": [n for n in sorted(G9_ARTICLES) if n not in covered],
            "g9_clauses": [k for k, ids in clauses_covered(cs.values()).items() if not ids],
            "seed_points": [tag for tag, ids in points.items() if not ids],
        },
    }
