"""Demo data: a realistic year of order-to-cash for a mid-size seller, with known violations.

:func:`generate` simulates a host ERP for one year — customers with credit files, a price
master, stock received and shipped first-expiry-first, orders, delivery notices, goods issues,
delivery proofs, invoices, revenue, receipts, contracts with their collections, commissions
and follow-up service, quotations, production orders, pipeline stages, and the month-end
counts, ledgers and postings the detective controls compare. Like a real host it asks the
:class:`~salesctl.gate.Gate` before every transaction (from the same
:class:`~salesctl.ledger.Ledger` the audit replay rebuilds) and, where the answer is HOLD,
obtains the approvals the workflow would route — from people holding the role, never the
proposer — before posting. The clean part of the year is therefore compliant with every
control.

Then the **injectors** plant violations: one row per control in the table of
:mod:`salesctl.demo.injectors` (:class:`Injection`: the violations it plants, control id and
note, and a small scenario posting a few self-contained transactions that break those controls
and nothing else), recording the documents concerned in the :class:`Manifest`. An audit of the
stream must report exactly the manifest's violations under their controls, and nothing on the
rest. A plain function can be registered too (``@injector("O2C-XX-nn")``).

Everything is deterministic from the seed (``random.Random(seed)``; no clock, no set order).

The package, by job: :mod:`~salesctl.demo.host` (the host's stream, gate, people and master
data), :mod:`~salesctl.demo.orders` (the order-to-cash flow), :mod:`~salesctl.demo.contracts`
(quotations, pipeline, contracts, production, service, commissions),
:mod:`~salesctl.demo.world` (the year: month ends, plans and reviews, the run),
:mod:`~salesctl.demo.injectors` (the planted violations), :mod:`~salesctl.demo.writer`
(the manifest and the files), :mod:`~salesctl.demo.encode` (each event's JSON line, without the
generic converter) and :mod:`~salesctl.demo.trusted` (the host's own documents built without
re-running their field validators).

>>> from salesctl.demo import generate
>>> demo = generate(seed=7, customers=6, orders=40, injectors=())
>>> demo.manifest.violations
()
>>> demo.events[0]["type"]
'SetExchangeRate'
"""

from __future__ import annotations

from salesctl.demo.host import DEMO_POLICY, DemoError, SeededViolation
from salesctl.demo.injectors import INJECTORS, Injection, injector
from salesctl.demo.world import Injector, World
from salesctl.demo.writer import Demo, Manifest, generate, write_demo

__all__ = [
    "DEMO_POLICY",
    "INJECTORS",
    "Demo",
    "DemoError",
    "Injection",
    "Injector",
    "Manifest",
    "SeededViolation",
    "World",
    "generate",
    "injector",
    "write_demo",
]
