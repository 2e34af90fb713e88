"""Schema errors in the project's wording: ``"<key>: <what was expected>; got <value>"``.

Shared by every strict YAML schema (policy params files, indicator definitions).
"""

from __future__ import annotations

import difflib
import itertools
import types
import typing
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

__all__ = ["describe_value", "format_validation_errors", "short_repr"]


class _Full(Exception):
    """The text being built has reached its limit."""


def short_repr(value: Any, limit: int = 80) -> str:
    """``repr(value)`` cut to ``limit`` characters, without ever rendering more than that.

    Containers are rendered item by item and abandoned once the text is long enough,
    strings are cut before they are quoted, and integers too long to print (Python
    refuses more than 4,300 digits) are described: a value read from a file of any size
    (or a YAML structure that repeats itself) costs a few microseconds to show.

    >>> short_repr(["lol"] * 10**6, 20)
    "['lol', 'lol', 'l..."
    """
    out: list[str] = []
    used = 0

    def put(text: str) -> None:
        nonlocal used
        out.append(text)
        used += len(text)
        if used > limit:
            raise _Full

    def walk(item: Any, depth: int) -> None:
        if isinstance(item, str):
            put(repr(item[: limit + 1]))
        elif isinstance(item, int) and not isinstance(item, bool) and item.bit_length() > 3000:
            put(f"<a number of about {int(item.bit_length() * 0.30103):,} digits>")
        elif isinstance(item, list | tuple | dict):
            opening, closing = ("{", "}") if isinstance(item, dict) else (
                ("[", "]") if isinstance(item, list) else ("(", ")"))
            if depth >= 6:
                put(f"{opening}...{closing}")
                return
            put(opening)
            entries = item.items() if isinstance(item, dict) else ((None, v) for v in item)
            for i, (key, entry) in enumerate(entries):
                if i:
                    put(", ")
                if isinstance(item, dict):
                    walk(key, depth + 1)
                    put(": ")
                walk(entry, depth + 1)
            put("," + closing if isinstance(item, tuple) and len(item) == 1 else closing)
        else:
            put(repr(item))

    try:
        walk(value, 0)
    except _Full:
        return "".join(out)[: max(0, limit - 3)] + "..."
    return "".join(out)


def describe_value(value: Any, limit: int = 80) -> str:
    """A short description of a value found in a params file, for error messages.

    The value is never rendered beyond ``limit`` characters (see :func:`short_repr`).
    """
    if value is None:
        return "nothing (null)"
    if isinstance(value, dict):
        keys = [short_repr(key, 30) for key in itertools.islice(value, 8)]
        more = ", ..." if len(value) > 8 else ""
        return f"a mapping with keys {', '.join(keys)}{more}"
    text = short_repr(value, limit)
    if isinstance(value, bool):
        return f"{text} (a boolean)"
    if isinstance(value, int | float):
        return f"{text} (a number)"
    if isinstance(value, list):
        return f"{text} (a list)"
    return text


def _key_path(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = str(part)
            out += ("." if out else "") + (text if len(text) <= 60 else text[:57] + "...")
    return out or "(top level)"


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _model_of(arg)
            if found is not None:
                return found
    return None


def _model_at(root: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    model: type[BaseModel] | None = root
    for part in loc:
        if model is None or part not in model.model_fields:
            return None
        model = _model_of(model.model_fields[part].annotation)
    return model


_EXPECTED = {
    "string_type": "must be text",
    "int_type": "must be an integer",
    "float_type": "must be a number",
    "bool_type": "must be true or false",
    "list_type": "must be a list, e.g. [a, b]",
    "dict_type": "must be a mapping of keys",
    "model_type": "must be a mapping of keys",
    "model_attributes_type": "must be a mapping of keys",
    "string_too_short": "must not be empty",
}


def _expected(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind in _EXPECTED:
        return _EXPECTED[kind]
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected', '')}".replace(" or ", ", ")
    if kind in ("greater_than", "less_than", "greater_than_equal", "less_than_equal"):
        words = {"greater_than": "greater than", "less_than": "less than",
                 "greater_than_equal": "at least", "less_than_equal": "at most"}[kind]
        bound = next(iter(ctx.values()), "")
        return f"must be {words} {bound}"
    if kind in ("too_short", "too_long"):
        low, high = ctx.get("min_length"), ctx.get("max_length")
        if kind == "too_short":
            return f"must have at least {low} items"
        return f"must have at most {high} items"
    message = str(error.get("msg", "is not valid"))
    message = message.removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


def format_validation_errors(exc: ValidationError, root: type[BaseModel]) -> list[str]:
    """Turn pydantic's errors into ``"<key>: <expected>; got <value>"`` problems."""
    problems = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        path = _key_path(loc)
        value = error.get("input")
        kind = error["type"]
        if kind == "missing":
            problems.append(f"{path}: required key is missing")
            continue
        if kind == "extra_forbidden":
            section = _model_at(root, loc[:-1])
            allowed = list(section.model_fields) if section is not None else []
            text = f"{path}: unknown key"
            if allowed:
                text += f"; the keys allowed here are {', '.join(allowed)}"
                name = str(loc[-1])
                close = difflib.get_close_matches(name, allowed, n=1) if len(name) <= 100 else []
                if close:
                    text += f" (did you mean {close[0]!r}?)"
            problems.append(f"{text}; got {describe_value(value)}")
            continue
        text = f"{path}: {_expected(error)}; got {describe_value(value)}"
        if kind == "string_type" and isinstance(value, bool | int | float):
            hint = "put the value in quotes to keep it as text"
            if isinstance(value, bool):
                hint += "; YAML reads yes/no, on/off and true/false as booleans"
            text += f" ({hint})"
        problems.append(text)
    return problems


# --------------------------------------------------------------------------- rules
