"""Identities are canonical (issue 13, finding 5) and property (d).

Finding 5: "An order keyed by ``u-rep`` and approved by ``"u-rep "`` or ``"U-REP"`` → ALLOW
(segregation of duties bypassed)". The seed's rule is the Basic Norm art. 29 (不相容职务分离) and
S-IC 2.2 (由不相容岗位人员提出…): one *person* may not propose and approve. A person is the same
person whatever the case of their id; an id with surrounding whitespace or an invisible
character is refused where it enters.

Property (d): changing only the case or the surrounding whitespace of an approver id never turns
a refusal into ALLOW. The CI run draws a small number of examples; a manual run draws 20,000
(``HYPOTHESIS_PROFILE=thorough``, or ``SALESCTL_IDENTITY_EXAMPLES=N`` for any other count).
"""

from __future__ import annotations

import os
from collections.abc import Callable

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import salesctl as sc
from salesctl._validators import ident_problem, person_key, same_person
from salesctl.controls.credit.checks import release_problem
from salesctl.controls.duties import duties_of
from salesctl.controls.pricing.policy import PriceAuthority
from tests import builders as b

THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"
EXAMPLES = int(os.environ.get("SALESCTL_IDENTITY_EXAMPLES", 20_000 if THOROUGH else 150))

GATE = sc.Gate(sc.Policy.default())
BIG = b.order(lines=(b.line(qty="100", price="1000"),))  # needs a sales manager's approval

#: Whitespace and invisible characters a host (or an adversary) may leave around an id.
SURROUNDING = [
    " ",
    "\t",
    "\n",
    "\r",
    "\u00a0",
    "\u2000",
    "\u3000",
    "\u200b",
    "\ufeff",
    "\x00",
    "\x1f",
    "\u2028",
    "\u2029",
    "\u202e",
]
#: Characters that may never appear anywhere in an id.
INVISIBLE = [
    "\x00",
    "\x07",
    "\x1b",
    "\x7f",
    "\u200b",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u202e",
    "\u2028",
    "\u2029",
]


def _place(approver_id: str) -> sc.Decision:
    """The big order keyed by ``u-rep``, with a sales manager's approval by ``approver_id``."""
    ap = b.approval(approver=b.actor(approver_id, "sales_manager", level=2))
    return GATE.check(b.place(BIG), b.context(approvals=(ap,), prices=b.prices_for(BIG)))


# -- finding 5, as the issue states it ----------------------------------------------------------


class TestFinding5:
    def test_the_proposer_approving_is_refused(self) -> None:
        """The baseline: ``u-rep`` keys the order and approves it → not ALLOW."""
        assert _place("u-mgr").outcome is sc.Outcome.ALLOW
        assert _place("u-rep").outcome is not sc.Outcome.ALLOW

    @pytest.mark.parametrize("variant", ["U-REP", "U-Rep", "u-REP"])
    def test_a_case_variant_is_the_same_person(self, variant: str) -> None:
        """``"U-REP"`` approving ``u-rep``'s order → BLOCK by O2C-SD-01 (proposer ≠ approver)."""
        d = _place(variant)
        assert d.outcome is sc.Outcome.BLOCK
        assert any(
            f.control_id == "O2C-SD-01" and f.outcome is sc.Outcome.BLOCK for f in d.findings
        )

    @pytest.mark.parametrize(
        "variant", ["u-rep ", " u-rep", "u-rep\t", "u-rep\n", "u-\u200brep", "u-rep\u00a0"]
    )
    def test_a_whitespace_variant_is_refused_at_the_boundary(self, variant: str) -> None:
        """``"u-rep "`` cannot even be built as an actor: InvalidInput naming ``Actor.id``."""
        with pytest.raises(sc.InvalidInput) as e:
            b.actor(variant, "sales_manager", level=2)
        assert e.value.path == "Actor.id"


# -- the boundary: every person and role id --------------------------------------------------------


BAD = ["", " u-x", "u-x ", "u-\x00x", "u-\u200bx", "u-x\u2028", "\ufeffu-x", "u\u202ex", "   "]


class TestCanonicalIds:
    @pytest.mark.parametrize("bad", BAD)
    def test_ident_problem(self, bad: str) -> None:
        assert ident_problem(bad) is not None

    @pytest.mark.parametrize("good", ["u-rep", "U-REP", "张三", "u rep", "emp.00042", "ß-ı"])
    def test_canonical_ids_pass(self, good: str) -> None:
        assert ident_problem(good) is None
        b.actor(good, "sales_rep")

    @pytest.mark.parametrize(
        ("build", "path"),
        [
            (lambda v: b.actor(v), "Actor.id"),
            (lambda v: b.actor("u-x", v), "Actor.roles[0]"),
            (lambda v: b.approval(role=v, id="APR-1"), "Approval.role"),
            (lambda v: b.profile(proposed_by=v), "CreditProfile.proposed_by"),
            (lambda v: b.profile(approved_by=("u-a", v)), "CreditProfile.approved_by[1]"),
            (lambda v: b.profile(maintained_by=v), "CreditProfile.maintained_by"),
            (lambda v: b.order(created_by=v), "SalesOrder.created_by"),
            (lambda v: b.price_entry(maintained_by=v), "PriceEntry.maintained_by"),
            (lambda v: b.notice(issued_by=v), "DeliveryNotice.issued_by"),
            (lambda v: b.invoice(issued_by=v), "Invoice.issued_by"),
            (lambda v: b.sales_contract(created_by=v), "Contract.created_by"),
            (lambda v: b.business_form(prepared_by=v), "BusinessApprovalForm.prepared_by"),
            (lambda v: b.business_form(approved_by=(v,)), "BusinessApprovalForm.approved_by[0]"),
            (lambda v: b.commission_claim(salesperson_id=v), "CommissionClaim.salesperson_id"),
            (
                lambda v: sc.ApprovalRequirement("O2C-SO-02", v, 2, "SO-1"),
                "ApprovalRequirement.role",
            ),
            (
                lambda v: sc.ApprovalRequirement("O2C-SO-02", "m", 2, "SO-1", excluded=(v,)),
                "ApprovalRequirement.excluded[0]",
            ),
            # document ids (TestCanonicalDocumentIds)
            (lambda v: b.order(id=v), "SalesOrder.id"),
            (lambda v: b.customer(v), "Customer.id"),
            (lambda v: b.notice(v), "DeliveryNotice.id"),
            (lambda v: b.goods_issue(notice_id=v), "GoodsIssue.notice_id"),
            (lambda v: b.invoice(v), "Invoice.id"),
            (
                lambda v: b.revenue_entry(goods_issue_ids=("GI-1", v)),
                "RevenueEntry.goods_issue_ids[1]",
            ),
            (lambda v: b.receipt(v), "Receipt.id"),
            (lambda v: b.sales_contract(v), "Contract.id"),
            (lambda v: b.approval(document_id=v), "Approval.document_id"),
            (lambda v: PriceAuthority(id=v, role="sales_manager"), "PriceAuthority.id"),
            (
                lambda v: PriceAuthority(id="n1", role="sales_manager", parent=v),
                "PriceAuthority.parent",
            ),
            (
                lambda v: PriceAuthority(id="n1", role="sales_manager", holders=(v,)),
                "PriceAuthority.holders[0]",
            ),
        ],
    )
    @pytest.mark.parametrize("bad", ["u-x ", "\tu-x", "u-\u200bx", "u-\x07x"])
    def test_refused_with_the_field_path(
        self, build: Callable[[str], object], path: str, bad: str
    ) -> None:
        with pytest.raises(sc.InvalidInput) as e:
            build(bad)
        assert e.value.path == path

    @pytest.mark.parametrize("part", ["actor", "order"])
    def test_a_parsed_document_names_the_input_path(self, part: str) -> None:
        """Through the JSON boundary the error names the path in the input document."""
        data = sc.transaction_to_dict(b.place())
        data[part]["id"] += " "
        with pytest.raises(sc.InvalidInput) as e:
            sc.parse_transaction(data)
        assert e.value.path.endswith(f"{part}.id")


# -- segregation of duties is case-insensitive -------------------------------------------------------


class TestSodCasefold:
    def test_person_key(self) -> None:
        assert person_key("U-REP") == person_key("u-rep") == "u-rep"
        assert same_person("ı", "I") and same_person("STRASSE", "straße")
        assert not same_person("u-rep", "u-rep2") and not same_person(None, "u")

    def test_duties_of_folds_case(self) -> None:
        o = b.order(created_by="U-Rep")
        duties, _ = duties_of(b.place(o), b.context(prices=b.prices_for(o)))
        assert duties["proposer"] == frozenset({"u-rep"})

    def test_seller_maintaining_the_customer_credit_data(self) -> None:
        """The credit master-data maintainer ``"U-REP"`` sells to the customer as ``u-rep`` → BLOCK."""
        o = b.order(cust=b.customer(prof=b.profile(maintained_by="U-REP")))
        d = GATE.check(b.place(o), b.context(approvals=(), prices=b.prices_for(o)))
        assert ("O2C-SD-01", sc.Outcome.BLOCK) in {(f.control_id, f.outcome) for f in d.findings}

    def test_credit_profile_self_approval_in_other_case(self) -> None:
        """A profile proposed by ``u-x`` and approved by ``U-X`` is self-approved (O2C-CR-02)."""
        prof = b.profile(proposed_by="u-x", approved_by=("U-X",))
        txn = sc.SetCreditProfile(
            customer=b.customer(), profile=prof, application_id="CA-1", actor=b.MAINTAINER, at=b.AT
        )
        d = GATE.check(txn, b.context(approvals=()))
        assert d.outcome is sc.Outcome.BLOCK
        messages = {f.message for f in d.findings}
        assert "credit.profile_self_approved" in messages

    def test_release_granted_by_the_seller_in_other_case(self) -> None:
        """``release.granted_by`` = ``U-REP`` on ``u-rep``'s order does not count."""
        o = b.order()
        rel = sc.CreditRelease(
            id="REL-1",
            order_id=o.id,
            granted_by=b.actor("U-REP", "credit_master_maintainer", level=2),
            granted_at=b.at(1),
            expires_at=b.at(20),
            max_amount=b.cny("1000000"),
        )
        policy = sc.Policy.default().family("credit")
        assert release_problem(rel, o, b.context(), b.AT, policy) == "granter_is_seller"


# -- property (d) ----------------------------------------------------------------------------------


_base_ids = st.text(
    alphabet=st.one_of(
        st.characters(whitelist_categories=("Ll", "Lu", "Lt", "Lo", "Nd")),
        st.sampled_from("-_.ßıİſ"),
    ),
    min_size=1,
    max_size=10,
).filter(lambda s: ident_problem(s) is None and person_key(s) != person_key("u-mgr"))


@st.composite
def _case_variant(draw: st.DrawFn, base: str) -> str:
    ops = [str, str.upper, str.lower, str.swapcase, str.title, str.casefold]
    pieces = [draw(st.sampled_from(ops))(ch) for ch in base]
    return draw(st.sampled_from(ops))("".join(pieces))


@st.composite
def _variant(draw: st.DrawFn, base: str) -> str:
    v = draw(_case_variant(base))
    if draw(st.booleans()):
        v = draw(st.text(st.sampled_from(SURROUNDING), max_size=3)) + v
        v += draw(st.text(st.sampled_from(SURROUNDING), max_size=3))
    if draw(st.integers(0, 4)) == 0 and len(v) > 1:
        i = draw(st.integers(1, len(v) - 1))
        v = v[:i] + draw(st.sampled_from(INVISIBLE)) + v[i:]
    return v


@st.composite
def _scenario(draw: st.DrawFn) -> tuple[str, str, str]:
    base = draw(_base_ids)
    kind = draw(st.sampled_from(["order_approval", "credit_profile", "maintainer"]))
    return kind, base, draw(_variant(base))


def _decide(kind: str, base: str, approver: str) -> sc.Decision:
    """A refusal when ``approver`` is ``base``: the person ``base`` on both sides of a duty pair."""
    seller = b.actor(base, "sales_rep", level=1)
    if kind == "order_approval":
        o = attrs.evolve(BIG, created_by=base)
        ap = b.approval(approver=b.actor(approver, "sales_manager", level=2))
        return GATE.check(
            b.place(o, who=seller), b.context(approvals=(ap,), prices=b.prices_for(o))
        )
    if kind == "credit_profile":
        prof = b.profile(proposed_by=base, approved_by=(approver,))
        txn = sc.SetCreditProfile(
            customer=b.customer(), profile=prof, application_id="CA-1", actor=b.MAINTAINER, at=b.AT
        )
        return GATE.check(txn, b.context(approvals=()))
    o = b.order(created_by=base, cust=b.customer(prof=b.profile(maintained_by=approver)))
    return GATE.check(b.place(o, who=seller), b.context(approvals=(), prices=b.prices_for(o)))


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(_scenario())
def test_property_d_case_or_whitespace_never_turns_a_refusal_into_allow(
    case: tuple[str, str, str],
) -> None:
    """(d) Changing only the case or surrounding whitespace of an approver id never gives ALLOW.

    Whitespace or an invisible character: the value is refused where it enters (InvalidInput).
    Case: segregation of duties still sees the same person, so the refusal stands.
    """
    kind, base, variant = case
    assert _decide(kind, base, base).outcome is not sc.Outcome.ALLOW
    try:
        d = _decide(kind, base, variant)
    except sc.InvalidInput:
        assert ident_problem(variant) is not None
        return
    assert ident_problem(variant) is None
    assert d.outcome is not sc.Outcome.ALLOW, (kind, base, variant, d.findings)


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=24))
def test_an_ascii_person_key_is_its_casefold(value: str) -> None:
    """The hot paths make an ASCII id's key in place as ``casefold()`` and call
    :func:`person_key` otherwise (``approvals._rule``, ``approvals._sole_hit``,
    ``controls.credit.releases``, O2C-SD-01's order path): they stay one canonical form only
    while this holds. A change to ``person_key`` that breaks it must change them too."""
    assert person_key(value) == value.casefold()


@given(
    st.sampled_from(["u-rep", "U-Rep", "u-REP"]),
    st.sampled_from(["", " ", "\u00a0", "\u200b", "\u3000"]),
    st.booleans(),
)
def test_a_padded_or_hidden_id_never_reaches_a_comparison(
    base: str, pad: str, before: bool
) -> None:
    """An id with a space or an invisible character around it is refused where it is built,
    so the in-place keys above never see one: "u-rep" and "u-rep\u200b" cannot be two people."""
    value = pad + base if before else base + pad
    if not pad:
        assert sc.Actor(id=value, roles=("sales_rep",)).id == value
        return
    with pytest.raises(sc.InvalidInput):
        sc.Actor(id=value, roles=("sales_rep",))


# -- document ids are canonical too -----------------------------------------------------------------


def _validators_of(validator: object) -> list[object]:
    inner = getattr(validator, "_validators", None)  # attrs' and_(...) and validator lists
    if inner is not None:
        return [v for x in inner for v in _validators_of(x)]
    return [] if validator is None else [validator]


def _input_classes() -> list[type]:
    """The attrs classes a host or a stream builds: documents, records, transactions, events."""
    import importlib
    import inspect
    import pkgutil

    import salesctl.events.records
    import salesctl.model
    import salesctl.records
    import salesctl.records_extra
    import salesctl.transactions

    mods = [salesctl.records, salesctl.records_extra, salesctl.transactions]
    mods.append(salesctl.events.records)
    mods += [
        importlib.import_module(f"salesctl.model.{m.name}")
        for m in pkgutil.iter_modules(salesctl.model.__path__)
    ]
    return [
        cls
        for m in mods
        for cls in vars(m).values()
        if inspect.isclass(cls) and attrs.has(cls) and cls.__module__ == m.__name__
    ]


class TestCanonicalDocumentIds:
    """A document id (an order, an invoice, a goods issue, a customer...) is compared by the
    controls as it is: "INV-1" and "INV-1 " would be two invoices to O2C-RR-04's duplicate
    check, and "GI-1\\u200b" a goods issue nobody delivered. So an id is refused where it
    enters unless it is canonical, as person ids are (no surrounding whitespace, no control or
    format character); unlike a person id, its case is kept (ERP document numbers are
    case-sensitive)."""

    def test_every_id_field_of_the_input_is_validated_as_a_canonical_id(self) -> None:
        from salesctl._validators import each_ident, ident, opt_ident

        checked, loose = 0, []
        for cls in _input_classes():
            for a in attrs.fields(cls):
                if a.name == "id" or a.name.endswith(("_id", "_ids")):
                    checked += 1
                    if not {ident, opt_ident, each_ident} & set(_validators_of(a.validator)):
                        loose.append(f"{cls.__name__}.{a.name}")
        assert checked > 100  # the scan found the documents
        assert loose == []

    @pytest.mark.parametrize("good", ["INV-1", "inv-1", "销售-0001", "SO 2026 0001", "A/B#7"])
    def test_canonical_document_ids_pass_as_written(self, good: str) -> None:
        assert b.invoice(good).id == good



@settings(max_examples=8, deadline=None)
@given(
    pad=st.sampled_from([" ", "\t", "\u200b", "\u3000"]),
    kind=st.sampled_from(["IssueInvoice", "PostGoodsIssue", "PlaceOrder"]),
)
def test_a_padded_document_id_in_a_stream_is_a_rejected_line(pad: str, kind: str) -> None:
    """Attack through the audit replay: a document re-sent with its id padded (so that a
    duplicate check keyed by the id would count it apart) is a rejected line naming the field,
    in both engines, never a document of its own."""
    import json

    from salesctl import audit, fastreplay
    from salesctl.demo import DEMO_POLICY, generate
    from salesctl.policy import loads_policy

    lines = [
        ln if isinstance(ln, str) else ln.decode("utf-8")
        for ln in generate(seed=2026, customers=12, orders=80).lines()
    ]
    at = next(i for i, ln in enumerate(lines) if f'"type":"{kind}"' in ln)
    data = json.loads(lines[at])
    key = {"IssueInvoice": "invoice", "PostGoodsIssue": "goods_issue", "PlaceOrder": "order"}[kind]
    data[key]["id"] += pad
    resent = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    stream = [*lines[: at + 1], resent, *lines[at + 1 :]]
    policy = loads_policy(DEMO_POLICY)
    for engine in (audit.replay, fastreplay.replay):
        report = engine(stream, policy)
        got = [r for r in report.rejected if r.line == at + 2]
        assert [r.path for r in got] == [f"{key}.id"], (engine, report.rejected)
