"""``Decision.explain`` reads as prose in both languages on every example transaction.

The explanation is what a user of the host sees when the gate holds or blocks (the Tryton module
raises it as its error): in Chinese with full-width punctuation and roles and terms in words, in
English with no raw role ids. The scanner is the one the generated docs go through.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from salesctl import Gate, load_policy
from salesctl.cli.check import read_check_file
from tests.test_docs_prose import leaks

_ROOT = Path(__file__).resolve().parent.parent
_FILES = sorted((_ROOT / "examples" / "transactions").glob("*.json"))
_GATE = Gate(load_policy(_ROOT / "examples" / "policy.toml"))


@pytest.mark.parametrize("path", _FILES, ids=[p.stem for p in _FILES])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_explanation_of_each_example_reads_as_prose(path: Path, lang: str) -> None:
    txn, ctx = read_check_file(path)
    text = _GATE.check(txn, ctx).explain(lang)
    assert leaks(text, lang) == [], text


def test_the_scanner_sees_the_chinese_head_line_and_a_raw_role() -> None:
    assert leaks("允许:SignContract HT-1(运行控制 5 项)", "zh")
    assert leaks("needs approval: credit_manager (authority level ≥ 3)", "en")


def test_the_contract_signing_reads_its_authority_and_seal_in_chinese() -> None:
    txn, ctx = read_check_file(
        _ROOT / "examples" / "transactions" / "allow-contract-signed-within-authority.json"
    )
    zh = _GATE.check(txn, ctx).explain("zh")
    assert "按授权（销售经理（权限级别 ≥ 2），金额上限 100000.00 CNY）" in zh
    assert "合同专用章 SEAL-CT-01（登记 YY-2026-031" in zh
    assert " on HT-2026-007 by " not in zh
    en = _GATE.check(txn, ctx).explain("en")
    assert "within authority (role sales manager (level ≥ 2) up to 100000.00 CNY)" in en
