"""The demo generator's fifth-pass shortcuts give what the slow paths give (issue 16).

* A HOLD's re-check asks the gate with the first context plus the approvals just granted
  (:func:`salesctl.demo.host.with_approvals`) instead of a new ``Ledger.context_for``: over a
  whole year, every such context equals the ledger's own (so the gate, a pure function of the
  transaction and the context, decides the same), and for any approvals on hand and any grants
  it equals the context the validated constructor builds.
* ``write_demo`` encodes a batch of events at once: the bytes of one line at a time.
* The host's customer as documents carry it is built once per profile.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import salesctl.demo.host as host_module
from salesctl.context import Context
from salesctl.demo import generate, write_demo
from salesctl.demo.encode import encode_line, encode_lines, event_data
from salesctl.demo.host import TZ, Host, with_approvals
from salesctl.model import Actor, Approval, Customer

_DOCS = ("SO-1", "CT-1", "DN-1", "INV-1")
_APPROVER = Actor(id="u-head", roles=frozenset({"sales_manager"}), authority_level=3)


def _approval(i: int, doc: str) -> Approval:
    return Approval(
        id=f"APR-{i:04d}",
        document_id=doc,
        role="sales_manager",
        approver=_APPROVER,
        granted_at=dt.datetime(2026, 3, 2, 9, i % 60, tzinfo=TZ),
        control_id="O2C-CR-01",
    )


class TestRecheckContext:
    def test_every_reused_context_of_a_year_is_the_ledgers(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A year with every injector: each re-check's context equals ``context_for`` after
        the grants (the host raises ``DemoError`` otherwise), and the shortcut was taken."""
        used: list[int] = []

        def counted(ctx: Context, docs: list[str], granted: list[Approval]) -> Context:
            used.append(len(granted))
            return with_approvals(ctx, docs, granted)

        monkeypatch.setattr(host_module, "_VERIFY_CONTEXTS", True)
        monkeypatch.setattr(host_module, "with_approvals", counted)
        verified = generate(seed=5, customers=12, orders=80)
        monkeypatch.setattr(host_module, "_VERIFY_CONTEXTS", False)
        assert len(used) > 50
        assert sum(used) > len(used)  # some re-checks follow several grants
        # ... and the year is the one written without the check.
        assert verified.events == generate(seed=5, customers=12, orders=80).events

    @settings(max_examples=60, deadline=None)
    @given(
        docs=st.lists(st.sampled_from(_DOCS), unique=True, min_size=1),
        on_hand=st.lists(st.sampled_from(_DOCS), max_size=6),
        granted=st.lists(st.sampled_from((*_DOCS, "OTHER-9")), min_size=1, max_size=6),
    )
    def test_with_approvals_equals_the_constructed_context(
        self, docs: list[str], on_hand: list[str], granted: list[str]
    ) -> None:
        """For any approvals on hand (of the transaction's documents) and any grants (some for
        other documents), the context equals a validated one listing the approvals by document
        in the scope's order, each document's in the order granted; nothing else changes."""
        held = [_approval(i, d) for i, d in enumerate(on_hand) if d in docs]
        first = Context(
            as_of=dt.date(2026, 3, 2),
            approvals=tuple(a for d in docs for a in held if a.document_id == d),
            approved_documents=frozenset(docs[:1]),
            sales_policies=frozenset({"XSZC-2026-01"}),
        )
        new = [_approval(100 + i, d) for i, d in enumerate(granted)]
        got = with_approvals(first, docs, new)
        everything = [*held, *new]
        want = attrs.evolve(
            first,
            approvals=tuple(a for d in docs for a in everything if a.document_id == d),
        )
        assert got == want
        assert got.prices_for("P-001") == want.prices_for("P-001") == ()
        assert type(got) is Context
        assert first.approvals == tuple(a for d in docs for a in held if a.document_id == d)


class TestBatchedWriting:
    @given(st.lists(st.dictionaries(st.text(), st.text() | st.integers() | st.none()), max_size=8))
    def test_a_batch_encodes_as_its_lines(self, batch: list[dict[str, object]]) -> None:
        """``encode_lines`` gives each dict's line and its line end, in order."""
        try:
            expected = b"".join(encode_line(d) + b"\n" for d in batch)
        except UnicodeEncodeError:  # pragma: no cover - msgspec never raises it
            return
        assert encode_lines(batch) == expected

    def test_the_written_file_is_the_generated_lines(self, tmp_path: Path) -> None:
        """Batches of 1,024 around the malformed lines: the file is the year's lines."""
        events, _, _ = write_demo(tmp_path, seed=6, customers=12, orders=400)
        demo = generate(seed=6, customers=12, orders=400)
        assert len(demo.events) > 2 * 1024
        assert any(isinstance(e, str) for e in demo.events)
        expected = b"".join(encode_line(e) + b"\n" for e in demo.events)
        assert events.read_bytes() == expected


class TestSharedValues:
    def test_the_customer_is_built_again_only_when_its_profile_changes(self) -> None:
        """The same instance while the profile is the same one, equal to a new one."""
        host = Host(seed=1, year=2026, customers=4, orders=10)
        cust = host.customers[0]
        first = cust.customer()
        assert cust.customer() is first
        assert first == Customer(id=cust.id, name=cust.name, credit_profile=cust.profile)
        profile = host.set_profile(cust, dt.datetime(2026, 1, 3, 10, tzinfo=TZ))
        again = cust.customer()
        assert again is not first
        assert again.credit_profile is profile
        cust.name = "Renamed Ltd"
        assert cust.customer().name == "Renamed Ltd"

    def test_a_shared_actor_converts_the_same_each_time(self) -> None:
        """An actor converted once and met again (and an equal one) gives the same data."""
        a = _approval(1, "SO-1")
        b = attrs.evolve(a, id="APR-0002")
        twin = attrs.evolve(a, approver=Actor(**attrs.asdict(_APPROVER, recurse=False)))
        assert event_data(a)["approver"] == event_data(b)["approver"]
        assert event_data(twin)["approver"] == event_data(a)["approver"]
