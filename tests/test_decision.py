"""Decisions: the maximum of their findings, bilingual, JSON round trip."""

from __future__ import annotations

import json

import pytest

import salesctl as sc
from tests import builders as b


def _finding(outcome: sc.Outcome, cid: str = "O2C-CR-04") -> sc.Finding:
    return sc.Finding(control_id=cid, outcome=outcome, message="credit.over_limit",
                      params={"customer": "C1", "excess": "10.00 CNY", "limit": "5.00 CNY"})


def test_outcome_order() -> None:
    """ALLOW < HOLD < BLOCK."""
    assert sc.Outcome.ALLOW < sc.Outcome.HOLD < sc.Outcome.BLOCK


def test_decision_must_be_max_of_findings() -> None:
    """A decision whose outcome is not the max of its findings is refused."""
    with pytest.raises(sc.InvalidInput) as e:
        sc.Decision(outcome=sc.Outcome.ALLOW, findings=(_finding(sc.Outcome.HOLD),),
                    transaction="PlaceOrder", document_id="SO-1", at=b.AT)
    assert e.value.path == "Decision.outcome"
    d = sc.Decision(outcome=sc.Outcome.HOLD, findings=(_finding(sc.Outcome.HOLD),),
                    transaction="PlaceOrder", document_id="SO-1", at=b.AT)
    assert d.outcome is sc.Outcome.HOLD


def test_explain_in_both_languages() -> None:
    """explain('zh') and explain('en') render every finding with its control id."""
    d = sc.Decision(outcome=sc.Outcome.HOLD, findings=(_finding(sc.Outcome.HOLD),),
                    transaction="PlaceOrder", document_id="SO-1", at=b.AT)
    zh, en = d.explain("zh"), d.explain("en")
    assert "挂起待批" in zh and "超出信用额度" in zh and "O2C-CR-04" in zh
    assert en.startswith("HOLD") and "exceed the credit limit" in en
    with pytest.raises(sc.InvalidInput):
        d.findings[0].text("fr")


def test_unknown_message_key_still_renders_params() -> None:
    """A key the catalogue does not know shows the key and its parameters."""
    f = sc.Finding(control_id="O2C-XX-99", outcome=sc.Outcome.BLOCK, message="x.unknown", params={"a": "1"})
    assert f.text("en") == "x.unknown a=1"


def test_json_round_trip_of_a_real_decision() -> None:
    """to_dict → JSON text → from_dict gives the same decision, fingerprints included."""
    gate = sc.Gate()
    d = gate.check(b.place(), b.context(exposure=b.exposure(receivables="499000"), prices=b.prices_for(b.order())))
    assert d.outcome is sc.Outcome.HOLD
    text = json.dumps(d.to_dict())
    back = sc.Decision.from_dict(json.loads(text))
    assert back == d
    assert back.policy_fingerprint == sc.Policy.default().fingerprint
    assert back.catalogue_fingerprint == sc.CATALOGUE_FINGERPRINT


def test_from_dict_names_the_bad_field() -> None:
    """A malformed decision document raises with the path of the bad field."""
    d = sc.Gate().check(b.place(), b.context()).to_dict()
    d["outcome"] = "MAYBE"
    with pytest.raises(sc.InvalidInput) as e:
        sc.Decision.from_dict(d)
    assert e.value.path == "decision.outcome"
    d["outcome"] = "ALLOW"
    d["surprise"] = 1
    with pytest.raises(sc.InvalidInput) as e:
        sc.Decision.from_dict(d)
    assert e.value.path == "decision.surprise"


def test_one_finding_builder() -> None:
    """decision.finding builds what Finding(...) builds; make_finding is finding about a
    document (the document first among the facts, the follow-up role as a requirement)."""
    from salesctl.decision import ApprovalRequirement, finding, make_finding

    got = finding("O2C-CR-04", sc.Outcome.BLOCK, "credit.over_limit", params={"n": 1},
                  facts=[("a", sc.Money("1", "CNY"))])
    assert got == sc.Finding("O2C-CR-04", sc.Outcome.BLOCK, "credit.over_limit",
                             {"n": "1"}, {"a": "1.00 CNY"})
    hold = finding("O2C-BL-02", sc.Outcome.HOLD, "k.m", document="D-1", facts={"x": 2},
                   role="finance_manager", level=3)
    assert hold.facts == (("document", "D-1"), ("x", "2"))
    assert hold.required == (ApprovalRequirement("O2C-BL-02", "finance_manager", 3, "D-1", "k.m"),)
    assert make_finding("O2C-BL-02", sc.Outcome.HOLD, "k.m", "D-1", facts={"x": 2},
                        role="finance_manager", level=3) == hold
    assert finding("O2C-BL-02", sc.Outcome.BLOCK, "k.m", document="D-1", role="r").required == ()
    # left out, the facts are the parameters; () says "no facts"
    assert finding("O2C-XX-01", sc.Outcome.BLOCK, "x.y", params={"n": 2}).facts == (("n", "2"),)
    assert finding("O2C-XX-01", sc.Outcome.BLOCK, "x.y", params={"n": 2}, facts=()).facts == ()
    with pytest.raises(sc.InvalidInput):
        finding("O2C-BL-02", sc.Outcome.HOLD, "k.m", role="finance_manager")
    with pytest.raises(sc.InvalidInput):
        finding("O2C-BL-02", sc.Outcome.HOLD, " ")
