"""Read a scenario file: TOML -> `extends` chain -> overrides -> validated `Scenario`."""

from __future__ import annotations

import copy
import hashlib
import json
import re
import tomllib
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from openness.scenario.errors import ScenarioError
from openness.scenario.schema import REMOVED_FIELDS, Problems, Scenario, window_problems

# Lists of tables that a child file merges into its parent's by `name`; any other value
# replaces the parent's. Events and a regulator's policies merge by name too: a child entry
# with a parent's name changes that entry (one line can move a policy's start), one with a new
# name is added, and one without a name is refused where the parent has an entry of its kind,
# so that nothing is added by accident. Pattern targets are not inherited: each file states
# what it must reproduce.
_MERGE_BY_NAME = ("labs", "developer_segments", "regulators")
_ENTRIES = ("events", "policies")


#: how many files an `extends` chain may hold
MAX_EXTENDS_DEPTH = 8
#: how many problems an error lists
MAX_PROBLEMS = 20


def project_scenarios() -> Path:
    """The project's scenarios/ directory: beside src/ in a checkout (wherever the command
    runs from), else ./scenarios."""
    import openness

    beside = Path(openness.__file__).resolve().parents[2] / "scenarios"
    return beside if beside.is_dir() else Path("scenarios")


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load, resolve `extends`, apply dotted-key `overrides` and validate a scenario file.

    Raises `ScenarioError` listing every problem (file, field, what is allowed). Overrides of
    `simulation.*` may shorten the simulated window past scheduled events, policies and
    targets (the run then warns, `scheduled_after_end`); the file as written may not.
    """
    path = Path(path)
    return _build(_resolve(path, chain=()), overrides or {}, path, lambda: _parent_errors(path))


def resolved_content(path: str | Path) -> dict[str, Any]:
    """The scenario file with its `extends` chain merged in, before overrides: everything a
    run needs to rebuild the scenario where the file cannot be read (a cluster's worker)."""
    return _resolve(Path(path), chain=())


def scenario_from_content(
    content: dict[str, Any], overrides: dict[str, Any] | None = None, source: str = "scenario"
) -> Scenario:
    """`load_scenario` of a file's `resolved_content`; errors name `source`."""
    return _build(content, overrides or {}, Path(source), list)


def _build(
    raw: dict[str, Any],
    overrides: dict[str, Any],
    path: Path,
    blame: Callable[[], list[tuple[Path, set[tuple[str, str]]]]],
) -> Scenario:
    sim = {k: v for k, v in overrides.items() if k.startswith("simulation.")}
    if sim:  # the file itself (with its other overrides) must hold its own schedule
        _validate(
            path,
            _overridden(raw, {k: v for k, v in overrides.items() if k not in sim}, path),
            truncated=False,
            blame=blame,
        )
    return _validate(path, _overridden(raw, overrides, path), truncated=bool(sim), blame=blame)


def _overridden(raw: dict[str, Any], overrides: dict[str, Any], path: Path) -> dict[str, Any]:
    out = copy.deepcopy(raw)
    for key, value in overrides.items():
        _set_dotted(out, key, value, path)
    return out


def _validate(
    path: Path,
    raw: dict[str, Any],
    truncated: bool,
    blame: Callable[[], list[tuple[Path, set[tuple[str, str]]]]],
) -> Scenario:
    try:
        return Scenario.model_validate(raw, context={"truncated": truncated})
    except ValidationError as exc:
        raise explain(exc, path, raw=raw, blame=blame) from None


def _parent_errors(path: Path) -> list[tuple[Path, set[tuple[str, str]]]]:
    """(parent file, its own (field, problem) pairs), nearest parent first, for saying which
    file of an `extends` chain an error comes from (a parent's list items keep their
    positions in the child, which appends after them)."""
    out = []
    for parent in chain_files(path)[1:]:
        found: set[tuple[str, str]] = set()
        try:
            raw = _resolve(parent, ())
            Scenario.model_validate(raw, context={"truncated": False})
        except ValidationError as exc:
            found = {(f, p) for _, f, p in _problems(exc, raw, Scenario)}
        except ScenarioError:
            pass
        out.append((parent, found))
    return out


def _parent_path(path: Path) -> Path | None:
    try:
        ref = read_toml(path).get("extends")
    except ScenarioError:
        return None
    return (path.parent / ref).resolve() if isinstance(ref, str) else None


def chain_files(path: str | Path) -> list[Path]:
    """The scenario file and every file its `extends` chain reads."""
    out = [Path(path).resolve()]
    parent = _parent_path(out[0])
    while parent is not None and parent not in out and len(out) <= MAX_EXTENDS_DEPTH:
        out.append(parent)
        parent = _parent_path(parent)
    return out


def scheduled_after_end(scenario: Scenario) -> list[str]:
    """What the scenario schedules after its last simulated month (events, policies, target
    months), in words: left out of a run shortened by an override."""
    return [f"{field}: {problem}" for field, problem, after in window_problems(scenario) if after]


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
    if len(chain) >= MAX_EXTENDS_DEPTH:
        raise ScenarioError(
            path, "extends", f"the 'extends' chain is deeper than {MAX_EXTENDS_DEPTH} files"
        )
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
    return _merge(parent, data, path)


def _merge(
    parent: dict[str, Any], child: dict[str, Any], path: Path, where: str = ""
) -> dict[str, Any]:
    out = copy.deepcopy(parent)
    for key, value in child.items():
        field = f"{where}.{key}" if where else key
        if key in _MERGE_BY_NAME and isinstance(value, list) and isinstance(out.get(key), list):
            out[key] = _merge_named(out[key], value, path, field)
        elif key in _ENTRIES and isinstance(value, list) and isinstance(out.get(key), list):
            out[key] = _merge_entries(out[key], value, path, field)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value, path, field)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _merge_named(parent: list[Any], child: list[Any], path: Path, where: str) -> list[Any]:
    out = copy.deepcopy(parent)
    index = {item.get("name"): i for i, item in enumerate(out) if isinstance(item, dict)}
    for item in child:
        name = item.get("name") if isinstance(item, dict) else None
        if name in index:
            out[index[name]] = _merge(out[index[name]], item, path, f"{where}[{name}]")
        else:
            out.append(copy.deepcopy(item))
    return out


def _merge_entries(parent: list[Any], child: list[Any], path: Path, where: str) -> list[Any]:
    """Events or policies: merged by name; an unnamed entry of a kind the parent has is an
    error (it would be added beside the parent's, which is rarely what was meant)."""
    out = copy.deepcopy(parent)
    index = {
        item["name"]: i
        for i, item in enumerate(out)
        if isinstance(item, dict) and isinstance(item.get("name"), str)
    }
    kinds = {item.get("kind") for item in out if isinstance(item, dict)}
    for i, item in enumerate(child):
        if not isinstance(item, dict):
            out.append(copy.deepcopy(item))  # the schema names what is wrong with it
            continue
        name = item.get("name")
        if isinstance(name, str) and name in index:
            out[index[name]] = _merge(out[index[name]], item, path, f"{where}[{name}]")
        elif name is None and item.get("kind") in kinds:
            names = [
                e.get("name")
                for e in out
                if isinstance(e, dict) and e.get("kind") == item.get("kind")
            ]
            raise ScenarioError(
                path,
                f"{where}[{i}]",
                f"an entry of kind '{item.get('kind')}' "
                f"without a name, where the parent file has one ({names}): "
                "give it the parent's `name` to change that entry, or a new "
                "`name` to add another",
            )
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
        raise ScenarioError(
            path,
            key,
            f"{len(of_kind)} items of kind '{name}' in that list: "
            "address one by its position (0, 1, ...)",
        )
    if name.isdigit() and int(name) < len(items):
        return items[int(name)]
    raise ScenarioError(path, key, f"no item named '{name}' in that list")


def explain(
    exc: ValidationError,
    path: Path,
    root: type[BaseModel] = Scenario,
    error: type[ScenarioError] = ScenarioError,
    raw: Any = None,
    blame: Any = None,
) -> ScenarioError:
    """A user-facing error from a pydantic error: every problem (up to MAX_PROBLEMS), each
    with its file, its full field path and what is allowed there. `blame()`, if given, returns
    the parent files' own problems, so that a problem inherited from a parent names it."""
    found = _problems(exc, raw, root)
    parents = blame() if blame is not None and len(found) else []
    problems = []
    for _, field, problem in found:
        owner = path
        for parent, theirs in parents:  # the farthest parent that has it is its source
            if (field, problem) in theirs:
                owner = parent
        problems.append((str(owner), field, problem))
    if len(problems) > MAX_PROBLEMS:
        more = len(problems) - MAX_PROBLEMS
        problems = problems[:MAX_PROBLEMS]
        problems.append((str(path), "", f"and {more} more problem(s)"))
    first = problems[0]
    return error(first[0], first[1], first[2], problems=problems)


def _problems(exc: ValidationError, raw: Any, root: type[BaseModel]) -> list[tuple[str, str, str]]:
    out = []
    for err in exc.errors():
        loc = tuple(err.get("loc", ()))
        field = _format_loc(loc, raw)
        kind = err.get("type", "")
        msg = str(err.get("msg", "invalid value"))
        if kind == "extra_forbidden":
            removed = REMOVED_FIELDS.get(re.sub(r"\[\d+\]", "[]", field))
            if removed is not None:
                version, replacement = removed
                out.append(("", field, f"was removed in schema version {version}: {replacement}"))
                continue
            allowed = _allowed_fields(root, _strip_tags(loc, raw)[:-1])
            out.append(("", field, "unknown key; allowed keys here: " + ", ".join(allowed)))
            continue
        if kind == "missing":
            out.append(("", field, "is required but missing"))
            continue
        msg = msg.removeprefix("Value error, ")
        if Problems.SEP in msg:  # a model validator's list of problems
            for line in msg.split("\n"):
                sub, _, problem = line.partition(Problems.SEP)
                out.append(("", ".".join(p for p in (field, sub) if p).replace(".[", "["), problem))
            continue
        got = err.get("input")
        shown = "" if isinstance(got, dict | list) else f" (got {got!r})"
        out.append(("", field, f"{msg}{shown}".rstrip(".")))
    return out


def _strip_tags(loc: tuple[Any, ...], raw: Any) -> tuple[Any, ...]:
    """`loc` without the discriminator tags pydantic inserts after a tagged union's list
    index: a part is a tag only where the item there in `raw` has that `kind` (so a field
    named `capital` is never mistaken for the `capital` event kind)."""
    out: list[Any] = []
    node = raw
    for part in loc:
        if isinstance(node, dict) and part not in node and node.get("kind") == part:
            continue  # the tag of the item we stand on
        out.append(part)
        if isinstance(part, int) and isinstance(node, list) and part < len(node):
            node = node[part]
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            node = None
    return tuple(out)


def _format_loc(loc: tuple[Any, ...], raw: Any = None) -> str:
    out = ""
    for part in _strip_tags(loc, raw):
        if isinstance(part, int):
            out += f"[{part}]"
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
            is_model = isinstance(m, type) and issubclass(m, BaseModel)
            kind = m.model_fields.get("kind") if is_model else None
            if kind is not None and tag in typing.get_args(kind.annotation):
                return m
    return models[0] if models else None
