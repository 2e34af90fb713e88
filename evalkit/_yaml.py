"""Read a policy params file: YAML without surprises.

The loader is PyYAML's ``SafeLoader`` with these changes, as papermill does for its
parameters and as any reader of files written by hand should:

- values that look like dates (``2020-01-01``) stay text: they are not turned into
  ``datetime.date`` objects behind the user's back;
- a key repeated in the same mapping is reported (YAML would silently keep the
  last one);
- the file is bounded before anything else: at most :data:`MAX_FILE_BYTES` bytes are
  read, and the document may hold at most :data:`MAX_VALUES` values (keys, values and
  list items, each alias counting the values it repeats) nested at most
  :data:`MAX_DEPTH` levels deep. A params file is a few KB and a few hundred values;
  the limits stop a file of another kind, or a "billion laughs" of aliases repeating
  aliases, in a fraction of a second instead of exhausting time and memory. An alias
  that repeats the block containing it (a structure without end) is refused too.

Syntax errors are reported with their line and column and, for the common slips
(a value containing ``": "``, a tab, an unclosed quote or bracket, a misaligned key,
a backslash in double quotes), a hint saying how to write it.
"""

from __future__ import annotations

import re
import stat
from pathlib import Path
from typing import Any

import yaml

from evalkit.errors import ParamsError

__all__ = ["read_params_yaml", "MAX_FILE_BYTES", "MAX_VALUES", "MAX_DEPTH"]

#: The largest params file read, in bytes (1 MB). A params file is a few KB.
MAX_FILE_BYTES = 1_000_000
#: The most values a file may hold once its aliases are expanded. A params file holds
#: a few hundred; a definitions file of a hundred indicators a few thousand.
MAX_VALUES = 10_000
#: The deepest nesting of mappings and lists. A params file nests three or four levels.
MAX_DEPTH = 50
#: The most characters of an integer: Python refuses to read more than 4,300 digits,
#: and no key of a params file needs more than a few.
_MAX_INT_CHARS = 100

_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _Refused(yaml.YAMLError):
    """The document goes past one of the limits (or repeats itself without end).

    Its message is the whole problem, with the line and column.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _at(mark: yaml.Mark | None) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""


class _StrictLoader(yaml.SafeLoader):
    """``SafeLoader`` that keeps dates as text, records duplicate keys and bounds the size."""

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self.duplicate_keys: list[str] = []
        self._values = 0
        self._depth = 0
        self._open_anchors: set[str] = set()
        self._sizes: dict[int, tuple[yaml.Node, int]] = {}

    # ------------------------------------------------------------------ composing
    def _expanded_size(self, node: yaml.Node) -> int:
        """How many values ``node`` stands for, every alias inside it expanded."""
        known = self._sizes.get(id(node))
        if known is not None:
            return known[1]
        size = 1
        if isinstance(node, yaml.SequenceNode):
            size += sum(self._expanded_size(item) for item in node.value)
        elif isinstance(node, yaml.MappingNode):
            size += sum(self._expanded_size(k) + self._expanded_size(v) for k, v in node.value)
        self._sizes[id(node)] = (node, size)  # the node is kept so that its id stays its own
        return size

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            anchor = event.anchor
            if anchor in self._open_anchors:
                raise _Refused(
                    f"{_at(event.start_mark)}the alias *{anchor} repeats the block &{anchor} "
                    f"that contains it, which would never end; an alias can only repeat a "
                    f"block that is complete before it")
            target = self.anchors.get(anchor)
            if target is not None:
                self._count(self._expanded_size(target), event.start_mark, alias=anchor)
            return super().compose_node(parent, index)
        self._count(1, event.start_mark)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise _Refused(
                f"{_at(event.start_mark)}the values are nested more than {MAX_DEPTH} levels "
                f"deep; a params file nests a few levels (section, key, list)")
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            self._open_anchors.add(anchor)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1
            if anchor is not None:
                self._open_anchors.discard(anchor)

    def _count(self, values: int, mark: yaml.Mark, *, alias: str | None = None) -> None:
        self._values += values
        if self._values <= MAX_VALUES:
            return
        if alias is not None:
            raise _Refused(
                f"{_at(mark)}YAML aliases expand too much: with *{alias} (which repeats "
                f"{values:,} values) the file would hold more than {MAX_VALUES:,} values "
                f"(keys, values and list items, each alias counting what it repeats); a "
                f"params file holds a few hundred. Aliases may repeat a few small blocks, "
                f"not aliases of aliases: write the values out")
        raise _Refused(
            f"{_at(mark)}the file holds more than {MAX_VALUES:,} values (keys, values and "
            f"list items); a params file holds a few hundred: is it the right file?")

    # --------------------------------------------------------------- constructing
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
                        f"line {mark.line + 1}, column {mark.column + 1}: key "
                        f"{_short(key)} is repeated (first given at line {first.line + 1}); "
                        f"each key may appear only once")
                else:
                    first_seen[key] = mark
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        text = self.construct_scalar(node)
        if len(text) > _MAX_INT_CHARS:
            raise _Refused(
                f"{_at(node.start_mark)}a number of {len(text):,} characters is longer than "
                f"a params file can hold (at most {_MAX_INT_CHARS}); put the value in quotes "
                f"if it is text")
        return super().construct_yaml_int(node)


_StrictLoader.add_constructor("tag:yaml.org,2002:int", _StrictLoader.construct_yaml_int)
_StrictLoader.yaml_implicit_resolvers = {
    first_char: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP_TAG]
    for first_char, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _short(value: Any, limit: int = 60) -> str:
    from evalkit._schema_errors import short_repr

    return short_repr(value, limit)


# ------------------------------------------------------------------------ hints

_KEY_VALUE = re.compile(
    r"""^(?P<lead>\s*(?:-\s+)*)(?P<key>"[^"]*"|'[^']*'|[^\s"'#\-\[{][^:]*?|-[^\s:][^:]*?)"""
    r""":[ \t]+(?P<value>.*)$""")
_SUGGESTION_LIMIT = 70
#: Only the start of a line is looked at for a hint (a suggestion is a short line anyway).
_HINT_CHARS = 500


def _quoted(value: str) -> str:
    if '"' not in value and "\\" not in value:
        return f'"{value}"'
    if "'" not in value:
        return f"'{value}'"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _split_line(line: str) -> tuple[str, str, str, int] | None:
    """``(lead, key, value, column of the value)`` of a ``key: value`` line, if it is one."""
    found = _KEY_VALUE.match(line)
    if found is None:
        return None
    value = found["value"]
    comment = value.find(" #")
    if comment >= 0:
        value = value[:comment]
    return found["lead"], found["key"], value.rstrip(), found.start("value")


def _quote_suggestion(line: str) -> str | None:
    """The line with its value in quotes (``key: "text: with colon"``), if short enough."""
    parts = _split_line(line)
    if parts is None or not parts[2] or len(line) >= _HINT_CHARS:  # a line cut short
        return None
    lead, key, value, _ = parts
    dash = "- " if "-" in lead else ""
    suggestion = f"{dash}{key}: {_quoted(value)}"
    return suggestion if len(suggestion) <= _SUGGESTION_LIMIT else None


def _quote_hint(line: str, why: str) -> str:
    suggestion = _quote_suggestion(line)
    return why if suggestion is None else f"{why}, e.g. {suggestion}"


def _previous_line(lines: list[str], index: int) -> tuple[int, str] | None:
    for i in range(index - 1, -1, -1):
        text = lines[i].strip()
        if text and not text.startswith("#"):
            return i, lines[i]
    return None


def _colon_hint(lines: list[str], mark: yaml.Mark) -> str:
    """``mapping values are not allowed here``: a colon in a value, or the line above."""
    line = lines[mark.line] if mark.line < len(lines) else ""
    parts = _split_line(line)
    if parts is not None and mark.column >= parts[3]:
        return _quote_hint(line, "a value that contains ': ' (a colon and a space) must be "
                                 "put in quotes")
    previous = _previous_line(lines, mark.line)
    if previous is not None:
        number, text = previous
        shown = text.strip()
        if len(shown) > 40:
            shown = shown[:37] + "..."
        if ":" not in text:
            return (f"line {number + 1} ({shown!r}) has no ':' after its key; a key is "
                    f"followed by ': ' (a colon and a space), e.g. name: value")
        if re.search(r":\S", text) and not re.search(r":(\s|$)", text):
            return (f"line {number + 1} ({shown!r}) needs a space after its ':' "
                    f"(name: value, not name:value)")
    return ("check the indentation: the keys of one mapping start in the same column, "
            "and a key cannot follow a plain value on the line above it")


def _hint(exc: yaml.MarkedYAMLError, lines: list[str]) -> tuple[str | None, yaml.Mark | None]:
    """A hint for a common slip, and the mark to report when better than the problem's."""
    problem = str(exc.problem or "")
    context = str(exc.context or "")
    mark, opened = exc.problem_mark, exc.context_mark
    line = lines[mark.line] if mark is not None and mark.line < len(lines) else ""
    if "mapping values are not allowed" in problem and mark is not None:
        return _colon_hint(lines, mark), None
    if "'\\t'" in problem or "tab character" in problem:
        return ("replace the tab with spaces: YAML indents with spaces only, and a tab "
                "cannot start a value"), None
    if "quoted scalar" in context and ("end of stream" in problem
                                       or "document separator" in problem):
        quote = '"'
        if opened is not None and opened.line < len(lines) \
                and opened.column < len(lines[opened.line]):
            quote = lines[opened.line][opened.column]
        return (f"the quote {quote} that opens the value here is never closed: end the "
                f"value with {quote}"), opened
    if "unknown escape character" in problem:
        return ("in double quotes a backslash starts an escape (\\n, \\t, \\\\ ...): write "
                "\\\\ for a backslash, or put the value in single quotes "
                "('C:\\data\\file.csv'), or use forward slashes (C:/data/file.csv)"), None
    if "undefined alias" in problem:
        return _quote_hint(line, "a value that starts with * is read as a YAML alias: put "
                                 "it in quotes"), None
    if "constructor for the tag" in problem:
        return _quote_hint(line, "a value that starts with ! is read as a YAML tag: put it "
                                 "in quotes"), None
    if "cannot start any token" in problem:
        return _quote_hint(line, "a value that starts with @, ` or % must be put in "
                                 "quotes"), None
    if "flow sequence" in context or "flow mapping" in context:
        close = "]" if "sequence" in context else "}"
        if opened is not None and mark is not None and opened.line == mark.line \
                and "':'" in problem:
            return ("an item that contains ': ' inside [ ] or { } must be put in quotes, "
                    "e.g. [\"a: b\", c]"), None
        kind, start = ("list", "[") if close == "]" else ("mapping", "{")
        return (f"the {kind} opened here with {start} is never closed: end it with "
                f"{close}"), opened
    if "sequence entries are not allowed" in problem:
        return ("a list starts on the line after its key, one '- item' per line indented "
                "under the key, or is written on one line as [a, b]"), None
    if "but found '<scalar>'" in problem and ('"' in line or "'" in line):
        return ("the value's closing quote comes before its end: put the whole value in "
                "quotes, e.g. \"say 'hi'\" or 'say \"hi\"' (in single quotes, write a quote "
                "twice: 'It''s')"), None
    if problem.startswith(("expected <block end>", "did not find expected")) \
            or "could not find expected ':'" in problem:
        return ("check the indentation of this line: the keys of one mapping start in the "
                "same column, and list items ('- ') line up under their key"), None
    return None, None


def _syntax_problem(exc: yaml.YAMLError, text: str) -> str:
    if isinstance(exc, yaml.reader.ReaderError):
        return _reader_problem(exc, text)
    lines = [line[:_HINT_CHARS] for line in text.splitlines()]
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    mark = getattr(exc, "problem_mark", None)
    first = getattr(exc, "context_mark", None)
    if context and "duplicate anchor" in context and first is not None:
        name = context.split("'")[1] if context.count("'") >= 2 else "?"
        return (f"{_at(mark)}YAML syntax error: the anchor &{name} is defined twice (first at "
                f"line {first.line + 1}, column {first.column + 1}); give each anchor its own "
                f"name")
    hint, better = (_hint(exc, lines) if isinstance(exc, yaml.MarkedYAMLError)
                    else (None, None))
    message = f"{_at(better or mark)}YAML syntax error: {problem}"
    if context:
        message += f" ({context})"
    if hint:
        message += f"; {hint}"
    if better is not None and mark is not None and better.line != mark.line:
        message += f" (noticed at line {mark.line + 1}, column {mark.column + 1})"
    return message


def _reader_problem(exc: yaml.reader.ReaderError, text: str) -> str:
    position = max(0, min(int(exc.position), len(text)))
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    character = exc.character
    code = f"U+{character:04X}" if isinstance(character, int) else repr(character)
    return (f"line {line}, column {column}: the file contains the control character {code}, "
            f"which YAML does not allow; remove it (is it a text file saved as UTF-8?)")


# ------------------------------------------------------------------------ reading

def _size_text(size: int) -> str:
    if size >= 1_000_000:
        return f"{size / 1_000_000:.1f}".removesuffix(".0") + " MB"
    return f"{size / 1_000:.0f} KB" if size >= 1_000 else f"{size} bytes"


def _read_bounded(p: Path) -> str:
    """The file's text, refusing what is not a regular file or is over the size limit."""
    try:
        info = p.stat()
    except FileNotFoundError:
        raise ParamsError(p, ["the params file does not exist"]) from None
    except OSError as exc:
        raise ParamsError(p, [f"the params file cannot be read: {exc.strerror or exc}"]) from None
    if not stat.S_ISREG(info.st_mode):
        kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise ParamsError(p, [f"the params file must be a YAML file; got {kind}"])
    too_large = [f"the file is {_size_text(info.st_size)} ({info.st_size:,} bytes); a params "
                 f"file is a few KB and may be at most {_size_text(MAX_FILE_BYTES)} "
                 f"({MAX_FILE_BYTES:,} bytes): is it the right file?"]
    if info.st_size > MAX_FILE_BYTES:
        raise ParamsError(p, too_large)
    try:
        with p.open("rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ParamsError(p, [f"the params file cannot be read: {exc.strerror or exc}"]) from None
    if len(data) > MAX_FILE_BYTES:  # it grew since, or its size was not known
        raise ParamsError(p, [f"the file is larger than {_size_text(MAX_FILE_BYTES)} "
                              f"({MAX_FILE_BYTES:,} bytes); a params file is a few KB: is it "
                              f"the right file?"])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[:exc.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        raise ParamsError(p, [f"line {line}, column {column}: the params file cannot be read "
                              f"as UTF-8 text (byte 0x{data[exc.start]:02x}); save it as "
                              f"UTF-8"]) from None


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
        If the file cannot be read, is larger than :data:`MAX_FILE_BYTES` (checked
        before reading it), is not valid YAML (the problem gives the line and column,
        and a hint for the common slips), holds more than :data:`MAX_VALUES` values
        once its aliases are expanded or is nested deeper than :data:`MAX_DEPTH`
        levels, holds several documents, or is not a mapping of keys.
    """
    from evalkit._schema_errors import describe_value

    p = Path(path)
    text = _read_bounded(p)
    documents = []
    duplicates: list[str] = []
    loader: _StrictLoader | None = None
    try:
        loader = _StrictLoader(text)  # reading the text already checks its characters
        while loader.check_data():
            documents.append(loader.get_data())
        duplicates = list(loader.duplicate_keys)
    except _Refused as exc:
        raise ParamsError(p, [exc.message]) from None
    except yaml.YAMLError as exc:
        raise ParamsError(p, [_syntax_problem(exc, text)]) from None
    except RecursionError:  # a safety net: MAX_DEPTH stops nesting long before
        raise ParamsError(p, [f"the values are nested too deeply; a params file nests a few "
                              f"levels (at most {MAX_DEPTH})"]) from None
    finally:
        if loader is not None:
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
            f"got a {type(data).__name__}: {describe_value(data)}"
        ])
    return data, duplicates
