"""Checks a cost table against cost_table.schema.json (next to this file, installed with the
package), for the builder before it writes a table and for cost_table_load when it reads one.

A problem raises CostTableError with the message shape the C++ loader uses
(include/tcbench/cost_table.hpp), "<file>: <JSON pointer>: <what is wrong>", e.g.

    cost_table.json: /device/sm_count: required field is missing
    cost_table.json: /instructions/3/latency_cycles: expected a number or null, got a string
    cost_table.json: /schema_version: version 2 is newer than this loader (reads 1); update tcbench

The version is checked first: a newer table may have changed any field, and its reader should
hear "update", not a field problem. jsonschema's own wording is translated so that both loaders
say the same thing about the same table."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Tuple

import jsonschema

SCHEMA_PATH = Path(__file__).with_name("cost_table.schema.json")
SCHEMA: dict = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
SCHEMA_VERSION: int = SCHEMA["properties"]["schema_version"]["const"]

_TYPE_WORDS = {"number": "a number", "integer": "an integer", "string": "a string", "boolean": "a boolean",
               "object": "an object", "array": "an array", "null": "null"}


class CostTableError(ValueError):
    """str(): "<source>: <field>: <problem>", or "<source>: <problem>" when field is empty (the
    whole file). field is a JSON pointer, or "line L, column C" for malformed JSON."""

    def __init__(self, source: str, field: str, problem: str):
        super().__init__(f"{source}: {field + ': ' if field else ''}{problem}")
        self.source, self.field, self.problem = source, field, problem


def validate_cost_table(doc: Any, source_name: str) -> None:
    """Raises CostTableError naming source_name unless doc (parsed JSON) is a valid table."""
    _check_version(doc, source_name)
    errors = list(_validator().iter_errors(doc))
    if errors:
        # The shallowest first (a missing section before a problem inside another one).
        field, problem = _describe(_innermost(min(errors, key=lambda e: len(e.absolute_path))))
        raise CostTableError(source_name, field, problem)


@lru_cache(maxsize=1)
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(SCHEMA)


def _check_version(doc: Any, source: str) -> None:
    if not isinstance(doc, dict):
        raise CostTableError(source, "", f"expected an object, got {kind_of(doc)}")
    if "schema_version" not in doc:
        raise CostTableError(source, "/schema_version", "required field is missing")
    version = doc["schema_version"]
    if isinstance(version, bool) or not isinstance(version, int):
        raise CostTableError(source, "/schema_version", f"expected an integer, got {kind_of(version)}")
    reads = f"(reads {SCHEMA_VERSION})"
    if version > SCHEMA_VERSION:
        raise CostTableError(source, "/schema_version",
                             f"version {version} is newer than this loader {reads}; update tcbench")
    if version != SCHEMA_VERSION:
        raise CostTableError(source, "/schema_version", f"version {version} is not one this loader reads {reads}")


# ---- jsonschema's errors in the C++ loader's words ------------------------------------------------
def kind_of(value: Any) -> str:
    """What a value is, for "expected X, got Y" ("a string", "a number", ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def _shown(value: Any) -> str:
    """Scalars as JSON, containers by kind (their text could be long)."""
    return kind_of(value) if isinstance(value, (dict, list)) else json.dumps(value)


def _quoted(values: Iterable[Any]) -> str:
    return ", ".join(json.dumps(v) for v in values)


def _type_words(types: Any) -> str:
    return " or ".join(_TYPE_WORDS[t] for t in ([types] if isinstance(types, str) else types))


def pointer(path: Iterable[Any]) -> str:
    """RFC 6901: '~' and '/' inside a key are escaped so the pointer stays unambiguous."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _branch_type(branch: dict) -> str:
    """The type of one oneOf branch: {"type": ...} or a {"$ref": "#/$defs/name"}."""
    if "$ref" in branch:
        branch = SCHEMA["$defs"][branch["$ref"].rsplit("/", 1)[-1]]
    return branch["type"]


def _innermost(error: jsonschema.ValidationError) -> jsonschema.ValidationError:
    """For oneOf [object, null] with an object that fails: the object branch's own error."""
    if error.validator != "oneOf" or not isinstance(error.instance, dict):
        return error
    branches = [i for i, b in enumerate(error.validator_value) if _branch_type(b) == "object"]
    inner = [e for e in error.context if e.relative_schema_path[0] in branches]
    return _innermost(min(inner, key=lambda e: len(e.absolute_path))) if inner else error


def _describe(error: jsonschema.ValidationError) -> Tuple[str, str]:
    """(field, problem) in the C++ loader's words."""
    where, keyword = pointer(error.absolute_path), error.validator
    value, instance = error.validator_value, error.instance
    if "propertyNames" in error.schema_path:  # the instance is the offending key
        return where + pointer([instance]), f"unknown field (expected one of {_quoted(value)})"
    if keyword == "required":
        missing = next(k for k in value if k not in instance)
        return where + pointer([missing]), "required field is missing"
    if keyword == "additionalProperties":
        unknown = next(k for k in instance if k not in error.schema.get("properties", {}))
        return where + pointer([unknown]), f"unknown field (not in schema version {SCHEMA_VERSION})"
    problems = {
        "type": lambda: f"expected {_type_words(value)}, got {kind_of(instance)}",
        "oneOf": lambda: f"expected {_type_words([_branch_type(b) for b in value])}, got {kind_of(instance)}",
        "const": lambda: f"expected {json.dumps(value)}, got {_shown(instance)}",
        "enum": lambda: f"expected one of {_quoted(value)}, got {_shown(instance)}",
        "minimum": lambda: f"expected at least {value}, got {_shown(instance)}",
        "minItems": lambda: f"expected at least {value} item{'' if value == 1 else 's'}, got {len(instance)}",
        "pattern": lambda: f"expected a string matching {value}, got {_shown(instance)}",
    }
    # A keyword the schema does not use today keeps jsonschema's wording rather than none.
    return where, problems[keyword]() if keyword in problems else error.message
