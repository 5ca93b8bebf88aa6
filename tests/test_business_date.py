"""The business date comes from the transaction (issue 13, findings 3 and 4).

The gate no longer trusts the host's ``Context.as_of``: it must be the date of ``txn.at`` in the
policy's time zone, or the check is refused (``InvalidInput``, path ``ctx.as_of``). Prices are
read on that date; an ``order_date`` may not precede it by more than ``[pricing]
order_date_days`` (0 by default).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import attrs
import pytest

import salesctl as sc
from salesctl.cli import main
from salesctl.cli.check import read_check_file
from salesctl.ledger import Ledger
from salesctl.policy import loads_policy, parse_timezone

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "transactions"
GATE = sc.Gate()

#: Finding 3: each of these, with a context dated a year earlier, used to say ALLOW.
ATTACKED = (
    "block-goods-issue-expired-lot",
    "hold-credit-overdue-beyond-term",
    "hold-price-split-discounts-over-rolling-window",
    "hold-goods-issue-near-expiry-lot-left",
)


def _example(name: str) -> tuple[sc.Transaction, sc.Context]:
    return read_check_file(EXAMPLES / f"{name}.json")


# -- finding 3: the host's business date is not trusted ------------------------------------------


@pytest.mark.parametrize("name", ATTACKED)
def test_a_context_dated_a_year_earlier_is_refused(name: str) -> None:
    """A context dated a year before its transaction no longer turns HOLD/BLOCK into ALLOW:
    the check is refused, naming both dates."""
    txn, ctx = _example(name)
    assert GATE.check(txn, ctx).outcome is not sc.Outcome.ALLOW
    earlier = attrs.evolve(ctx, as_of=ctx.as_of.replace(year=ctx.as_of.year - 1))
    with pytest.raises(sc.InvalidInput) as info:
        GATE.check(txn, earlier)
    err = info.value
    assert err.path == "ctx.as_of"
    assert str(earlier.as_of) in str(err) and str(ctx.as_of) in str(err)


@pytest.mark.parametrize("days", [-1, 1, 30])
def test_any_other_day_is_refused(days: int) -> None:
    """A day before or after the business date is refused as well."""
    txn, ctx = _example("allow-credit-within-limit")
    moved = attrs.evolve(ctx, as_of=ctx.as_of + dt.timedelta(days=days))
    with pytest.raises(sc.InvalidInput, match="business date"):
        GATE.check(txn, moved)


def test_the_business_date_is_in_the_policys_time_zone() -> None:
    """17:00 UTC on 1 March is 2 March in +08:00 (the default zone) and 1 March in UTC."""
    txn, ctx = _example("allow-credit-within-limit")
    utc = attrs.evolve(txn, at=dt.datetime(2026, 3, 1, 17, 0, tzinfo=dt.UTC))
    assert GATE.check(utc, ctx).outcome is sc.Outcome.ALLOW  # ctx.as_of is 2026-03-02
    in_utc = sc.Gate(loads_policy('[policy]\ntimezone = "UTC"\n'))
    with pytest.raises(sc.InvalidInput, match="2026-03-01"):
        in_utc.check(utc, ctx)
    assert in_utc.check(utc, attrs.evolve(ctx, as_of=dt.date(2026, 3, 1))).outcome is (
        sc.Outcome.ALLOW
    )


def test_the_cli_exits_3_naming_ctx_as_of(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`salesctl check` treats a mis-dated check file as bad input (exit 3), not a decision."""
    data = json.loads((EXAMPLES / "block-goods-issue-expired-lot.json").read_text("utf-8"))
    data["context"]["as_of"] = "2025-03-02"
    f = tmp_path / "dated.json"
    f.write_text(json.dumps(data), "utf-8")
    assert main(["check", "--json", str(f)]) == 3
    row = json.loads(capsys.readouterr().out)
    assert row["path"] == "ctx.as_of"


def test_the_ledger_dates_its_contexts_in_the_policys_zone() -> None:
    """The replay's contexts carry the business date of the policy's zone."""
    txn, _ = _example("allow-credit-within-limit")
    late = attrs.evolve(txn, at=dt.datetime(2026, 3, 1, 17, 0, tzinfo=dt.UTC))
    assert Ledger().context_for(late).as_of == dt.date(2026, 3, 2)
    assert Ledger(timezone=dt.UTC).context_for(late).as_of == dt.date(2026, 3, 1)


# -- the policy's time zone ---------------------------------------------------------------------


def test_policy_timezone_default_offsets_and_iana() -> None:
    assert sc.Policy.default().timezone == "+08:00"
    assert parse_timezone("-05:30").utcoffset(None) == -dt.timedelta(hours=5, minutes=30)
    p = loads_policy('[policy]\ntimezone = "Asia/Shanghai"\n')
    noon = dt.datetime(2026, 3, 1, 16, 30, tzinfo=dt.UTC)
    assert p.business_date(noon) == dt.date(2026, 3, 2)
    assert loads_policy(p.to_toml()) == p
    assert p.fingerprint != sc.Policy.default().fingerprint


@pytest.mark.parametrize("value", ['"Mars/Olympus"', '"+25:00"', '"8"', "8"])
def test_an_unknown_time_zone_is_a_policy_error_with_path_and_line(value: str) -> None:
    with pytest.raises(sc.PolicyError) as info:
        loads_policy(f'[policy]\nname = "x"\ntimezone = {value}\n')
    assert info.value.path == "policy.timezone"
    assert info.value.line == 3


# -- finding 4: a back-dated document date does not pick an expired price ------------------------


def _priced_order(order_date: dt.date) -> tuple[sc.Transaction, sc.Context]:
    """The issue's example: master price 800 CNY valid to 2026-01-31, then 1000 CNY; an order
    placed 2026-03-02 at 785 CNY (within 2 % of 800, far below 1000)."""
    txn, ctx = _example("allow-price-within-reps-float-range")
    order = txn.order  # type: ignore[attr-defined]
    line = attrs.evolve(order.lines[0], unit_price=sc.Money("785.00", "CNY"))
    order = attrs.evolve(order, lines=(line,), order_date=order_date)
    old, new = ctx.prices[0], ctx.prices[0]
    old = attrs.evolve(
        old,
        id="PM-0006",
        price=sc.Money("800.00", "CNY"),
        valid_from=dt.date(2025, 1, 1),
        valid_to=dt.date(2026, 1, 31),
    )
    new = attrs.evolve(new, valid_from=dt.date(2026, 2, 1))
    return attrs.evolve(txn, order=order), attrs.evolve(ctx, prices=(old, new))


@pytest.mark.parametrize("order_date", [dt.date(2026, 3, 2), dt.date(2026, 1, 15)])
def test_a_back_dated_order_date_does_not_pick_an_expired_price(order_date: dt.date) -> None:
    """785 CNY against the 1000 CNY price in force on 2026-03-02: BLOCK either way."""
    txn, ctx = _priced_order(order_date)
    d = GATE.check(txn, ctx)
    assert d.outcome is sc.Outcome.BLOCK
    pr03 = [f for f in d.findings if f.control_id == "O2C-PR-03"]
    assert pr03 and dict(pr03[0].facts)["master_price"] == "1000.00 CNY"


def test_the_back_dated_order_is_blocked_by_pr02_naming_both_dates() -> None:
    txn, ctx = _priced_order(dt.date(2026, 1, 15))
    d = GATE.check(txn, ctx)
    (f,) = d.findings_for("O2C-PR-02")
    assert f.outcome is sc.Outcome.BLOCK and f.message == "pricing.order_backdated"
    assert "2026-01-15" in f.text("en") and "2026-03-02" in f.text("en")
    assert "2026-01-15" in f.text("zh") and "2026-03-02" in f.text("zh")


def test_within_the_bound_the_order_dates_price_applies() -> None:
    """With ``order_date_days = 60`` an order dated 2026-01-15 keeps that day's price (800)."""
    gate = sc.Gate(loads_policy("[pricing]\norder_date_days = 60\n"))
    txn, ctx = _priced_order(dt.date(2026, 1, 15))
    d = gate.check(txn, ctx)
    assert not d.findings_for("O2C-PR-02")
    assert not [f for f in d.findings_for("O2C-PR-03") if f.outcome is not sc.Outcome.ALLOW]
    # 61 days back is beyond the bound: blocked, and priced on the business date.
    txn, ctx = _priced_order(dt.date(2025, 12, 31))
    d = gate.check(txn, ctx)
    assert d.outcome is sc.Outcome.BLOCK
    assert [f.message for f in d.findings_for("O2C-PR-02")] == ["pricing.order_backdated"]


def test_a_future_order_date_does_not_choose_the_price_either() -> None:
    txn, ctx = _priced_order(dt.date(2026, 6, 1))
    later = attrs.evolve(
        ctx.prices[1], id="PM-0008", price=sc.Money("785.00", "CNY"), valid_from=dt.date(2026, 6, 1)
    )
    first = attrs.evolve(ctx.prices[1], valid_to=dt.date(2026, 5, 31))
    ctx = attrs.evolve(ctx, prices=(ctx.prices[0], first, later))
    assert GATE.check(txn, ctx).outcome is sc.Outcome.BLOCK


def test_the_pricing_controls_versions_were_bumped() -> None:
    for cid in ("O2C-PR-01", "O2C-PR-02", "O2C-PR-03"):
        assert sc.CONTROLS[cid].version >= 2


def test_a_post_dated_notice_does_not_shorten_its_validity() -> None:
    """O2C-DL-01 counts the validity period from the business date when the notice is dated
    later: a notice valid 90 days from today stays too long however late it is dated."""
    txn, ctx = _example("allow-delivery-notice-signed-by-manager")
    notice = txn.notice  # type: ignore[attr-defined]
    limit = sc.Policy.default().family("delivery").max_validity_days
    until = ctx.as_of + dt.timedelta(days=limit + 5)
    honest = attrs.evolve(txn, notice=attrs.evolve(notice, valid_until=until))
    assert "delivery.validity_too_long" in {f.message for f in GATE.check(honest, ctx).findings}
    late = attrs.evolve(notice, issued_on=ctx.as_of + dt.timedelta(days=10), valid_until=until)
    d = GATE.check(attrs.evolve(txn, notice=late), ctx)
    assert d.outcome is sc.Outcome.BLOCK
    assert "delivery.validity_too_long" in {f.message for f in d.findings}
    assert sc.CONTROLS["O2C-DL-01"].version >= 2
