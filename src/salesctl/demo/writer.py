"""The generator's output: :func:`generate` runs a :class:`~salesctl.demo.world.World` with the
chosen injectors and returns the year (:class:`Demo`) with its :class:`Manifest`;
:func:`write_demo` writes ``events.jsonl``, ``policy.toml`` and ``manifest.json``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from attrs import field, frozen

from salesctl._convert import structure, unstructure
from salesctl._validators import each, tuple_conv, typed
from salesctl.controls import CONTROLS
from salesctl.demo.encode import encode_line, encode_lines
from salesctl.demo.host import DEMO_POLICY, SeededViolation
from salesctl.demo.injectors import INJECTORS
from salesctl.demo.world import World
from salesctl.errors import InvalidInput
from salesctl.policy import Policy

__all__ = ["MIN_CUSTOMERS", "Demo", "Manifest", "generate", "write_demo"]

#: The fewest customers a demo with every injector has: O2C-AR-02 is planted on a
#: distributor, and the first distributor is the fourth customer (every fourth is a cash
#: customer).
MIN_CUSTOMERS = 4
_NEEDS_DISTRIBUTOR = "O2C-AR-02"
#: Events encoded and written at once by :func:`write_demo`.
_BATCH = 1024


@frozen
class Manifest:
    """What a generated year contains, and which violations were planted where.

    Attributes:
        seed: the random seed.
        year: the calendar year.
        customers: the number of customers.
        orders: the number of regular orders requested.
        events: the number of events written.
        policy_fingerprint: fingerprint of the policy the year was generated under.
        violations: every planted violation.
        uncovered: controls of the catalogue with no injector (nothing planted for them).
        rejected_lines: line numbers of the malformed lines written on purpose (the audit
            must reject exactly these).
    """

    seed: int = field(validator=typed(int))
    year: int = field(validator=typed(int))
    customers: int = field(validator=typed(int))
    orders: int = field(validator=typed(int))
    events: int = field(validator=typed(int))
    policy_fingerprint: str = field(validator=typed(str))
    violations: tuple[SeededViolation, ...] = field(
        converter=tuple_conv, validator=each(SeededViolation)
    )
    uncovered: tuple[str, ...] = field(default=(), converter=tuple_conv, validator=each(str))
    rejected_lines: tuple[int, ...] = field(default=(), converter=tuple_conv, validator=each(int))

    def expected(self) -> dict[str, frozenset[str]]:
        """The documents each control must report, by control id."""
        out: dict[str, set[str]] = {}
        for v in self.violations:
            out.setdefault(v.control_id, set()).add(v.document_id)
        return {k: frozenset(v) for k, v in sorted(out.items())}

    def to_dict(self) -> dict[str, Any]:
        """The manifest as JSON-ready data."""
        out: dict[str, Any] = unstructure(self)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Manifest:
        """Read a manifest written by :meth:`to_dict`.

        Raises:
            InvalidInput: naming the field path of anything malformed.
        """
        result: Manifest = structure(data, cls, "manifest")
        return result


@frozen
class Demo:
    """A generated year: the events (as JSON-ready objects, in stream order), the policy
    text it was generated under, and the manifest.

    Attributes:
        events: one JSON object per event, in order (and, as strings, the malformed lines
            written on purpose).
        policy_toml: the policy file (TOML) to audit it with.
        manifest: the planted violations.
    """

    events: tuple[dict[str, Any] | str, ...] = field(converter=tuple_conv)
    policy_toml: str = field(validator=typed(str))
    manifest: Manifest = field(validator=typed(Manifest))

    def lines(self) -> Iterable[str]:
        """The JSON Lines of the stream."""
        for e in self.events:
            yield (
                e
                if isinstance(e, str)
                else json.dumps(e, ensure_ascii=False, separators=(",", ":"))
            )


def generate(
    *,
    seed: int = 2026,
    customers: int = 300,
    orders: int = 8000,
    year: int = 2026,
    injectors: Iterable[str] | None = None,
    policy: Policy | None = None,
    sink: Callable[[Any], None] | None = None,
    progress: Callable[[float, int], None] | None = None,
) -> Demo:
    """Generate a year of events with planted violations.

    Args:
        seed: the random seed (same seed, same year, byte for byte).
        customers: how many customers.
        orders: how many regular orders over the year.
        year: the calendar year.
        injectors: control ids whose injectors run (all registered ones by default).
        policy: the policy to generate under (the demo policy by default; its TOML is
            returned only for the default).
        sink: where to send each event as it is generated (then :attr:`Demo.events` is
            empty: a large year need not fit in memory).
        progress: called now and then with the share of the year generated (0 to 1) and the
            events written so far (``salesctl demo`` draws its progress line with it).

    Returns:
        The events, the policy text and the manifest.

    Raises:
        InvalidInput: for sizes below one, fewer than :data:`MIN_CUSTOMERS` customers when
            the O2C-AR-02 injector runs, or an unknown injector.
        DemoError: if the generator's own plan and the controls disagree.
    """
    for name, v in (("customers", customers), ("orders", orders)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise InvalidInput("must be a positive integer", path=name, value=v)
    chosen = sorted(INJECTORS) if injectors is None else sorted(set(injectors))
    if customers < MIN_CUSTOMERS and _NEEDS_DISTRIBUTOR in chosen:
        raise InvalidInput(
            f"must be at least {MIN_CUSTOMERS}: the {_NEEDS_DISTRIBUTOR} violation is planted on "
            "a distributor, and every fourth customer is a cash customer, the first of them a "
            "distributor",
            path="customers",
            value=customers,
        )
    world = World(
        seed=seed, year=year, customers=customers, orders=orders, policy=policy, sink=sink
    )
    unknown = [cid for cid in chosen if cid not in INJECTORS]
    if unknown:
        raise InvalidInput("no injector registered", path="injectors", value=unknown[0])
    world.run(
        ((cid, INJECTORS[cid], INJECTORS[cid].latest_month) for cid in chosen), progress=progress
    )
    covered = set(INJECTORS)
    manifest = Manifest(
        seed=seed,
        year=year,
        customers=customers,
        orders=orders,
        events=world.written,
        policy_fingerprint=world.policy.fingerprint,
        violations=tuple(sorted(world.violations, key=lambda v: (v.control_id, v.document_id))),
        uncovered=tuple(c for c in CONTROLS if c not in covered),
        rejected_lines=tuple(world.rejected),
    )
    return Demo(
        events=tuple(world.out),
        policy_toml=DEMO_POLICY if policy is None else "",
        manifest=manifest,
    )


def write_demo(directory: str | Path, **kwargs: Any) -> tuple[Path, Path, Path]:
    """Generate a year (see :func:`generate`) and write ``events.jsonl``, ``policy.toml`` and
    ``manifest.json`` into ``directory``.

    Returns:
        The three paths.

    Raises:
        InvalidInput: if the directory cannot be written.
    """
    d = Path(directory)
    try:
        d.mkdir(parents=True, exist_ok=True)
        events = d / "events.jsonl"
        with events.open("wb") as f:
            put = f.write
            # Events are encoded and written a batch at a time (msgspec's ``encode_lines``:
            # each event's line and its line end, the bytes ``encode_line`` gives one by one);
            # a malformed line is a string, written as it is in its place.
            batch: list[Any] = []
            add = batch.append

            def flush() -> None:
                if batch:
                    put(encode_lines(batch))
                    batch.clear()

            def write(e: Any) -> None:
                if type(e) is str:
                    flush()
                    put(encode_line(e) + b"\n")
                    return
                add(e)
                if len(batch) >= _BATCH:
                    flush()

            demo = generate(sink=write, **kwargs)
            flush()
        policy = d / "policy.toml"
        policy.write_text(demo.policy_toml or DEMO_POLICY, encoding="utf-8")
        manifest = d / "manifest.json"
        manifest.write_text(
            json.dumps(demo.manifest.to_dict(), ensure_ascii=False, indent=2) + "\n",
            encoding="utf-8",
        )
    except OSError as e:
        raise InvalidInput(f"cannot write demo data: {e.strerror}", path=str(d)) from None
    return events, policy, manifest


# -- injectors ---------------------------------------------------------------------------------
