"""Issue 16, thirteenth pass: the demo's sweeps, its line count and its writing.

The pins:

* The host ledger's month's sweep of its approvals (:meth:`~salesctl.demo.host.WarmApprovals.sweep`)
  compares them with the cutoff read in the host's zone: it keeps and drops what the sweep
  against the UTC cutoff keeps and drops, the same instances in the same order (hypothesis
  over times of grant in several zones, a microsecond either side of the cutoff).
* ``salesctl demo`` counts the lines it wrote by ``bytes.count`` over the file
  (:func:`salesctl.cli.audit._count_lines`): the count iterating the file in binary mode
  gives, for any bytes (hypothesis; line ends of every kind, a last line without one).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import salesctl.cli.audit as audit_module
from salesctl.demo.host import TZ, WarmApprovals
from salesctl.ledger.cold import ColdApprovals
from salesctl.model import Actor, Approval

_ACTOR = Actor(id="u-approver", roles=frozenset({"sales_manager"}), org_unit="hq")
_ZONES = (
    TZ,
    dt.timezone(dt.timedelta(hours=8)),  # equal to the host's zone, another instance
    dt.UTC,
    dt.timezone(dt.timedelta(hours=-5)),
    dt.timezone(dt.timedelta(hours=5, minutes=45)),
)
_CUTOFF = dt.datetime(2026, 3, 1, tzinfo=dt.UTC) - dt.timedelta(days=120)


def _approval(n: int, doc: str, at: dt.datetime) -> Approval:
    return Approval(
        id=f"APR-{n}", document_id=doc, role="sales_manager", approver=_ACTOR, granted_at=at
    )


_grants = st.lists(
    st.lists(
        st.tuples(
            st.sampled_from(_ZONES),
            st.one_of(
                st.integers(-3, 3),  # microseconds around the cutoff
                st.integers(-86_400_000_000, 86_400_000_000),  # within a day of it
            ),
        ),
        min_size=1,
        max_size=5,
    ),
    max_size=8,
)


class TestWarmSweep:
    @settings(max_examples=300, deadline=None)
    @given(grants=_grants, zone=st.sampled_from(_ZONES))
    def test_the_sweep_in_the_hosts_zone_keeps_what_the_utc_sweep_keeps(
        self, grants: list[list[tuple[dt.tzinfo, int]]], zone: dt.tzinfo
    ) -> None:
        cutoff = _CUTOFF.astimezone(zone)
        held: dict[str, Any] = {}
        n = 0
        for i, doc_grants in enumerate(grants):
            doc = f"D-{i}"
            on_hand = []
            for tz, micros in doc_grants:
                n += 1
                at = (cutoff + dt.timedelta(microseconds=micros)).astimezone(tz)
                on_hand.append(_approval(n, doc, at))
            held[doc] = tuple(on_hand)
        reference, warm = dict(held), dict(held)
        ColdApprovals().sweep(reference, cutoff)
        WarmApprovals().sweep(warm, cutoff)
        assert list(warm) == list(reference)
        for doc, on_hand in reference.items():
            assert [id(a) for a in warm[doc]] == [id(a) for a in on_hand]
            assert (warm[doc] is held[doc]) == (on_hand is held[doc])

    def test_a_cutoff_at_the_calendars_end_is_compared_as_it_is(self) -> None:
        cutoff = dt.datetime.max.replace(tzinfo=dt.UTC)
        at = dt.datetime(9999, 12, 31, 23, tzinfo=dt.UTC)
        held: dict[str, Any] = {"D-1": (_approval(1, "D-1", at),)}
        WarmApprovals().sweep(held, cutoff)
        assert held == {}


class TestLineCount:
    @settings(max_examples=300, deadline=None)
    @given(
        data=st.lists(
            st.one_of(
                st.sampled_from([b"\n", b"\r\n", b"\r", b"{}", b"\xe4\xb8\xad", b" "]),
                st.binary(max_size=20),
            ),
            max_size=40,
        ),
        size=st.sampled_from([1, 3, 1 << 20]),
    )
    def test_the_count_is_the_iterations(
        self, tmp_path_factory: Any, data: list[bytes], size: int
    ) -> None:
        path: Path = tmp_path_factory.mktemp("lines") / "events.jsonl"
        path.write_bytes(b"".join(data))
        with path.open("rb") as f:
            expected = sum(1 for _ in f)
        assert audit_module._count_lines(path, size) == expected
