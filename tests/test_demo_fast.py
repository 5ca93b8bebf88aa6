"""The demo generator's fast paths write what the generic ones write (issue 16's fast demo)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from salesctl.demo import generate
from salesctl.demo.encode import encode_line, event_data, to_data
from salesctl.demo.host import TZ, cny
from salesctl.demo.trusted import trusted
from salesctl.events import GrantApproval, KeepContractLedger, event_to_dict, parse_event
from salesctl.model import Actor, Approval
from salesctl.money import Money
from salesctl.records import ContractLedgerLine, LedgerBook


def _dumps(data: object) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@pytest.fixture(scope="module")
def year() -> list[dict[str, object] | str]:
    return list(generate(seed=5, customers=12, orders=80).events)


class TestWriter:
    def test_every_event_of_a_year_converts_as_event_to_dict(
        self, year: list[dict[str, object] | str]
    ) -> None:
        """Each event read back converts to the same data through both paths, and encodes to
        the bytes of ``json.dumps``."""
        kinds = set()
        for data in year:
            if isinstance(data, str):
                assert encode_line(data) == data.encode("utf-8")
                continue
            event = parse_event(data)
            assert event_data(event) == event_to_dict(event) == data
            assert list(event_data(event)) == list(event_to_dict(event))  # key order too
            assert encode_line(event_data(event)) == _dumps(event_to_dict(event))
            kinds.add(type(event).__name__)
        assert len(kinds) > 40

    @given(st.text(), st.dictionaries(st.text(), st.integers() | st.booleans() | st.none()))
    def test_strings_encode_as_json_dumps(self, text: str, more: dict[str, object]) -> None:
        """Any Unicode text (control characters, quotes, non-ASCII) and nesting encode alike."""
        data = {"type": text, "more": more, "list": [text, 1, None]}
        try:
            expected = _dumps(data)
        except UnicodeEncodeError:  # a lone surrogate: neither can write it
            return
        assert encode_line(data) == expected

    def test_plain_values_convert_as_unstructure(self) -> None:
        """Sets are sorted, enums written by name or value, maps keyed by strings."""
        from salesctl._convert import unstructure

        values = (
            frozenset({"b", "a"}),
            LedgerBook.SALES,
            {1: Decimal("2.50")},
            (dt.date(2026, 1, 2), dt.datetime(2026, 1, 2, 3, tzinfo=TZ)),
            cny(5),
        )
        for v in values:
            assert to_data(v) == unstructure(v)


class TestTrusted:
    def test_trusted_documents_equal_constructed_ones(self) -> None:
        """The trusted constructor builds the document the class's constructor builds."""
        at = dt.datetime(2026, 3, 2, 10, tzinfo=TZ)
        actor = Actor(id="u-1", roles=frozenset({"credit_manager"}), authority_level=2)
        kw = {
            "id": "APR-1",
            "document_id": "SO-1",
            "role": "credit_manager",
            "approver": actor,
            "granted_at": at,
            "control_id": "O2C-CR-01",
        }
        approval = Approval(**kw)  # type: ignore[arg-type]
        assert trusted(Approval)(**kw) == approval
        grant = {"at": at, "approval": approval, "customer_id": "C-1"}
        assert trusted(GrantApproval)(**grant) == GrantApproval(**grant)  # type: ignore[arg-type]
        line = {
            "contract_id": "K-1",
            "customer_id": "C-1",
            "book": LedgerBook.SALES,
            "as_of": at.date(),
            "value": cny(100),
            "delivered": cny(50),
            "invoiced": cny(0),
            "collected": cny("20.5"),
        }
        built = trusted(ContractLedgerLine)(**line)
        assert built == ContractLedgerLine(**line)  # type: ignore[arg-type]
        keep = {"at": at, "line": built}
        assert trusted(KeepContractLedger)(**keep) == KeepContractLedger(**keep)  # type: ignore[arg-type]

    def test_cross_field_checks_still_run(self) -> None:
        """``__attrs_post_init__`` runs: a ledger line in two currencies is refused."""
        from salesctl.errors import SalesctlError

        with pytest.raises(SalesctlError):
            trusted(ContractLedgerLine)(
                contract_id="K-1",
                customer_id="C-1",
                book=LedgerBook.SALES,
                as_of=dt.date(2026, 1, 31),
                value=cny(100),
                delivered=Money(Decimal(5), "USD"),
                invoiced=cny(0),
                collected=cny(0),
            )

    def test_cny_equals_money(self) -> None:
        """``cny`` builds the Money the constructor builds."""
        for x in (0, 7, "12.345", Decimal("1.005"), "99999999.99"):
            assert cny(x) == Money(Decimal(x).quantize(Decimal("0.01")), "CNY")
            assert str(cny(x)) == str(Money(Decimal(x).quantize(Decimal("0.01")), "CNY"))

    def test_a_class_with_its_own_constructor_keeps_it(self) -> None:
        """A class whose ``__init__`` is not attrs-generated is refused."""

        class Plain:
            def __init__(self) -> None:
                pass

        with pytest.raises(TypeError):
            trusted(Plain)
