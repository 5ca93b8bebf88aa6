"""The demo generator's tenth-pass shortcuts give what the slow paths give (issue 16).

* A chain of approvals the host has just granted, one per step, is cleared without the
  gate's walk (:func:`salesctl.demo.host.clear_own_chain`): whenever the shortcut answers,
  its finding is ``clear_finding``'s, for any chain and approvals on hand (hypothesis), and
  over a year with every injector each re-check that used it equals the whole gate's
  (``_VERIFY_RECHECKS``).
* The host's integer draws (:func:`salesctl.demo.host.randint`) are ``random.Random.randint``'s:
  the same numbers from the same state, for any bounds and seeds (and ``randint`` itself for
  empty ranges, other types and subclasses).
* The trusted builders fill a slotted document by plain slot stores on its assembly
  (:func:`salesctl.demo.trusted._assembly_of`), then make it the class's: over a year with
  every injector each build equals the build through ``object.__setattr__`` (field for field,
  type, repr), for every class the generator builds so.
* ``Money._trusted`` fills a Money by slot stores on its assembly (``_MoneyAssembly``), then
  makes it a Money: the Money two ``object.__setattr__`` calls give, for any amount and
  currency.
* An account's comparison key (:func:`salesctl.controls.receivables.account_key`) is
  remembered per account text: what working it out gives, for any text, first asked or not.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

import salesctl.controls.receivables as receivables
import salesctl.demo.host as host_module
import salesctl.demo.trusted as trusted_module
from salesctl import testing as sct
from salesctl.approvals import Authority, clear_finding
from salesctl.decision import ApprovalRequirement, Finding, Outcome
from salesctl.demo import generate
from salesctl.demo.chains import clear_own_chain
from salesctl.model import Approval
from salesctl.money import CURRENCIES, Money
from tests import builders as b

_TXN = b.place()  # keyed by u-rep at 2026-03-02 10:15
_DOC = "SO-2026-0042"
_ROLES = ("sales_manager", "marketing_head", "general_manager", "finance_head", "finance_vp")
_CONTROLS = ("O2C-PR-05", "O2C-CT-03", "O2C-SO-02", None)
_PEOPLE = ("u-a", "u-b", "u-c", "u-d", "u-rep", "U-A")


@st.composite
def _chain(draw: st.DrawFn) -> Finding:
    """A HOLD with a chain of one to four requirements (mostly distinct roles, mostly one
    control, ordered and any-order steps)."""
    n = draw(st.integers(1, 4))
    unique = draw(st.booleans())
    pool = _ROLES if unique else draw(st.sampled_from((_ROLES, _ROLES[:2])))
    roles = draw(st.lists(st.sampled_from(pool), min_size=n, max_size=n, unique=unique))
    required = tuple(
        ApprovalRequirement(
            control_id=draw(st.sampled_from(("O2C-CT-03", "O2C-CT-03", "O2C-PR-05"))),
            role=role,
            min_level=draw(st.integers(0, 4)),
            document_id=draw(st.sampled_from((_DOC, _DOC, "CTA-1"))),
            amount=draw(st.sampled_from(["", "1000.00 CNY"])),
            excluded=("u-prop",),
            step=draw(st.integers(0, 3)),
        )
        for role in roles
    )
    facts = draw(st.sampled_from(({}, {"contract": "CT-1", "amount": "1.00 CNY"})))
    return Finding(
        control_id="O2C-CT-03",
        outcome=Outcome.HOLD,
        message="x",
        params={"contract": "CT-1"},
        facts=facts,
        required=required,
        cleared_by=draw(st.sampled_from(((), ("APR-0",)))),
    )


def _own(draw: st.DrawFn, f: Finding) -> list[Approval]:
    """Approvals granted for ``f``'s requirements in step order, as the host grants them
    (its role, document and control; a later grant for a later step), or now and then not
    quite (another role, document, control, person, time, an expiry, a cap)."""
    out: list[Approval] = []
    base = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    for k, r in enumerate(sorted(f.required, key=lambda r: r.step)):
        a = draw(
            sct.approvals(
                document_ids=(r.document_id,),
                roles=(r.role,),
                approvers=sct.actors(ids=_PEOPLE, roles=_ROLES, max_level=5),
                currency="CNY",
            )
        )
        who = a.approver
        if draw(st.integers(0, 5)):
            who = attrs.evolve(
                who,
                id=f"u-{k}-{draw(st.integers(0, 1))}",
                roles=who.roles | {r.role},
                authority_level=max(who.authority_level, r.min_level),
            )
        fields: dict[str, Any] = {"approver": who, "control_id": r.control_id}
        if draw(st.integers(0, 5)):
            fields |= {
                # by grant, or by step as the host grants (the same time for one step)
                "granted_at": base
                + dt.timedelta(minutes=draw(st.sampled_from((5 * k, 5 * r.step)))),
                "expires_at": None,
                "max_amount": None,
            }
        if not draw(st.integers(0, 8)):
            fields["control_id"] = draw(st.sampled_from(_CONTROLS))
        if not draw(st.integers(0, 8)):
            fields["role"] = draw(st.sampled_from(_ROLES))
        out.append(attrs.evolve(a, id=f"APR-{k + 1}", **fields))
    return out


_OTHERS = st.lists(
    st.tuples(
        sct.approvals(
            document_ids=(_DOC, "CTA-1", "SO-OTHER"),
            roles=_ROLES,
            approvers=sct.actors(ids=_PEOPLE, roles=_ROLES, max_level=5),
            currency="CNY",
        ),
        st.sampled_from(("O2C-SO-02", "O2C-CR-04", "O2C-SO-02", "O2C-CT-03", None)),
    ),
    max_size=4,
    unique_by=lambda p: p[0].id,
).map(lambda pairs: [attrs.evolve(a, id=f"OTH-{a.id}", control_id=c) for a, c in pairs])


class TestOwnChain:
    @settings(max_examples=600, deadline=None)
    @given(data=st.data(), authority=st.sampled_from([Authority(), None]))
    def test_the_shortcut_clears_as_clear_finding(
        self, data: st.DataObject, authority: Authority | None
    ) -> None:
        """Any chain, the approvals granted for it (as the host grants them, or not quite)
        and others on hand in any order: when the shortcut answers, its finding is
        ``clear_finding``'s (equal, same repr, same facts and parameters)."""
        f = data.draw(_chain())
        mine = _own(data.draw, f)
        others = data.draw(_OTHERS)
        on_hand = data.draw(st.permutations([*mine, *others]))
        if data.draw(st.integers(0, 10)) == 0 and on_hand:
            on_hand = on_hand[1:]  # one of them not on hand
        fast = clear_own_chain(f, tuple(on_hand), mine, _TXN)
        event("taken" if fast is not None else "walked")
        if fast is None:
            return
        slow = clear_finding(f, tuple(on_hand), _TXN, authority)
        assert fast == slow
        assert repr(fast) == repr(slow)
        assert fast.facts == slow.facts
        assert fast.params == slow.params
        assert fast.outcome is Outcome.ALLOW

    def test_the_hosts_own_grants_are_taken(self) -> None:
        """The host's case: a three-step chain (two ordered steps on the application, one
        any-order step on the contract), its own grants and another control's approval on
        hand: the shortcut answers, with ``clear_finding``'s finding."""
        req = (
            ApprovalRequirement(
                "O2C-CT-03", "sales_manager", 2, "CTA-1", step=1, excluded=("u-rep",)
            ),
            ApprovalRequirement("O2C-CT-03", "general_manager", 3, "CTA-1", step=2),
            ApprovalRequirement("O2C-CT-03", "finance_head", 2, "CT-1"),
        )
        f = Finding(control_id="O2C-CT-03", outcome=Outcome.HOLD, message="x", required=req)
        at = _TXN.at

        def grant(i: int, role: str, level: int, doc: str, control: str, minutes: int) -> Approval:
            return Approval(
                id=f"APR-{i}",
                document_id=doc,
                role=role,
                approver=b.actor(f"u-{role}", role, level=level),
                granted_at=at - dt.timedelta(minutes=minutes),
                control_id=control,
            )

        # sorted by step: the any-order step first (granted 50 minutes before), then 1, 2
        mine = [
            grant(1, "finance_head", 2, "CT-1", "O2C-CT-03", 50),
            grant(2, "sales_manager", 2, "CTA-1", "O2C-CT-03", 45),
            grant(3, "general_manager", 3, "CTA-1", "O2C-CT-03", 40),
        ]
        other = grant(4, "legal_counsel", 2, "CT-1", "O2C-CT-02", 50)
        on_hand = (other, mine[1], mine[2], mine[0])
        fast = clear_own_chain(f, on_hand, mine, _TXN)
        assert fast is not None
        assert fast == clear_finding(f, on_hand, _TXN, Authority())
        assert fast.cleared_by == ("APR-2", "APR-3", "APR-1")
        # no requirement, or one any-order requirement (clear_finding's own fast path): no
        bare = Finding(control_id="O2C-CT-03", outcome=Outcome.HOLD, message="x")
        assert clear_own_chain(bare, on_hand, [], _TXN) is None
        one = Finding(control_id="O2C-CT-03", outcome=Outcome.HOLD, message="x", required=req[2:])
        assert clear_own_chain(one, on_hand, mine[:1], _TXN) is None
        # an approval of the chain's control granted before: the walk decides
        stray = grant(5, "sales_manager", 2, "CTA-1", "O2C-CT-03", 60)
        assert clear_own_chain(f, (stray, *on_hand), mine, _TXN) is None
        # two steps in one role, granted at one time: whichever is on hand first may sign
        # the first of them, so the walk decides
        twice = (req[0], attrs.evolve(req[0], step=2), req[2])
        g = Finding(control_id="O2C-CT-03", outcome=Outcome.HOLD, message="x", required=twice)
        pair = [
            mine[0],
            mine[1],
            attrs.evolve(mine[1], id="APR-5", approver=b.actor("u-sm2", "sales_manager", level=2)),
        ]
        assert clear_own_chain(g, (pair[2], pair[1], pair[0]), pair, _TXN) is None
        assert clear_finding(g, (pair[2], pair[1], pair[0]), _TXN, Authority()).cleared_by == (
            "APR-5",
            "APR-2",
            "APR-1",
        )
        # the ordered steps' grants out of order: the walk decides
        late = [mine[0], attrs.evolve(mine[1], granted_at=at), mine[2]]
        assert clear_own_chain(f, (late[1], mine[2], mine[0]), late, _TXN) is None

    def test_a_year_clears_its_chains_as_the_gate(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A year with every injector: the contract chains (O2C-CT-03) are cleared by the
        shortcut, each equal to ``clear_finding``'s, and every re-check equals the whole
        gate's (``_VERIFY_RECHECKS``); the year is the one written without the checks."""
        taken: list[str] = []
        original = host_module.clear_own_chain

        def counted(
            f: Finding, approvals: tuple[Approval, ...], mine: list[Approval], txn: Any
        ) -> Finding | None:
            fast = original(f, approvals, mine, txn)
            if fast is not None:
                assert fast == clear_finding(f, approvals, txn, Authority())
                taken.append(f.control_id)
            return fast

        monkeypatch.setattr(host_module, "_VERIFY_RECHECKS", True)
        monkeypatch.setattr(host_module, "clear_own_chain", counted)
        verified = generate(seed=5, customers=12, orders=80)
        monkeypatch.setattr(host_module, "_VERIFY_RECHECKS", False)
        monkeypatch.setattr(host_module, "clear_own_chain", original)
        assert len(taken) > 20
        assert "O2C-CT-03" in taken
        assert verified.events == generate(seed=5, customers=12, orders=80).events


class TestAccountKey:
    @settings(max_examples=300, deadline=None)
    @given(
        texts=st.lists(
            st.one_of(
                st.text(max_size=12),
                st.text(alphabet="FCfc-0123 \u3000\uff10\uff26\u200b", max_size=12),
                # account-like texts that differ only near their end
                st.builds(
                    str.__add__,
                    st.sampled_from(("FC-0001-", "fc 0001 ", "\uff26C-0001", "FC-0002-")),
                    st.text(alphabet="0126 -\u200b", max_size=4),
                ),
            ),
            max_size=8,
        ),
        small=st.booleans(),
    )
    def test_the_remembered_key_is_the_worked_out_one(self, texts: list[str], small: bool) -> None:
        """Any account texts, each asked twice (the second time remembered, or the memory
        started again when full): the key is what working it out gives."""
        with pytest.MonkeyPatch.context() as m:
            m.setattr(receivables, "_ACCOUNT_KEYS", {})
            if small:
                m.setattr(receivables, "_ACCOUNT_KEYS_MAX", 2)
            for t in texts + texts:
                assert receivables.account_key(t) == receivables._account_key(t)
                assert len(receivables._ACCOUNT_KEYS) <= receivables._ACCOUNT_KEYS_MAX

    def test_a_str_subclass_is_worked_out(self) -> None:
        """A subclass of ``str`` is not remembered (its equality or hash may be its own)."""

        class Account(str):
            __slots__ = ()

        with pytest.MonkeyPatch.context() as m:
            m.setattr(receivables, "_ACCOUNT_KEYS", {})
            key = receivables.account_key(Account(" fc-0001 "))
            assert key == receivables._account_key("FC0001")
            assert type(key) is str
            assert receivables._ACCOUNT_KEYS == {}


class TestRandint:
    @settings(max_examples=300, deadline=None)
    @given(
        seed=st.integers(0, 2**64),
        bounds=st.lists(
            st.tuples(
                st.integers(-(2**70), 2**70) | st.integers(-5, 60),
                st.integers(0, 2**70) | st.integers(0, 60),
            ),
            min_size=1,
            max_size=30,
        ),
    )
    def test_the_draws_are_randints(self, seed: int, bounds: list[tuple[int, int]]) -> None:
        """Two generators from one seed: each draw of the host's ``randint`` is the library's
        ``randint`` on the same bounds (``lo`` plus a width), and both end in the same state."""
        mine, theirs = random.Random(seed), random.Random(seed)
        for lo, width in bounds:
            hi = lo + width
            assert host_module.randint(mine, lo, hi) == theirs.randint(lo, hi)
        assert mine.getstate() == theirs.getstate()

    def test_what_randint_refuses_is_refused(self) -> None:
        """An empty range raises as ``randint`` does (never a draw below zero); a subclass of
        ``random.Random`` draws with its own ``randint``."""
        with pytest.raises(ValueError, match="empty range"):
            host_module.randint(random.Random(1), 3, 2)

        class Fixed(random.Random):
            def randint(self, a: int, b: int) -> int:
                return a

        assert host_module.randint(Fixed(1), 5, 9) == 5


class TestSlotStores:
    # The year built with every trusted build checked against the ``object.__setattr__``
    # build, and every class so built filled by slot stores: tests/test_demo_eleventh.py's
    # ``test_every_trusted_build_of_a_year_is_the_constructors`` (one verified year for both
    # checks: ``_VERIFY`` compares each build with the setattr build and the constructor).

    def test_another_build_is_refused(self) -> None:
        """The check refuses a document that differs from the ``object.__setattr__`` build
        (another value, or not of the class)."""
        at = dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC)
        who = b.actor("u-cm", "credit_manager", level=3)
        kw = {"id": "APR-1", "document_id": "SO-1", "role": "credit_manager", "approver": who}
        kw |= {"granted_at": at, "control_id": "O2C-CR-01"}
        good = trusted_module.trusted(Approval)(**kw)
        trusted_module._same_as_set(good, Approval, kw)
        other = attrs.evolve(good, control_id="O2C-CR-02")
        with pytest.raises(RuntimeError, match="another document"):
            trusted_module._same_as_set(other, Approval, kw)
        asm = trusted_module._assembly_of(Approval, attrs.fields(Approval))
        assert asm is not None
        half = asm()
        for name, value in kw.items():
            setattr(half, name, value)
        for a in attrs.fields(Approval):
            if a.name not in kw:
                setattr(half, a.name, a.default)
        with pytest.raises(RuntimeError, match="another document"):
            trusted_module._same_as_set(half, Approval, kw)  # still an assembly


def _set_built(amount: Decimal, currency: str) -> Money:
    """What ``Money._trusted`` built before: a new Money and two ``object.__setattr__``."""
    obj = object.__new__(Money)
    object.__setattr__(obj, "amount", amount)
    object.__setattr__(obj, "currency", currency)
    return obj


class TestTrustedMoney:
    @settings(max_examples=300, deadline=None)
    @given(
        amount=st.decimals(allow_nan=False, allow_infinity=False, places=2)
        | st.decimals(allow_nan=False, allow_infinity=False),
        currency=st.sampled_from(sorted(CURRENCIES)),
    )
    def test_a_trusted_money_is_the_setattr_one(self, amount: Decimal, currency: str) -> None:
        """Any amount and currency: the same class, values (the very objects), equality,
        hash, text and repr as the Money built by ``object.__setattr__``."""
        fast, slow = Money._trusted(amount, currency), _set_built(amount, currency)
        assert type(fast) is Money
        assert fast.amount is amount
        assert fast.currency is currency
        assert fast == slow
        assert hash(fast) == hash(slow)
        assert (str(fast), repr(fast)) == (str(slow), repr(slow))
        assert fast + slow == slow + slow

    def test_a_subclass_is_built_as_before(self) -> None:
        """A subclass of Money is built through ``object.__setattr__``, as before."""

        class Yuan(Money):
            pass

        y = Yuan._trusted(Decimal("1.00"), "CNY")
        assert type(y) is Yuan
        assert (y.amount, y.currency) == (Decimal("1.00"), "CNY")
