"""Issue 19, input boundaries: every input becomes a value or a typed error with path and line.

One test per item: the limits (nesting depth, number length, line length), duplicate keys,
text that is not valid Unicode, dates and numbers exactly as the schema says, a NaN exchange
rate, error messages that cannot crash, and a float in a check file named with path and line.
The crash inputs are the ones the issue reports.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import salesctl as sc
from salesctl import cli
from salesctl._convert import MAX_DEPTH, MAX_LINE_LENGTH, line_of, structure
from salesctl.cli import read_check_file
from salesctl.errors import InvalidInput, PolicyError, SalesctlError
from salesctl.events import MalformedEvent, parse_event, read_events
from salesctl.money import MAX_NUMBER_LENGTH

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "examples" / "transactions" / "allow-credit-new-customer-prepayment.json"
TEXT = EXAMPLE.read_text(encoding="utf-8")
RATE_LINE = json.dumps(
    {"type": "SetExchangeRate", "at": "2026-01-01T00:00:00+08:00", "pair": "USD/CNY", "rate": "7.1"}
)


def _check(tmp_path: Path, text: str) -> SalesctlError:
    path = tmp_path / "check.json"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    with pytest.raises(SalesctlError) as info:
        read_check_file(path)
    assert isinstance(info.value, InvalidInput)
    str(info.value)  # the message itself never raises
    json.dumps(info.value.to_dict(), ensure_ascii=False).encode("utf-8")  # and prints anywhere
    return info.value


def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def _one_event(line: str | bytes) -> Any:
    ((n, item),) = list(read_events([line]))
    assert n == 1
    return item


# -- limits -------------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 100_000])
def test_check_file_nested_too_deep_is_refused_with_its_line(tmp_path: Path, depth: int) -> None:
    text = '{"transaction":\n' + "[" * depth + "]" * depth + ', "context": {}}'
    e = _check(tmp_path, text)
    assert f"nested deeper than {MAX_DEPTH}" in e.reason
    assert e.line == 2


def test_check_file_at_the_depth_limit_is_parsed(tmp_path: Path) -> None:
    text = '{"transaction": ' + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + ', "context": {}}'
    e = _check(tmp_path, text)
    assert e.path == "transaction" and "nested" not in e.reason  # refused for its type only


def test_brackets_inside_strings_do_not_count_as_nesting(tmp_path: Path) -> None:
    data = json.loads(TEXT)
    data["transaction"]["order"]["customer"]["name"] = "[" * 500 + "{" * 500
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    txn, _ = read_check_file(path)
    assert txn.order.customer.name.startswith("[[[")  # type: ignore[attr-defined]


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 100_000])
def test_event_line_nested_too_deep_is_a_rejected_line(depth: int) -> None:
    item = _one_event('{"type": "PlaceOrder", "x": ' + "[" * depth + "]" * depth + "}")
    assert isinstance(item, MalformedEvent) and item.line == 1
    assert f"nested deeper than {MAX_DEPTH}" in item.reason


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 100_000])
def test_policy_nested_too_deep_is_a_policy_error_with_its_line(depth: int) -> None:
    text = '[policy]\nname = "x"\n\n[credit]\nx = ' + "[" * depth + "]" * depth + "\n"
    with pytest.raises(PolicyError) as info:
        sc.loads_policy(text)
    assert info.value.line == 5
    assert f"nested deeper than {MAX_DEPTH}" in info.value.reason


def test_policy_inline_tables_nested_too_deep_are_refused() -> None:
    with pytest.raises(PolicyError) as info:
        sc.loads_policy("a = " + "{b = " * 5000 + "1" + "}" * 5000)
    assert info.value.line == 1


def test_policy_brackets_in_strings_and_comments_do_not_count() -> None:
    text = '[policy]\nname = "' + "[" * 100 + '"\n# ' + "{" * 100 + "\n"
    assert sc.loads_policy(text).name == "[" * 100


def test_policy_integer_of_5000_digits_is_a_policy_error() -> None:
    with pytest.raises(PolicyError) as info:
        sc.loads_policy("[policy]\n\n[credit]\nx = " + "1" * 5000 + "\n")
    assert info.value.line == 4
    assert str(MAX_NUMBER_LENGTH) in info.value.reason


def test_cli_policy_validate_deep_and_long_exit_3(tmp_path: Path) -> None:
    import io

    for i, body in enumerate(["a = " + "[" * 100_000 + "]" * 100_000, "a = " + "9" * 5000]):
        path = tmp_path / f"p{i}.toml"
        path.write_text(body, encoding="utf-8")
        err = io.StringIO()
        assert cli.main(["policy", "validate", str(path)], out=io.StringIO(), err=err) == 3
        assert "line 1" in err.getvalue()


def test_check_file_integer_of_5000_digits_names_its_path_and_line(tmp_path: Path) -> None:
    text = TEXT.replace('"seq": 42', '"seq": ' + "4" * 5000, 1)
    e = _check(tmp_path, text)
    assert e.path == "transaction.order.seq"
    assert e.line == _line_of(TEXT, '"seq": 42')
    assert f"longer than {MAX_NUMBER_LENGTH}" in e.reason
    assert len(str(e)) < 400


def test_event_integer_of_5000_digits_is_a_rejected_line_and_reading_goes_on() -> None:
    line = RATE_LINE.replace('"7.1"', "1" * 5000)
    items = list(read_events([line, RATE_LINE]))
    assert isinstance(items[0][1], MalformedEvent)
    assert items[0][1].path == "rate" and items[0][1].line == 1
    assert isinstance(items[1][1], sc.events.SetExchangeRate)


def test_decimal_text_longer_than_the_limit_is_refused() -> None:
    with pytest.raises(InvalidInput, match=f"longer than {MAX_NUMBER_LENGTH}"):
        sc.Money.parse("1" * 5000 + " CNY", path="amount")
    with pytest.raises(InvalidInput, match=f"more than {MAX_NUMBER_LENGTH} digits"):
        sc.Money(10**5000, "CNY")


def test_event_line_longer_than_1_mib_is_a_rejected_line() -> None:
    long = RATE_LINE[:-1] + ', "x": "' + "a" * MAX_LINE_LENGTH + '"}'
    for line in (long, long.encode("utf-8")):
        items = list(read_events([line, RATE_LINE]))
        assert isinstance(items[0][1], MalformedEvent) and items[0][1].line == 1
        assert "1 MiB" in items[0][1].reason
        assert not isinstance(items[1][1], MalformedEvent)


# -- duplicate keys -----------------------------------------------------------------------------


def test_check_file_duplicate_key_is_refused_with_its_path_and_line(tmp_path: Path) -> None:
    text = TEXT.replace('"seq": 42,', '"seq": 42,\n      "seq": 43,', 1)
    e = _check(tmp_path, text)
    assert e.path == "transaction.order.seq"
    assert e.line == _line_of(TEXT, '"seq": 42') + 1
    assert "duplicate key" in e.reason


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ('{"transaction": {}, "context": {}, "context": {}}', "context"),
        ('{"transaction": {"type": "PlaceOrder", "type": "X"}, "context": {}}', "transaction.type"),
        (
            TEXT.replace('"as_of": "2026-03-02",', '"as_of": "2026-03-02", "as_of": "x",'),
            "context.as_of",
        ),
    ],
)
def test_check_file_duplicate_keys_at_every_level(tmp_path: Path, text: str, path: str) -> None:
    e = _check(tmp_path, text)
    assert e.path == path and "duplicate key" in e.reason
    assert e.line == (1 if len(text) < 100 else _line_of(TEXT, '"as_of"'))


@pytest.mark.parametrize(
    ("line", "path"),
    [
        (RATE_LINE[:-1] + ', "rate": "8"}', "rate"),
        (RATE_LINE[:-1] + ', "type": "SetExchangeRate"}', "type"),
    ],
)
def test_event_duplicate_key_is_a_rejected_line_with_its_path(line: str, path: str) -> None:
    item = _one_event(line)
    assert isinstance(item, MalformedEvent)
    assert item.path == path and item.line == 1 and "duplicate key" in item.reason


def test_event_duplicate_key_nested_is_refused_by_the_fast_and_the_generic_reader() -> None:
    data = json.loads(json.loads(json.dumps(TEXT)))["transaction"]
    line = json.dumps(data).replace('"seq": 42', '"seq": 42, "seq": 42', 1)
    item = _one_event(line)
    assert isinstance(item, MalformedEvent)
    assert item.path == "order.seq"


# -- Unicode ------------------------------------------------------------------------------------


def test_lone_surrogate_in_an_id_is_refused_by_the_constructor() -> None:
    with pytest.raises(InvalidInput) as info:
        sc.Actor(id="u-\ud800", roles=())
    assert info.value.path == "Actor.id"
    str(info.value).encode("utf-8")
    json.dumps(info.value.to_dict(), ensure_ascii=False).encode("utf-8")


def test_lone_surrogate_in_a_check_file_names_its_path_and_line(tmp_path: Path) -> None:
    text = TEXT.replace('"id": "u-rep"', '"id": "u-\\ud800"', 1)
    e = _check(tmp_path, text)
    assert e.path == "transaction.actor.id"
    assert e.line == _line_of(TEXT, '"id": "u-rep"')
    assert "Unicode" in e.reason


def test_lone_surrogate_in_a_check_file_key_prints(tmp_path: Path) -> None:
    e = _check(tmp_path, '{"transaction": {}, "\\udc00": 1, "context": {}}')
    assert str(e).encode("utf-8") and e.path == "\\udc00"


def test_cli_check_with_a_lone_surrogate_exits_3_and_prints(tmp_path: Path) -> None:
    import io

    path = tmp_path / "c.json"
    path.write_text(TEXT.replace('"id": "u-rep"', '"id": "u-\\ud800"', 1), encoding="utf-8")
    for extra in ([], ["--json"]):
        out, err = io.StringIO(), io.StringIO()
        assert cli.main(["check", *extra, str(path)], out=out, err=err) == 3
        (out.getvalue() + err.getvalue()).encode("utf-8")


def test_lone_surrogate_in_an_event_line_is_a_rejected_line() -> None:
    item = _one_event(RATE_LINE.replace('"USD/CNY"', '"USD/CNY\\ud800"'))
    assert isinstance(item, MalformedEvent) and item.line == 1
    assert item.path == "pair"
    str(item).encode("utf-8")


def test_valid_non_ascii_text_is_kept() -> None:
    assert sc.Actor(id="销售-1", roles=()).id == "销售-1"
    assert structure("客户 😀", str, "x") == "客户 😀"


# -- dates and numbers exactly as the schema says ------------------------------------------------


@pytest.mark.parametrize(
    "text", ["2026-W10-1", "2026W101", "20260302", "２０２６-03-02", "2026-061"]
)
def test_dates_are_calendar_dates_only(text: str) -> None:
    with pytest.raises(InvalidInput) as info:
        structure(text, dt.date, "as_of")
    assert info.value.path == "as_of"


@pytest.mark.parametrize(
    "text",
    [
        "2026-W10-1T10:15:00+08:00",
        "20260302T101500+0800",
        "2026-03-02T１０:15:00+08:00",
        "2026-03-02T10",
    ],
)
def test_datetimes_are_calendar_date_times_only(text: str) -> None:
    with pytest.raises(InvalidInput) as info:
        structure(text, dt.datetime, "at")
    assert info.value.path == "at"
    item = _one_event(RATE_LINE.replace("2026-01-01T00:00:00+08:00", text))
    assert isinstance(item, MalformedEvent) and item.path == "at"


@pytest.mark.parametrize(
    "text", ["2026-03-02T10:15:00+08:00", "2026-03-02T10:15+08:00", "2026-03-02 10:15:00.123456Z"]
)
def test_rfc3339_datetimes_still_read(text: str) -> None:
    assert structure(text, dt.datetime, "at").tzinfo is not None


@pytest.mark.parametrize("text", ["１２３", "1_000", "1_000.00", "٣", "12.5０"])
def test_decimal_text_is_ascii_without_underscores(text: str) -> None:
    with pytest.raises(InvalidInput) as info:
        sc.Money.parse(f"{text} CNY", path="price")
    assert info.value.path == "price"
    with pytest.raises(InvalidInput):
        structure(text, Decimal, "q")
    item = _one_event(RATE_LINE.replace('"7.1"', json.dumps(text)))
    assert isinstance(item, MalformedEvent) and item.path == "rate"


def test_plain_decimal_text_still_reads() -> None:
    assert sc.Money.parse(" 1000.50 CNY").amount == Decimal("1000.50")
    assert structure("-0.5", Decimal, "q") == Decimal("-0.5")


# -- API constructors, error messages -----------------------------------------------------------


@pytest.mark.parametrize("rate", [Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity")])
def test_context_nan_exchange_rate_is_invalid_input(rate: Decimal) -> None:
    with pytest.raises(InvalidInput) as info:
        sc.Context(as_of=dt.date(2026, 3, 2), fx_rates={"USD/CNY": rate})
    assert info.value.path == "Context.fx_rates.USD/CNY"


def test_error_message_with_a_4300_digit_value_does_not_crash() -> None:
    huge = int("9" * 4300) * 10
    e = InvalidInput("is wrong", path="x", value=huge)
    assert "digits" in str(e) and len(str(e)) < 200
    assert "digits" in e.to_dict()["value"]
    long = InvalidInput("is wrong", path="x", value="y" * 10_000)
    assert len(str(long)) < 300 and str(long).endswith("...)")


def test_error_message_with_a_failing_repr_does_not_crash() -> None:
    class Bad:
        def __repr__(self) -> str:
            raise RuntimeError("no")

    assert "Bad" in str(InvalidInput("x", value=Bad()))


# -- a float in a check file --------------------------------------------------------------------


def test_float_in_a_check_file_names_its_path_and_line(tmp_path: Path) -> None:
    data = json.loads(TEXT)
    data["transaction"]["order"]["lines"][0]["quantity"] = 1.5
    text = json.dumps(data, indent=2)
    e = _check(tmp_path, text)
    assert e.path == "transaction.order.lines[0].quantity"
    assert e.line == _line_of(text, '"quantity": 1.5')
    assert "float" in e.reason
    assert e.to_dict()["path"] == "transaction.order.lines[0].quantity"


def test_float_in_a_check_file_context_names_its_path_and_line(tmp_path: Path) -> None:
    data = json.loads(TEXT)
    data["context"]["fx_rates"] = {"USD/CNY": 7.1}
    text = json.dumps(data, indent=2)
    e = _check(tmp_path, text)
    assert e.path == "context.fx_rates.USD/CNY"
    assert e.line == _line_of(text, '"USD/CNY": 7.1')


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_json_nan_and_infinity_in_a_check_file_are_refused_with_a_path(
    tmp_path: Path, literal: str
) -> None:
    data = json.loads(TEXT)
    data["context"]["as_of"] = "@@"
    e = _check(tmp_path, json.dumps(data).replace('"@@"', literal))
    assert e.path == "context.as_of" and e.line == 1


def test_any_typed_field_refuses_floats_and_marks() -> None:
    from typing import Any as AnyT

    with pytest.raises(InvalidInput) as info:
        structure({"a": [1, 2.5]}, AnyT, "facts")
    assert info.value.path == "facts.a[1]"


def test_line_of_finds_the_nearest_enclosing_value() -> None:
    text = '{\n "a": {\n  "b": [\n   1,\n   {"c": 2}\n  ]\n }\n}'
    assert line_of(text, "a.b[1].c") == 5
    assert line_of(text, "a.b[1].zz") == 5
    assert line_of(text, "a") == 2
    assert line_of(text, "nope") == 1
    assert line_of("{not json", "a") is None


def test_parse_event_still_takes_a_plain_dict() -> None:
    event = parse_event(json.loads(RATE_LINE))
    assert event.rate == Decimal("7.1")  # type: ignore[union-attr]
