"""Fuzzing every boundary: each input either works or raises the documented error.

The boundaries a host (or a file) can reach: policy text and files (``loads_policy``,
``load_policy``), the event-line reader (``read_events``, ``parse_event``), every transaction
(``parse_transaction`` and the constructors), every document read from JSON, ``Money.parse``,
``Context.from_dict``, ``Decision.from_dict``, and the CLI (``main([...])``: check files, policy
validation, arguments).

The contract, checked on every input:

* the call returns a value with no float anywhere in it (floats are refused, never converted), or
* it raises a :class:`~salesctl.errors.SalesctlError` that locates the problem: a field path, or
  for files a line (an input that is not even an object may be refused as a whole), or
* for the CLI: exit code 0, 1, 2 or 3 (64 for a usage error), never a traceback.

Anything else — a bare ``KeyError``/``TypeError``/``InvalidOperation``, a float sneaking in, a
hang — fails. Inputs mix junk JSON, mutations of valid values (the example check files, the
example policy, values from :mod:`salesctl.testing`) and the kit's one-defect invalid inputs.

CI runs a small budget per boundary; ``python bench/fuzz.py`` runs 100 000+ inputs over the same
boundaries and targets, reproducibly (see ``docs/testing.md``).
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import salesctl as sc
from salesctl import cli
from salesctl import testing as sct
from salesctl._convert import structure, unstructure
from salesctl.errors import InvalidInput, PolicyError, SalesctlError

ROOT = Path(__file__).parent.parent
EXAMPLES = sorted((ROOT / "examples" / "transactions").glob("*.json"))
POLICY_FILE = ROOT / "examples" / "policy.toml"
THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"

#: What the runs saw, per boundary: "ok" or the error class (read by bench/fuzz.py).
TALLY: Counter[tuple[str, str]] = Counter()

_TMP = tempfile.TemporaryDirectory(prefix="salesctl-fuzz-")


# -- the contract ----------------------------------------------------------------------------


def no_float(value: Any, where: str = "result") -> None:
    """Fail if a float sits anywhere in a parsed value."""
    if isinstance(value, float):
        raise AssertionError(f"a float sneaked in at {where}: {value!r}")
    if isinstance(value, str | bytes | int | Decimal) or value is None:
        return
    if attrs.has(type(value)):
        for a in attrs.fields(type(value)):
            no_float(getattr(value, a.name, None), f"{where}.{a.name}")
    elif isinstance(value, Mapping):
        for k, v in value.items():
            no_float(k, f"{where} key")
            no_float(v, f"{where}.{k}")
    elif isinstance(value, tuple | list | frozenset | set):
        for i, v in enumerate(value):
            no_float(v, f"{where}[{i}]")


def documented(boundary: str, fn: Callable[[Any], Any], data: Any, *, whole_ok: bool = True) -> Any:
    """Call ``fn(data)``; return its result or the documented error; fail on anything else.

    Args:
        boundary: the name to tally under.
        fn: the boundary.
        data: the input.
        whole_ok: an input that is not a mapping may be refused without a path.
    """
    try:
        result = fn(data)
    except SalesctlError as e:
        result = e
    if isinstance(result, SalesctlError):
        e = result
        located = bool(e.path) or e.line is not None or (whole_ok and not isinstance(data, Mapping))
        assert located, f"{boundary}: error names no path or line: {e!r}"
        assert str(e), f"{boundary}: empty message"
        TALLY[(boundary, type(e).__name__)] += 1
        return e
    no_float(result)
    TALLY[(boundary, f"exit {result}" if boundary.startswith("cli") else "ok")] += 1
    return result


# -- seeds: valid inputs to mutate -----------------------------------------------------------


def _check_files() -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in EXAMPLES]


CHECKS = _check_files()
TXN_SEEDS = [c["transaction"] for c in CHECKS]
CTX_SEEDS = [c["context"] for c in CHECKS]
POLICY_SEEDS = [POLICY_FILE.read_text(encoding="utf-8"), sc.Policy.default().to_toml()]


def _event_seeds() -> list[str]:
    from salesctl.events import event_to_dict, parse_event

    lines = [json.dumps(t, ensure_ascii=False) for t in TXN_SEEDS]
    lines.append(
        json.dumps(
            {
                "type": "SetExchangeRate",
                "at": "2026-01-01T00:00:00+08:00",
                "pair": "USD/CNY",
                "rate": "7.10",
            }
        )
    )
    lines.append(json.dumps(event_to_dict(parse_event(json.loads(lines[0])))))
    return lines


EVENT_SEEDS = _event_seeds()


@st.composite
def near(draw: st.DrawFn, seeds: list[Any]) -> Any:
    """A seed with a few mutations."""
    return sct.mutate(draw, seeds[draw(_index(len(seeds)))])


@functools.cache
def _index(n: int) -> st.SearchStrategy[int]:
    return st.integers(0, n - 1)


@st.composite
def near_kit(draw: st.DrawFn, values: st.SearchStrategy[Any], to_json: Callable[[Any], Any]) -> Any:
    """A value from the kit, as JSON, with a few mutations."""
    data = json.loads(json.dumps(to_json(draw(values))))
    return sct.mutate(draw, data)


@st.composite
def toml_near(draw: st.DrawFn) -> str:
    """A valid policy file with its lines deleted, repeated, swapped, cut or changed."""
    lines = draw(st.sampled_from(POLICY_SEEDS)).splitlines()
    for _ in range(draw(st.integers(1, 3))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.integers(0, 5))
        if op == 0:
            del lines[i]
        elif op == 1:
            lines.insert(i, lines[i])
        elif op == 2:
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == 3:
            lines[i] = lines[i][: draw(st.integers(0, len(lines[i])))]
        elif op == 4 and "=" in lines[i]:
            key = lines[i].split("=", 1)[0]
            value = draw(
                st.sampled_from(
                    [
                        "1.5",
                        '"x"',
                        "true",
                        "[]",
                        "{}",
                        "-1",
                        "1e999",
                        "nan",
                        '"1.001 CNY"',
                        '"NaN"',
                        "2026-01-01",
                        '[1, "a"]',
                    ]
                )
            )
            lines[i] = f"{key}= {value}"
        else:
            lines.insert(i, draw(st.text(max_size=20)))
    return "\n".join(lines)


def _kit_policy_text(draw: st.DrawFn) -> str:
    try:
        families = draw(st.lists(st.sampled_from(sorted(sc.FAMILIES)), max_size=3, unique=True))
        return draw(sct.policies(families=tuple(sorted(families)))).to_toml()
    except PolicyError:  # a None that TOML cannot say: a policy file cannot hold it either
        return POLICY_SEEDS[1]


# -- the boundaries ----------------------------------------------------------------------------


def _policy_text(text: str) -> Any:
    return sc.loads_policy(text)


def _policy_file(raw: bytes) -> Any:
    path = Path(_TMP.name) / "policy.toml"
    path.write_bytes(raw)
    return sc.load_policy(path)


def _event_lines(lines: list[str | bytes]) -> list[Any]:
    from salesctl.events import MalformedEvent, read_events

    out = []
    for n, item in read_events(lines):
        if isinstance(item, MalformedEvent):
            assert item.line == n, item
            TALLY[("read_events", "MalformedEvent line")] += 1
        else:
            no_float(item)
            out.append(item)
    return out


def _parse_event(data: Any) -> Any:
    from salesctl.events import parse_event

    return parse_event(data)


def _constructor(case: tuple[type, dict[str, Any]]) -> Any:
    cls, kwargs = case
    return cls(**kwargs)


def _document(case: tuple[type, Any]) -> Any:
    cls, data = case
    return structure(data, cls, "doc")


def _run_cli(argv: list[str]) -> int:
    out, err = io.StringIO(), io.StringIO()
    try:
        # argparse writes usage and help to sys.stdout/sys.stderr itself
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(argv, out=out, err=err)
    except SystemExit as e:  # argparse: usage errors and --help
        code = e.code if isinstance(e.code, int) else -1
        usage = True
    else:
        usage = False
    if usage:
        assert code in (0, cli.EXIT_USAGE), (argv, code)
        return code
    assert code in (0, 1, 2, 3), (argv, code)
    if code == cli.EXIT_BAD_INPUT:
        assert err.getvalue() or '"error"' in out.getvalue(), argv
    return code


def _check_file(raw: bytes) -> int:
    path = Path(_TMP.name) / "check.json"
    path.write_bytes(raw)
    return _run_cli(["check", "--policy", str(POLICY_FILE), "--json", str(path)])


def _validate_cli(raw: bytes) -> int:
    path = Path(_TMP.name) / "p.toml"
    path.write_bytes(raw)
    code = _run_cli(["policy", "validate", str(path)])
    assert code in (0, 3)
    return code


# -- the inputs --------------------------------------------------------------------------------

junk = sct.junk_json()
txn_types = sorted(sc.TRANSACTION_TYPES.values(), key=lambda c: c.__name__)


def _event_classes() -> list[type]:
    from salesctl.events import event_types

    return [cls for _n, cls in sorted(event_types().items())]


@st.composite
def junk_kwargs(draw: st.DrawFn) -> tuple[type, dict[str, Any]]:
    """A valid transaction's keyword arguments with one or two replaced by odd Python values."""
    cls = draw(st.sampled_from(txn_types))
    value = draw(sct.from_type(cls))
    kwargs = {a.alias: getattr(value, a.name) for a in attrs.fields(cls) if a.init}
    odd = st.one_of(
        junk,
        st.sampled_from(
            [
                Decimal("NaN"),
                Decimal("-Infinity"),
                Decimal("1e-999"),
                b"x",
                object(),
                sc.Money("1", "JPY"),
                frozenset({1.5}),
                (None,),
                {"a": 1.5},
            ]
        ),
        sct.from_type(draw(st.sampled_from([sc.Actor, sc.SalesOrder, sc.Customer, sc.Invoice]))),
    )
    for name in draw(
        st.lists(st.sampled_from(sorted(kwargs)), min_size=1, max_size=2, unique=True)
    ):
        kwargs[name] = draw(odd)
    return cls, kwargs


@st.composite
def document_data(draw: st.DrawFn) -> tuple[type, Any]:
    from salesctl import model

    classes = [getattr(model, n) for n in model.__all__]
    cls = draw(st.sampled_from([c for c in classes if isinstance(c, type) and attrs.has(c)]))
    data = json.loads(json.dumps(unstructure(draw(sct.from_type(cls)))))
    return cls, draw(st.one_of(junk, st.just(data).flatmap(sct.mutated_json)))


def _bytes_of(text_strategy: st.SearchStrategy[str]) -> st.SearchStrategy[bytes]:
    return st.one_of(
        text_strategy.map(lambda s: s.encode("utf-8")),
        st.binary(max_size=64),
        text_strategy.map(lambda s: b"\xff\xfe" + s.encode("utf-16-le")),
    )


def _json_text(values: st.SearchStrategy[Any]) -> st.SearchStrategy[str]:
    return values.map(lambda v: json.dumps(v, ensure_ascii=False))


@st.composite
def kit_policy_text(draw: st.DrawFn) -> str:
    return _kit_policy_text(draw)


# Mutations of the example files are cheap and close to valid; kit-generated inputs are slower
# and reach further: both, the cheap ones more often.
POLICY_TEXT = st.one_of(
    st.text(max_size=60),
    toml_near(),
    toml_near(),
    toml_near(),
    sct.invalid_policy_toml().map(lambda c: c.data),
    kit_policy_text(),
)
TXN_DATA = st.one_of(
    junk,
    near(TXN_SEEDS),
    near(TXN_SEEDS),
    near_kit(sct.transactions(), sc.transaction_to_dict),
    sct.invalid_transaction_data().map(lambda c: c.data),
)
CTX_DATA = st.one_of(
    junk,
    near(CTX_SEEDS),
    near(CTX_SEEDS),
    near_kit(sct.contexts(), lambda c: c.to_dict()),
    sct.invalid_context_data().map(lambda c: c.data),
)
DECISION_DATA = st.one_of(
    junk,
    near_kit(sct.decisions(), lambda d: d.to_dict()),
    sct.invalid_decision_data().map(lambda c: c.data),
)
EVENT_LINE = st.one_of(
    _json_text(junk),
    _json_text(near([json.loads(x) for x in EVENT_SEEDS])),
    sct.invalid_event_lines().map(lambda c: c.data),
    st.text(max_size=40),
    st.binary(max_size=40),
    st.sampled_from(EVENT_SEEDS),
)
CHECK_FILE = _bytes_of(
    st.one_of(
        _json_text(near(CHECKS)),
        _json_text(junk),
        st.sampled_from([json.dumps(c) for c in CHECKS]).map(lambda s: s.replace('"', "", 1)),
    )
)
ARGV = st.lists(
    st.sampled_from(
        [
            "check",
            "controls",
            "policy",
            "validate",
            "--json",
            "--lang",
            "zh",
            "en",
            "xx",
            "--policy",
            str(POLICY_FILE),
            str(EXAMPLES[0]),
            "/nonexistent.json",
            "--help",
            "-h",
            "",
            "--",
            "docs-nope",
        ]
    ),
    max_size=5,
)

#: boundary -> (inputs, target, whole input may be refused without a path)
BOUNDARIES: dict[str, tuple[st.SearchStrategy[Any], Callable[[Any], Any], bool]] = {
    "loads_policy": (POLICY_TEXT, _policy_text, True),
    "load_policy": (_bytes_of(POLICY_TEXT), _policy_file, True),
    "read_events": (st.lists(EVENT_LINE, min_size=1, max_size=3), _event_lines, False),
    "parse_event": (
        st.one_of(
            junk,
            near([json.loads(x) for x in EVENT_SEEDS]),
            st.sampled_from(_event_classes()).flatmap(
                lambda c: near_kit(sct.from_type(c), _event_dict)
            ),
        ),
        _parse_event,
        True,
    ),
    "parse_transaction": (TXN_DATA, sc.parse_transaction, True),
    "transaction_constructors": (junk_kwargs(), _constructor, False),
    "documents": (document_data(), _document, True),
    "Money.parse": (
        st.one_of(
            st.text(max_size=20),
            st.sampled_from(
                ["1 CNY", "1.001 KWD", "1e3 JPY", "NaN CNY", "-0 USD", "1,000.00 CNY", "1  CNY"]
            ),
        ),
        sc.Money.parse,
        True,
    ),
    "Context.from_dict": (CTX_DATA, sc.Context.from_dict, False),
    "Decision.from_dict": (DECISION_DATA, sc.Decision.from_dict, False),
    "cli check": (CHECK_FILE, _check_file, True),
    "cli policy validate": (_bytes_of(POLICY_TEXT), _validate_cli, True),
    "cli argv": (ARGV, _run_cli, True),
}


def _event_dict(event: Any) -> Any:
    from salesctl.events import event_to_dict

    return event_to_dict(event)


#: CI examples per boundary (``HYPOTHESIS_PROFILE=thorough``: 20 times more).
CI_BUDGET = {"cli check": 40, "cli policy validate": 30, "cli argv": 40, "load_policy": 30}


@pytest.mark.parametrize("name", sorted(BOUNDARIES))
def test_boundary_refuses_only_with_documented_errors(name: str) -> None:
    """Every input works or raises a SalesctlError naming a path or line; no float gets in."""
    inputs, target, whole_ok = BOUNDARIES[name]
    n = CI_BUDGET.get(name, 60) * (20 if THOROUGH else 1)

    @settings(
        max_examples=n,
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )
    @given(inputs)
    def run(data: Any) -> None:
        documented(name, target, data, whole_ok=whole_ok)

    run()


# -- regressions: what fuzzing found (each fixed where the value is validated) -----------------

_ORDER = sc.SalesOrder(
    id="SO-1",
    series="SO",
    seq=1,
    customer=sc.Customer(id="C-1"),
    lines=(
        sc.OrderLine(
            line_no=1,
            product=sc.Product(id="P-1"),
            quantity=Decimal(1),
            unit_price=sc.Money("1", "CNY"),
        ),
    ),
    payment=sc.PaymentTerms(sc.PaymentMethod.CASH),
    created_by="u-1",
    order_date=sc.Context(as_of=__import__("datetime").date(2026, 3, 2)).as_of,
)


def _naive() -> Any:
    import datetime as dt

    return dt.datetime(2026, 3, 2, 10, 15)


def _aware() -> Any:
    import datetime as dt

    return dt.datetime(2026, 3, 2, 10, 15, tzinfo=dt.UTC)


PLACE_ORDER = next(t for t in TXN_SEEDS if t.get("type") == "PlaceOrder")


def _with_line(**line: Any) -> dict[str, Any]:
    data = json.loads(json.dumps(PLACE_ORDER))
    data["order"]["lines"][0].update(line)
    return data


FOUND: list[tuple[str, Callable[[], Any], str]] = [
    (
        "ratio() compared a NaN (InvalidOperation)",
        lambda: sc.CommissionClaim(
            id="K",
            salesperson_id="s",
            amount=sc.Money("1", "CNY"),
            rate=Decimal("NaN"),
            prepared_by="p",
            prepared_on=_ORDER.order_date,
        ),
        "CommissionClaim.rate",
    ),
    (
        "ReleaseOrder.release_id took any value",
        lambda: sc.ReleaseOrder(
            order=_ORDER,
            release_id=7,
            actor=sc.Actor(id="a", roles=()),  # type: ignore[arg-type]
            at=_aware(),
        ),
        "ReleaseOrder.release_id",
    ),
    (
        "Context.last_numbers crashed on a non-mapping (AttributeError)",
        lambda: sc.Context(as_of=_ORDER.order_date, last_numbers=5),
        "Context.last_numbers",
    ),  # type: ignore[arg-type]
    (
        "Context.fx_rates crashed on a non-mapping (AttributeError)",
        lambda: sc.Context(as_of=_ORDER.order_date, fx_rates=[1]),
        "Context.fx_rates",
    ),  # type: ignore[arg-type]
    (
        "CreditPolicy.exposure_categories crashed on a non-collection (TypeError)",
        lambda: sc.FAMILIES["credit"].policy_type(exposure_categories=1.5),
        "exposure_categories",
    ),
    (
        "CreditPolicy.allowed_methods crashed on a non-mapping (AttributeError)",
        lambda: sc.FAMILIES["credit"].policy_type(allowed_methods=5),
        "CreditPolicy.allowed_methods",
    ),
    (
        "Policy.base_currency crashed on an unhashable value (TypeError)",
        lambda: sc.Policy(base_currency=["CNY"]),
        "policy.base_currency",
    ),  # type: ignore[arg-type]
    (
        "Decision.at took a naive time",
        lambda: sc.Decision(
            outcome=sc.Outcome.ALLOW,
            findings=(),
            transaction="PlaceOrder",
            document_id="SO-1",
            at=_naive(),
        ),
        "Decision.at",
    ),
    (
        "an empty unknown key gave an error with no path",
        lambda: sc.parse_transaction({**PLACE_ORDER, "": None}),
        '""',
    ),
    (
        "atheris: an amount of more than 28 digits raised decimal.InvalidOperation",
        lambda: sc.parse_transaction(_with_line(unit_price="1" + "0" * 30 + " CNY")),
        "order.lines[0].unit_price",
    ),
    (
        "a quantity whose line amount is too large raised decimal.InvalidOperation",
        lambda: sc.parse_transaction(_with_line(quantity="1e40")),
        "order.lines[0].amount",
    ),
    (
        "a quantity beyond the decimal exponent range raised decimal.Overflow",
        lambda: sc.Money("100000", "CNY").times("1e9999999999"),
        "Money.amount",
    ),
    (
        "an enum read JSON true as 1 (Outcome.HOLD)",
        lambda: sc.Decision.from_dict(
            {
                "outcome": True,
                "findings": [],
                "transaction": "PlaceOrder",
                "document_id": "SO-1",
                "at": "2026-03-02T10:15:00+08:00",
            }
        ),
        "decision.outcome",
    ),
]


@pytest.mark.parametrize(("what", "call", "path"), FOUND, ids=[f[0] for f in FOUND])
def test_found_by_fuzzing_is_refused_with_a_path(
    what: str, call: Callable[[], Any], path: str
) -> None:
    """Each input fuzzing once crashed on (or let through) raises InvalidInput at its path."""
    with pytest.raises(SalesctlError) as info:
        call()
    assert isinstance(info.value, InvalidInput | PolicyError)
    assert info.value.path == path


def test_the_contract_catches_a_float_and_a_bare_error() -> None:
    """The fuzz contract itself can fail: a float in a result, a bare exception, no path."""
    with pytest.raises(AssertionError, match="float"):
        documented("t", lambda d: {"a": 1.5}, {})
    with pytest.raises(KeyError):
        documented("t", lambda d: d["missing"], {})
    with pytest.raises(AssertionError, match="no path"):
        documented("t", lambda d: (_ for _ in ()).throw(InvalidInput("bad")), {"a": 1})


# -- malformed text at the file boundaries (issue 19) --------------------------------------------
#
# Not hypothesis: seeded text damage (salesctl.testing.malformed), fast enough for 100,000 inputs
# in a couple of minutes (``python bench/fuzz.py --mode boundaries``). Every input must end as a
# value or a SalesctlError whose message prints as UTF-8; a check-file error with a field path
# names its line, an event error its line number; anything else is a raw exception.


@attrs.frozen
class MalformedRun:
    """What :func:`run_malformed` saw: inputs per boundary, outcomes, raw exceptions."""

    inputs: Counter[str]
    outcomes: Counter[tuple[str, str]]
    failures: list[tuple[str, str, str]]


def _typed(boundary: str, e: SalesctlError, run: MalformedRun) -> None:
    str(e).encode("utf-8")  # a message must print anywhere
    json.dumps(e.to_dict(), ensure_ascii=False).encode("utf-8")
    if boundary == "check file" and e.path and e.line is None:
        raise AssertionError(f"check-file error with a path but no line: {e!r}")
    run.outcomes[(boundary, type(e).__name__)] += 1


def run_malformed(total: int, seed: int = 0, *, cli_every: int = 10) -> MalformedRun:
    """Throw ``total`` malformed inputs at check files, event lines and policy files.

    Args:
        total: the number of inputs (a batch of event lines counts as one input per line).
        seed: the seed of the random source (the same seed gives the same inputs).
        cli_every: every n-th check file is also run through ``salesctl check --json``.
    """
    import random

    from salesctl.cli import read_check_file
    from salesctl.events import MalformedEvent, read_events
    from salesctl.testing.malformed import malformed_bytes, malformed_json, malformed_toml

    rng = random.Random(seed)
    run = MalformedRun(Counter(), Counter(), [])
    gate = sc.Gate(sc.load_policy(POLICY_FILE))
    checks = [p.read_text(encoding="utf-8") for p in EXAMPLES]
    tmp = Path(_TMP.name)
    done = 0
    while done < total:
        kind = rng.random()
        if kind < 0.45:
            boundary = "check file"
            text = malformed_json(rng.choice(checks), rng)
            path = tmp / "m.json"
            raw = malformed_bytes(text, rng) if rng.random() < 0.1 else None
            path.write_bytes(raw if raw is not None else text.encode("utf-8", "surrogatepass"))
            done += 1
            run.inputs[boundary] += 1
            try:
                try:
                    txn, ctx = read_check_file(path)
                    gate.check(txn, ctx)
                    run.outcomes[(boundary, "ok")] += 1
                except SalesctlError as e:
                    _typed(boundary, e, run)
                if run.inputs[boundary] % cli_every == 0:
                    out, err = io.StringIO(), io.StringIO()
                    code = cli.main(["check", "--json", str(path)], out=out, err=err)
                    assert code in (0, 1, 2, 3), code
                    (out.getvalue() + err.getvalue()).encode("utf-8")
                    run.inputs["cli check"] += 1
                    run.outcomes[("cli check", f"exit {code}")] += 1
            except Exception as e:  # a raw exception: the failure this run looks for
                run.failures.append((boundary, f"{type(e).__name__}: {e}"[:300], text[:300]))
        elif kind < 0.8:
            boundary = "event line"
            lines: list[str | bytes] = []
            for _ in range(rng.randint(1, 3)):
                line = malformed_json(rng.choice(EVENT_SEEDS), rng).replace("\n", " ")
                if rng.random() < 0.0005:
                    line = line[:-1] + ', "x": "' + "a" * (1 << 20) + '"}'
                lines.append(malformed_bytes(line, rng) if rng.random() < 0.1 else line)
            done += len(lines)
            run.inputs[boundary] += len(lines)
            try:
                for n, item in read_events(lines):
                    if isinstance(item, MalformedEvent):
                        assert item.line == n, item
                        _typed(boundary, item, run)
                    else:
                        no_float(item)
                        run.outcomes[(boundary, "ok")] += 1
            except Exception as e:
                run.failures.append((boundary, f"{type(e).__name__}: {e}"[:300], repr(lines)[:300]))
        else:
            boundary = "policy file"
            text = malformed_toml(rng.choice(POLICY_SEEDS), rng)
            done += 1
            run.inputs[boundary] += 1
            try:
                try:
                    if rng.random() < 0.1:
                        p = tmp / "m.toml"
                        p.write_bytes(malformed_bytes(text, rng))
                        sc.load_policy(p)
                    else:
                        sc.loads_policy(text)
                    run.outcomes[(boundary, "ok")] += 1
                except SalesctlError as e:
                    _typed(boundary, e, run)
            except Exception as e:
                run.failures.append((boundary, f"{type(e).__name__}: {e}"[:300], text[:300]))
    return run


def test_malformed_text_at_every_file_boundary_ends_typed() -> None:
    """CI size of ``bench/fuzz.py --mode boundaries``: 3,000 malformed check files, event lines
    and policy files (60,000 with ``HYPOTHESIS_PROFILE=thorough``), no raw exception."""
    run = run_malformed(60_000 if THOROUGH else 3_000, seed=19)
    assert not run.failures, run.failures[:5]
    assert sum(run.inputs[b] for b in ("check file", "event line", "policy file")) >= 3_000
    for boundary in ("check file", "event line", "policy file"):
        assert (
            run.outcomes[(boundary, "InvalidInput")]
            + run.outcomes[(boundary, "MalformedEvent")]
            + run.outcomes[(boundary, "PolicyError")]
            > 0
        ), boundary
