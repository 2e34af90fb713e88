"""Schema errors in the project's wording: ``"<key>: <what was expected>; got <value>"``.

Shared by every strict YAML schema (policy params files, indicator definitions).
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

__all__ = ["describe_value", "format_validation_errors"]


def describe_value(value: Any, limit: int = 80) -> str:
    """A short description of a value found in a params file, for error messages."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, dict):
        return f"a mapping with keys {', '.join(map(repr, list(value)[:8]))}"
    text = repr(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
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
            out += ("." if out else "") + str(part)
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
                close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
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
