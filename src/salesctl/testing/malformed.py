"""Malformed text for the file boundaries: check files, policy files, event lines.

Where :mod:`salesctl.testing.fuzz` draws JSON *values* with hypothesis, this module damages
*text* with a seeded :class:`random.Random`, fast enough for 100,000 inputs a minute: each
input is a valid seed with one to three of the attacks issue 19 found (nesting past
:data:`~salesctl._convert.MAX_DEPTH`, integers of thousands of digits, a key given twice, a
lone surrogate, week dates, full-width digits, underscores, floats, ``NaN``) and of plain
damage (a character changed, inserted or deleted, the text cut, bytes that are not UTF-8).

>>> import random
>>> from salesctl.testing.malformed import malformed_json
>>> text = malformed_json('{"a": "2026-03-02", "b": 12}', random.Random(1))
>>> isinstance(text, str)
True
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

__all__ = ["ATTACKS", "malformed_bytes", "malformed_json", "malformed_toml"]

_DEPTHS = (65, 66, 200, 5_000, 100_000)
_NUMBERS = (
    "9" * 5_000,
    "-" + "1" * 4_301,
    "1" * 101,
    "1.5",
    "-0.0",
    "1e999",
    "NaN",
    "Infinity",
    "-Infinity",
    "0",
    "-1",
    "1E+2",
)
_TEXTS = (
    "\\ud800",
    "\\udfff",
    "\\ud83d",
    "１２３",
    "1_000",
    "1_000.00 CNY",
    "１２３.00 CNY",
    "2026-W10-1",
    "2026-W10-1T10:15:00+08:00",
    "20260302",
    "２０２６-03-02",
    "2026-03-02T10",
    "2026-061",
    "NaN",
    "sNaN CNY",
    "1e999999999 CNY",
    "",
    " ",
    "\\u0000",
    "٣",
)
_KEY = re.compile(r'"([^"\\]{1,40})"\s*:')
_STRING = re.compile(r'"([^"\\]{0,60})"')
_NUMBER = re.compile(r"(?<![\w.\"-])-?[0-9]+(?:\.[0-9]+)?(?![\w.\"])")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_NOISE = '{}[]",:\\ \n\t0123456789-+.eEtrufalsn\x00\x7f\u00e9\u4e2d\U0001f600\ufeff'


def _at(rng: random.Random, text: str) -> int:
    return rng.randrange(len(text) + 1)


def _nest(rng: random.Random, text: str) -> str:
    k = rng.choice(_DEPTHS)
    o, c = rng.choice((("[", "]"), ("{", "}"), ('{"a":', "}"), ("[[", "]]")))
    deep = o * k + "1" + c * k
    m = list(_NUMBER.finditer(text)) or list(_STRING.finditer(text))
    if m and rng.random() < 0.8:
        hit = rng.choice(m)
        return text[: hit.start()] + deep + text[hit.end() :]
    i = _at(rng, text)
    return text[:i] + deep + text[i:]


def _number(rng: random.Random, text: str) -> str:
    m = list(_NUMBER.finditer(text)) or list(_STRING.finditer(text))
    if not m:
        return text + rng.choice(_NUMBERS)
    hit = rng.choice(m)
    return text[: hit.start()] + rng.choice(_NUMBERS) + text[hit.end() :]


def _duplicate(rng: random.Random, text: str) -> str:
    m = list(_KEY.finditer(text))
    if not m:
        return text
    hit = rng.choice(m)
    value = rng.choice(("null", "1", '"x"', "[]", "{}", '"2026-03-02"'))
    return text[: hit.start()] + f'"{hit.group(1)}": {value}, ' + text[hit.start() :]


def _text(rng: random.Random, text: str) -> str:
    m = list(_STRING.finditer(text))
    if not m:
        return text
    hit = rng.choice(m)
    new = rng.choice(_TEXTS)
    if rng.random() < 0.5:  # inside the string, or instead of it
        new = hit.group(1) + new
    return text[: hit.start()] + f'"{new}"' + text[hit.end() :]


def _date(rng: random.Random, text: str) -> str:
    m = list(_DATE.finditer(text))
    if not m:
        return _text(rng, text)
    hit = rng.choice(m)
    new = rng.choice(("2026-W10-1", "20260302", "２０２６-03-02", "2026-061", "2026-02-30"))
    return text[: hit.start()] + new + text[hit.end() :]


def _noise(rng: random.Random, text: str) -> str:
    i = _at(rng, text)
    op = rng.randrange(3)
    ch = rng.choice(_NOISE)
    if op == 0:
        return text[:i] + ch + text[i:]
    if op == 1:
        return text[:i] + text[i + 1 :]
    return text[:i] + ch + text[i + 1 :]


def _cut(rng: random.Random, text: str) -> str:
    return text[: _at(rng, text)]


#: The attacks on JSON text, by name (each takes the random source and the text).
ATTACKS: dict[str, Callable[[random.Random, str], str]] = {
    "nest": _nest,
    "number": _number,
    "duplicate": _duplicate,
    "text": _text,
    "date": _date,
    "noise": _noise,
    "cut": _cut,
}
_ORDER = tuple(ATTACKS.values())
_WEIGHTS = (2, 2, 3, 3, 2, 3, 1)


def malformed_json(seed: str, rng: random.Random, *, max_attacks: int = 3) -> str:
    """``seed`` (JSON text) with one to ``max_attacks`` attacks of :data:`ATTACKS`."""
    text = seed
    for attack in rng.choices(_ORDER, _WEIGHTS, k=rng.randint(1, max_attacks)):
        text = attack(rng, text)
    return text


_TOML_VALUE = re.compile(r"(?m)(=\s*)(.+)$")
_TOML_VALUES = (
    "9" * 5_000,
    "1_000",
    "1.5",
    "nan",
    "inf",
    '"1_000.00 CNY"',
    '"１２３ CNY"',
    '"2026-W10-1"',
    "2026-03-02",
    '"\\ud800"',
    '"\\udfff"',
    "0x7f",
    "1e999",
    "[1, 1.5]",
    "{a = 1, a = 2}",
)


def malformed_toml(seed: str, rng: random.Random, *, max_attacks: int = 3) -> str:
    """``seed`` (TOML text) with one to ``max_attacks`` attacks: deep arrays and inline
    tables, long and odd numbers and strings put in for values, duplicated lines and keys,
    plain damage."""
    text = seed
    for _ in range(rng.randint(1, max_attacks)):
        op = rng.randrange(6)
        m = list(_TOML_VALUE.finditer(text))
        if op == 0 and m:
            hit = rng.choice(m)
            k = rng.choice(_DEPTHS)
            deep = rng.choice(("[" * k + "]" * k, "{a = " * k + "1" + "}" * k))
            text = text[: hit.start(2)] + deep + text[hit.end(2) :]
        elif op == 1 and m:
            hit = rng.choice(m)
            text = text[: hit.start(2)] + rng.choice(_TOML_VALUES) + text[hit.end(2) :]
        elif op == 2:
            lines = text.splitlines()
            if lines:
                i = rng.randrange(len(lines))
                lines.insert(i, lines[i])
                text = "\n".join(lines)
        elif op == 3:
            text = _noise(rng, text)
        elif op == 4:
            text = _cut(rng, text)
        else:
            text = _text(rng, text.replace("'", '"'))
    return text


def malformed_bytes(text: str, rng: random.Random) -> bytes:
    """``text`` as bytes that may not be UTF-8: encoded with lone surrogates kept, a byte
    flipped, a BOM or UTF-16 put in front."""
    raw = text.encode("utf-8", "surrogatepass")
    op = rng.randrange(4)
    if op == 0 and raw:
        i = rng.randrange(len(raw))
        raw = raw[:i] + bytes([rng.randrange(256)]) + raw[i + 1 :]
    elif op == 1:
        raw = b"\xef\xbb\xbf" + raw
    elif op == 2:
        raw = b"\xff\xfe" + text.encode("utf-16-le", "surrogatepass")
    return raw
