"""Every fact a finding carries reads under a label in both languages in the audit report.

The facts are the evidence of an exception (who signed, the limit in force, the seal-use entry);
an auditor reading the Chinese report sees ``签约人：u-clerk``, not ``signatory：u-clerk``.
"""

from __future__ import annotations

import re

import pytest

from salesctl.wording import FACT_LABELS, fact_label

_HAN = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture(scope="module")
def demo_report():  # type: ignore[no-untyped-def]
    from salesctl.audit import replay
    from salesctl.demo import DEMO_POLICY, generate
    from salesctl.policy import loads_policy

    year = generate(seed=3, customers=40, orders=200)
    return replay(list(year.lines()), loads_policy(DEMO_POLICY), source="events.jsonl")


def test_every_fact_key_of_the_demo_year_has_a_label(demo_report) -> None:  # type: ignore[no-untyped-def]
    keys = {k for e in demo_report.exceptions for k, _ in e.facts}
    assert len(keys) > 150  # the demo plants every control: a wide sample of facts
    assert sorted(keys - set(FACT_LABELS)) == []


def test_the_labels_read_as_words() -> None:
    for key, (zh, en) in FACT_LABELS.items():
        assert _HAN.search(zh), key
        assert "_" not in en and en == en.strip() and en, key


def test_the_chinese_report_labels_the_facts_in_chinese(demo_report) -> None:  # type: ignore[no-untyped-def]
    zh = demo_report.to_markdown("zh")
    assert "签约人：" in zh or "客户：" in zh
    assert "signatory：" not in zh and "customer：" not in zh
    en = demo_report.to_markdown("en")
    assert "customer: " in en


def test_an_unlisted_key_falls_back_to_the_glossary() -> None:
    assert fact_label("credit_manager", "zh") == "信用经理"
    assert fact_label("some_new_fact", "en") == "some new fact"
    assert fact_label("signatory", "zh") == "签约人"
