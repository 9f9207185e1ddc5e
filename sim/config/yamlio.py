"""Reading YAML input files safely: plain data only, bounded size and alias expansion, no duplicate keys.

Scenario and experiment files are data, never code: the safe loader builds only mappings, lists and scalars.
Before anything is built, the composed document is checked: a file over MAX_FILE_BYTES, an alias that refers
to itself (`a: &a [*a]`), aliases that expand beyond MAX_NODES nodes (a "billion laughs" file) or a mapping
with the same key twice are refused with an error that names the file and line(s).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from sim.errors import InputError

MAX_FILE_BYTES = 1_000_000  # an input file larger than this is refused
MAX_NODES = 100_000  # nodes of the document with every alias expanded
MAX_DEPTH = 60  # nesting of mappings and lists


class SafeLoader(yaml.SafeLoader):
    """PyYAML's safe loader (no tags that build objects)."""


def _check(root: yaml.Node, file: str) -> None:
    """Refuse recursive aliases, over-deep nesting, expansion beyond MAX_NODES and duplicate keys."""
    sizes: dict[int, int] = {}
    active: set[int] = set()
    seen_dups: set[int] = set()

    def size(node: yaml.Node, depth: int) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise InputError("an alias refers to the node that contains it (a recursive alias)", file=file,
                             line=node.start_mark.line + 1, allowed="aliases of complete, non-recursive nodes")
        if depth > MAX_DEPTH:
            raise InputError(f"nested more than {MAX_DEPTH} levels deep", file=file, line=node.start_mark.line + 1,
                             allowed=f"at most {MAX_DEPTH} levels of mappings and lists")
        active.add(key)
        total = 1
        if isinstance(node, yaml.MappingNode):
            if key not in seen_dups:
                seen_dups.add(key)
                first: dict[Any, int] = {}
                for k, _ in node.value:
                    if isinstance(k, yaml.ScalarNode):
                        ln = k.start_mark.line + 1
                        if k.value in first:
                            lines = f"lines {first[k.value]} and {ln}" if first[k.value] != ln else f"line {ln}"
                            raise InputError(f"the key {k.value!r} appears twice ({lines})",
                                             file=file, line=ln, given=k.value,
                                             allowed="each key once in a mapping")
                        first[k.value] = ln
            for k, v in node.value:
                total += size(k, depth + 1) + size(v, depth + 1)
        elif isinstance(node, yaml.SequenceNode):
            for v in node.value:
                total += size(v, depth + 1)
        active.discard(key)
        if total > MAX_NODES:
            raise InputError(f"the document expands to more than {MAX_NODES:,} values (through aliases)",
                             file=file, line=node.start_mark.line + 1,
                             allowed=f"at most {MAX_NODES:,} values once aliases are expanded")
        sizes[key] = total
        return total

    size(root, 0)


def key_value(node: yaml.Node) -> Any:
    """The Python value a mapping key node becomes (`1:` -> 1, `null:` -> None), for locating it by path."""
    if not isinstance(node, yaml.ScalarNode):
        return None
    if node.style is None and node.tag != "tag:yaml.org,2002:str":
        try:
            value = yaml.load(node.value, Loader=SafeLoader)
            hash(value)
            return value
        except (yaml.YAMLError, TypeError):
            pass
    return node.value


def line_map(node: yaml.Node | None, path: tuple = ()) -> dict[tuple, int]:
    """Dotted path (as a tuple of keys and list indices) -> line number, for every node of a checked document."""
    out: dict[tuple, int] = {}
    stack = [(node, path)] if node is not None else []
    while stack:
        n, p = stack.pop()
        out.setdefault(p, n.start_mark.line + 1)
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                kp = p + (key_value(k),)
                out[kp] = k.start_mark.line + 1
                stack.append((v, kp))
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                stack.append((v, p + (i,)))
    return out


def parse_yaml(text: str, file: str) -> tuple[Any, dict[tuple, int]]:
    """Parse YAML text into plain data and a line map; raise InputError naming `file` on any problem."""
    if "\x00" in text:
        raise InputError("the file holds a NUL character (it is not a text file)", file=file,
                         line=text[: text.index("\x00")].count("\n") + 1, allowed="a UTF-8 YAML text file")
    try:
        loader = SafeLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None, {}
            _check(node, file)
            data = loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise InputError(f"not valid YAML ({e.problem or e.context})", file=file,
                         line=mark.line + 1 if mark else None,
                         allowed="plain YAML mappings, lists and scalars (no tags)") from None
    except yaml.YAMLError as e:
        raise InputError(f"not valid YAML ({' '.join(str(e).split())[:200]})", file=file,
                         allowed="plain YAML mappings, lists and scalars") from None
    except RecursionError:
        raise InputError(f"nested too deeply to read (more than {MAX_DEPTH} levels)", file=file,
                         allowed=f"at most {MAX_DEPTH} levels of mappings and lists") from None
    return data, line_map(node)


def read_yaml(path: Path, what: str = "file") -> tuple[Any, dict[tuple, int]]:
    """Read and parse a YAML file (size-checked); raise InputError naming the file on any problem."""
    file = str(path)
    try:
        is_dir = path.is_dir()
        size = None if is_dir else path.stat().st_size
        if size is not None and size <= MAX_FILE_BYTES:
            raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError("file not found", file=file, allowed=f"an existing YAML {what}") from None
    except (OSError, ValueError) as e:
        raise InputError(f"cannot read the file ({e.__class__.__name__}: {e})", file=file,
                         allowed=f"a readable YAML {what}") from None
    if is_dir:
        raise InputError(f"is a directory, not a {what}", file=file, allowed=f"a YAML {what}")
    if size > MAX_FILE_BYTES:
        raise InputError(f"the file is too large ({size:,} bytes)", file=file,
                         allowed=f"a YAML {what} of at most {MAX_FILE_BYTES:,} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise InputError(f"not UTF-8 text (byte {e.start})", file=file, allowed=f"a UTF-8 YAML {what}") from None
    return parse_yaml(text, file)
