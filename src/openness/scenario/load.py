"""Read a scenario file: TOML -> `extends` chain -> overrides -> validated `Scenario`."""

from __future__ import annotations

import copy
import hashlib
import json
import tomllib
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from openness.scenario.errors import ScenarioError
from openness.scenario.schema import Scenario

# Lists of tables that a child file merges into its parent's by `name`, and lists it appends
# to its parent's (a regulator's `policies` too); any other value replaces the parent's.
# Pattern targets are not inherited: each file states what it must reproduce.
_MERGE_BY_NAME = ("labs", "developer_segments", "regulators")
_APPEND = ("events", "policies")


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load, resolve `extends`, apply dotted-key `overrides` and validate a scenario file.

    Raises `ScenarioError` (one paragraph: file, field, what is allowed) on any problem.
    """
    path = Path(path)
    raw = _resolve(path, chain=())
    for key, value in (overrides or {}).items():
        _set_dotted(raw, key, value, path)
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        raise explain(exc, path) from None


def content_hash(scenario: Scenario) -> str:
    """SHA-256 of the fully resolved configuration (so a change in a parent file shows)."""
    canonical = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def read_toml(path: Path, error: type[ScenarioError] = ScenarioError) -> dict[str, Any]:
    """The TOML file as a dict, or `error` naming the file and what is wrong with it."""
    if not path.is_file():
        raise error(path, "", "no such file (expected a TOML file)")
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise error(path, "", f"is not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise error(path, "", "is not UTF-8 text (expected a TOML file)") from None


def _resolve(path: Path, chain: tuple[Path, ...]) -> dict[str, Any]:
    real = path.resolve()
    if real in chain:
        cycle = " -> ".join(p.name for p in (*chain, real))
        raise ScenarioError(path, "extends", f"forms a cycle ({cycle}); 'extends' must end")
    data = read_toml(path)
    parent_ref = data.pop("extends", None)
    if parent_ref is None:
        return data
    if not isinstance(parent_ref, str):
        raise ScenarioError(path, "extends", "must be a path string to another scenario file")
    parent_path = (path.parent / parent_ref).resolve()
    if not parent_path.is_file():
        raise ScenarioError(
            path, "extends", f"names '{parent_ref}', which does not exist (looked at {parent_path})"
        )
    parent = _resolve(parent_path, (*chain, real))
    parent.pop("targets", None)  # targets belong to the file that states them
    return _merge(parent, data)


def _merge(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(parent)
    for key, value in child.items():
        if key in _MERGE_BY_NAME and isinstance(value, list) and isinstance(out.get(key), list):
            out[key] = _merge_named(out[key], value)
        elif key in _APPEND and isinstance(value, list) and isinstance(out.get(key), list):
            out[key] = out[key] + copy.deepcopy(value)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _merge_named(parent: list[Any], child: list[Any]) -> list[Any]:
    out = copy.deepcopy(parent)
    index = {item.get("name"): i for i, item in enumerate(out) if isinstance(item, dict)}
    for item in child:
        name = item.get("name") if isinstance(item, dict) else None
        if name in index:
            out[index[name]] = _merge(out[index[name]], item)
        else:
            out.append(copy.deepcopy(item))
    return out


def _set_dotted(raw: dict[str, Any], key: str, value: Any, path: Path) -> None:
    node: Any = raw
    parts = key.split(".")
    for part in parts[:-1]:
        if isinstance(node, list):
            node = _named_item(node, part, key, path)
        else:
            node = node.setdefault(part, {})
    last = parts[-1]
    if isinstance(node, list):
        raise ScenarioError(path, key, "an override must end at a field, not a list item")
    node[last] = value


def _named_item(items: list[Any], name: str, key: str, path: Path) -> Any:
    """The list item called `name`: by its name, else by its kind if it is the only item of
    that kind (a regulator's policies: `regulators.EU.policies.open_funding.monthly_budget`),
    else by position."""
    for item in items:
        if isinstance(item, dict) and item.get("name") == name:
            return item
    of_kind = [item for item in items if isinstance(item, dict) and item.get("kind") == name]
    if len(of_kind) == 1:
        return of_kind[0]
    if len(of_kind) > 1:
        raise ScenarioError(path, key, f"{len(of_kind)} items of kind '{name}' in that list: "
                                       "address one by its position (0, 1, ...)")
    if name.isdigit() and int(name) < len(items):
        return items[int(name)]
    raise ScenarioError(path, key, f"no item named '{name}' in that list")


def explain(exc: ValidationError, path: Path, root: type[BaseModel] = Scenario,
            error: type[ScenarioError] = ScenarioError) -> ScenarioError:
    """One paragraph from a pydantic error: the file, the field, what is allowed there."""
    err = exc.errors()[0]
    loc = err.get("loc", ())
    field = _format_loc(loc)
    msg = err.get("msg", "invalid value")
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        allowed = _allowed_fields(root, loc[:-1])
        problem = "unknown key; allowed keys here: " + ", ".join(allowed)
    elif kind == "missing":
        problem = "is required but missing"
    else:
        got = err.get("input")
        shown = "" if isinstance(got, dict | list) else f" (got {got!r})"
        problem = f"{msg}{shown}"
    more = len(exc.errors()) - 1
    if more:
        problem += f"; {more} more problem(s) after this one"
    return error(path, field, problem.rstrip("."))


def _format_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("gpai", "procurement_restriction", "open_release_ban", "open_funding",
                      "export_controls", "efficiency", "capability", "cost", "capital"):
            continue  # discriminator tags pydantic adds to the path
        else:
            out += f".{part}" if out else str(part)
    return out


def _allowed_fields(root: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Field names of the model found by walking `loc` from `root`."""
    model: Any = root
    for part in loc:
        if isinstance(part, int):
            continue
        if isinstance(model, type) and issubclass(model, BaseModel) and part in model.model_fields:
            model = _inner_model(model.model_fields[part].annotation, None)
        else:
            model = _inner_model(model, part)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return sorted(model.model_fields)
    return []


def _inner_model(annotation: Any, tag: Any) -> Any:
    """The BaseModel inside list[...], Optional[...], Annotated unions (picked by `tag`)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    args = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _inner_model(args[0], tag)
    candidates = [a for a in args if _inner_model(a, tag) is not None]
    models = [_inner_model(a, tag) for a in candidates]
    if origin in (typing.Union, types.UnionType) and tag is not None:
        for m in models:
            kind = m.model_fields.get("kind") if isinstance(m, type) else None
            if kind is not None and tag in typing.get_args(kind.annotation):
                return m
    return models[0] if models else None
