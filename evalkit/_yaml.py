"""Read a policy params file: YAML without surprises.

The loader is PyYAML's ``SafeLoader`` with two changes, as papermill does for its
parameters:

- values that look like dates (``2020-01-01``) stay text: they are not turned into
  ``datetime.date`` objects behind the user's back;
- a key repeated in the same mapping is reported (YAML would silently keep the
  last one).

Syntax errors are reported with their line and column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from evalkit.errors import ParamsError

__all__ = ["read_params_yaml"]

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _StrictLoader(yaml.SafeLoader):
    """``SafeLoader`` that keeps dates as text and records duplicate keys."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self.duplicate_keys: list[str] = []

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            first_seen: dict[Any, yaml.Mark] = {}
            for key_node, _ in node.value:
                if key_node.tag == _MERGE_TAG or not isinstance(key_node, yaml.ScalarNode):
                    continue
                key = self.construct_object(key_node, deep=True)
                mark = key_node.start_mark
                if key in first_seen:
                    first = first_seen[key]
                    self.duplicate_keys.append(
                        f"line {mark.line + 1}, column {mark.column + 1}: key {key!r} is repeated "
                        f"(first given at line {first.line + 1}); each key may appear only once"
                    )
                else:
                    first_seen[key] = mark
        return super().construct_mapping(node, deep=deep)


_StrictLoader.yaml_implicit_resolvers = {
    first_char: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP_TAG]
    for first_char, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _syntax_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
    text = f"{where}YAML syntax error: {problem}"
    if context:
        text += f" ({context})"
    return text


def read_params_yaml(path: str | Path) -> tuple[dict[str, Any], list[str]]:
    """Read a params file into a mapping, without interpreting it further.

    Parameters
    ----------
    path
        The YAML file.

    Returns
    -------
    data : dict
        The document's top-level mapping.
    problems : list of str
        Problems that do not stop reading (repeated keys), to be reported with
        the others found later.

    Raises
    ------
    ParamsError
        If the file cannot be read, is not valid YAML (the problem gives the line
        and column), holds several documents, or is not a mapping of keys.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ParamsError(p, ["the params file does not exist"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ParamsError(p, [f"the params file cannot be read as UTF-8 text: {exc}"]) from None

    loader = _StrictLoader(text)
    try:
        documents = []
        while loader.check_data():
            documents.append(loader.get_data())
    except yaml.YAMLError as exc:
        raise ParamsError(p, [_syntax_problem(exc)]) from None
    finally:
        loader.dispose()

    if len(documents) != 1:
        raise ParamsError(p, [
            f"the file must hold exactly one YAML document (a mapping of keys such as "
            f"'policy', 'language', 'data', 'design'); got {len(documents)}"
        ])
    data = documents[0]
    if not isinstance(data, dict):
        raise ParamsError(p, [
            "the file must be a mapping of keys (policy, language, data, design ...); "
            f"got a {type(data).__name__}: {data!r}"
        ])
    return data, list(loader.duplicate_keys)
