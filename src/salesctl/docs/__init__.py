"""Control documentation for auditors, generated from the catalogue and the policy in force.

Every controls system we compared leaves the risk-and-control matrix (RCM) to a hand-kept
spreadsheet that drifts from what the system does. salesctl generates it from the code: the
control registry (:data:`salesctl.controls.CONTROLS`, :data:`salesctl.controls.FAMILIES`),
the :class:`~salesctl.control.Control` metadata, and a :class:`~salesctl.policy.Policy` whose
parameters appear *as configured*. A control added to any family shows up here with no change
to this module.

:func:`render` returns every output as ``relative path -> text``; :func:`write` writes them
under a folder (``salesctl docs --policy FILE --out DIR``, registered by :func:`register`); the
mkdocs hook ``docs/hooks/controls.py`` adds them to the site at build time. The outputs, each
built by one module of this package:

* ``controls/<ID>.md`` (English) and ``zh/controls/<ID>.md`` (Chinese): one page per control
  with every RCM column, the activity with the parameters as configured, a test of design, a
  test of operating effectiveness and a suggested sample size (``pages``);
* ``controls/rcm.md`` and ``controls/rcm.csv``: the RCM as one table (``rcm``);
* ``controls/index.md``, ``by-stage.md``, ``by-g9.md``, ``by-assertion.md``, ``by-coso.md``:
  index pages (``indexes``);
* ``controls/gaps.md``: Guideline 9 articles and seed control points with no control, and
  every control switched off or re-parameterised by the policy (``gaps``);
* ``controls/controls.json`` (machine-readable, ``catalogue_json``),
  ``controls/oscal-catalog.json`` and ``controls/oscal-component-definition.json`` (NIST
  OSCAL; UUIDs derived from control ids; ``oscal``).

They share ``text`` (zh/en labels, Markdown escaping, the table builder), ``references``
(Guideline 9, COSO, Basic Norm, seed points) and ``derived`` (metadata checks and the derived
RCM columns); ``policy_reference`` documents the policy file, ``site`` puts everything together
and ``command`` is the ``salesctl docs`` command.

Where the RCM needs something a control does not state, it is derived from the metadata:
COSO principles with a one-line reason per control (P10 for every control activity, P11 only
for change control over master data or configuration, P8 for fraud-prone revenue risk R2.1,
plus any ``COSO Pn`` in ``refs``), the tests of design and operating effectiveness (from kind, automation, frequency,
the transactions it runs on and its findings), and the sample size (PCAOB-style by frequency;
automated controls one per configured variant).

>>> from salesctl.docs import render
>>> pages = render()
>>> "controls/rcm.md" in pages and "zh/controls/O2C-CR-04.md" in pages
True
"""

from __future__ import annotations

from salesctl.docs.catalogue_json import controls_json
from salesctl.docs.command import register
from salesctl.docs.derived import (
    REQUIRED_METADATA,
    check_catalogue,
    coso_principles,
    design_test,
    missing_metadata,
    operating_effectiveness_test,
    parameters,
    sample_size,
)
from salesctl.docs.oscal import OSCAL_VERSION, oscal_catalog, oscal_component_definition
from salesctl.docs.policy_reference import policy_reference, undocumented_policy_keys
from salesctl.docs.rcm import rcm_rows
from salesctl.docs.references import (
    BASIC_NORM,
    COSO_PRINCIPLES,
    G9_ARTICLES,
    SEED_POINTS,
    seed_points_covered,
)
from salesctl.docs.site import render, write

__all__ = [
    "BASIC_NORM",
    "COSO_PRINCIPLES",
    "G9_ARTICLES",
    "OSCAL_VERSION",
    "REQUIRED_METADATA",
    "SEED_POINTS",
    "check_catalogue",
    "controls_json",
    "coso_principles",
    "design_test",
    "missing_metadata",
    "operating_effectiveness_test",
    "oscal_catalog",
    "oscal_component_definition",
    "parameters",
    "policy_reference",
    "rcm_rows",
    "register",
    "render",
    "sample_size",
    "seed_points_covered",
    "undocumented_policy_keys",
    "write",
]
