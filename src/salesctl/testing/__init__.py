"""Hypothesis strategies for salesctl values: property-test a host integration.

A host ERP never shows us its integration code, so salesctl ships the generators a host needs
to fuzz it: valid money, documents, transactions, contexts, policies (with valid
price-authority trees) and event streams, and *invalid* variants of each that must be refused
with a :class:`~salesctl.errors.SalesctlError` naming the field path.

Hypothesis is not a runtime dependency of salesctl; it is imported here only. Install the
test extra to use this module::

    pip install "salesctl[test]"

Valid values are built from the attrs field types of the classes (:func:`from_type`), so a
document or transaction added later is covered with no change here; the core values whose
validity spans several fields (money, actors, credit profiles, customers, orders, exposures,
approvals, releases, contexts, policies, decisions) have explicit, readable strategies.

>>> from hypothesis import given, settings
>>> import salesctl as sc
>>> from salesctl import testing as sct
>>> @settings(max_examples=10, deadline=None)
... @given(sct.order_checks())
... def test_the_outcome_is_the_strictest_finding(check):
...     txn, ctx = check
...     d = sc.Gate().check(txn, ctx)
...     assert d.outcome == max((f.outcome for f in d.findings), default=sc.Outcome.ALLOW)
>>> test_the_outcome_is_the_strictest_finding()

Invalid inputs come as :class:`Invalid` cases: the bad data, the path the error must name and
the error class; :meth:`Invalid.assert_rejected_by` checks a boundary against one.

Generation rules of the generic builder (documented because a host's own classes follow them):

* every object of one draw uses one currency (mixing is what the explicit strategies test);
* within one object, dates and times never go backwards in field order (``valid_from`` before
  ``valid_to``, ``granted_at`` before ``expires_at``), and amounts after the first never exceed
  the first (``to_receivables`` within ``amount``);
* numbers are above zero (quantities up to 10 000, other decimals fractions up to 1);
* in a list of documents, line numbers run 1, 2, 3 and ids are distinct;
* a document next to a sales order in a transaction carries that order's id.

The kit by job: :mod:`~salesctl.testing.values` (primitives and the generic builder),
:mod:`~salesctl.testing.core` (documents and decisions), :mod:`~salesctl.testing.context`,
:mod:`~salesctl.testing.policy`, :mod:`~salesctl.testing.checks` (transactions and
``(transaction, context)`` pairs), :mod:`~salesctl.testing.streams` (event streams),
:mod:`~salesctl.testing.records` (periods), :mod:`~salesctl.testing.invalid` (one-defect
inputs) and :mod:`~salesctl.testing.fuzz` (junk and mutations). Importing the package
registers every explicit strategy with the generic builder.
"""

from __future__ import annotations

try:
    import hypothesis  # noqa: F401 - checked first, for the message below
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError('salesctl.testing needs hypothesis: pip install "salesctl[test]"') from e

from salesctl.testing import records as _records  # noqa: F401 - registers the Period strategy
from salesctl.testing.checks import dated_checks, order_checks, transactions
from salesctl.testing.checks import policy_roles as _policy_roles  # noqa: F401 - old name, tests
from salesctl.testing.context import contexts
from salesctl.testing.core import (
    actors,
    approvals,
    credit_exposures,
    credit_profiles,
    credit_releases,
    customers,
    decisions,
    documents,
    findings,
    order_lines,
    products,
    sales_orders,
)
from salesctl.testing.fuzz import junk_json, mutate, mutated_json
from salesctl.testing.invalid import (
    Invalid,
    invalid_context_data,
    invalid_data,
    invalid_decision_data,
    invalid_event_lines,
    invalid_kwargs,
    invalid_policy_toml,
    invalid_transaction_data,
)
from salesctl.testing.policy import (
    concession_steps,
    credit_policies,
    policies,
    price_authority_trees,
    pricing_policies,
)
from salesctl.testing.streams import event_streams
from salesctl.testing.values import (
    DEFAULT_CURRENCIES,
    amounts,
    currencies,
    datetimes,
    from_type,
    identifiers,
    money,
    register_strategy,
    texts,
)

__all__ = [
    "DEFAULT_CURRENCIES",
    "Invalid",
    "actors",
    "amounts",
    "approvals",
    "concession_steps",
    "contexts",
    "credit_exposures",
    "credit_policies",
    "credit_profiles",
    "credit_releases",
    "currencies",
    "customers",
    "dated_checks",
    "datetimes",
    "decisions",
    "documents",
    "event_streams",
    "findings",
    "from_type",
    "identifiers",
    "invalid_context_data",
    "invalid_data",
    "invalid_decision_data",
    "invalid_event_lines",
    "invalid_kwargs",
    "invalid_policy_toml",
    "invalid_transaction_data",
    "junk_json",
    "money",
    "mutate",
    "mutated_json",
    "order_checks",
    "order_lines",
    "policies",
    "price_authority_trees",
    "pricing_policies",
    "products",
    "register_strategy",
    "sales_orders",
    "texts",
    "transactions",
]
