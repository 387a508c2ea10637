"""dyngroup: OCI IAM dynamic-group memberships, computed exactly and fast.

The engine is the Rust workspace this package is built from; this package converts.

>>> import dyngroup
>>> dyngroup.canonical("any {instance.compartment.id = 'ocid1.compartment.oc1..c'}")
"ANY {instance.compartment.id = 'ocid1.compartment.oc1..c'}"

- :func:`check` / :func:`canonical`: the rule language; :mod:`dyngroup.rule` builds rules.
- :func:`compute`: memberships of dynamic groups over an inventory (paths in any format the
  CLI reads, or Arrow tables); memberships come back as Arrow (``pyarrow.table(result.memberships)``,
  ``polars.DataFrame(result)``).
- :func:`explain`: why a principal is or is not in each group (``explain --json``'s tree).
- :func:`open` / :func:`diff`: snapshot files written by ``dyngroup compute --snapshot``
  or :meth:`ComputeResult.write_snapshot`.
- :class:`Engine`: a snapshot as a live engine (``apply`` changes, read from other
  threads meanwhile, ``checkpoint``).
- :mod:`dyngroup.dask`: the same computation split by tenancy over a Dask cluster.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Dict, List, NamedTuple, Optional, Sequence, Tuple, Union

from . import _native
from ._native import (
    DyngroupError,
    InputError,
    MembershipTable,
    RuleError,
    Snapshot,
    SnapshotError,
)

__version__: str = _native.__version__

__all__ = [
    "Applied",
    "ComputeResult",
    "Diagnostic",
    "DyngroupError",
    "Engine",
    "GroupRef",
    "InputError",
    "MembershipTable",
    "Problem",
    "RuleError",
    "Snapshot",
    "SnapshotError",
    "canonical",
    "check",
    "compute",
    "diff",
    "explain",
    "open",
]

PathLike = Union[str, "os.PathLike[str]"]
Paths = Union[PathLike, Sequence[PathLike]]
#: A path, an Arrow table (any object with ``__arrow_c_stream__``: pyarrow, polars,
#: DuckDB results), or a list of them.
Inputs = Union[PathLike, Any, Sequence[Any]]


@dataclass(frozen=True)
class Diagnostic:
    """An error or warning about rule text, at a 1-based line and column."""

    severity: str
    message: str
    line: int
    column: int
    rendered: str
    help: Optional[str] = None

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.message}"


@dataclass(frozen=True)
class CheckResult:
    """What :func:`check` found: the canonical text when the rule parses, and diagnostics."""

    canonical: Optional[str]
    diagnostics: List[Diagnostic]

    @property
    def ok(self) -> bool:
        return self.canonical is not None

    def __bool__(self) -> bool:
        return self.ok


def check(rule: str, strict: bool = False) -> CheckResult:
    """Parses a matching rule; never raises for bad rule text.

    ``strict`` rejects the legacy forms (bare top-level list, unquoted value) that are
    otherwise accepted with a warning.
    """
    text, diagnostics = _native.check(rule, strict)
    return CheckResult(text, [Diagnostic(*d) for d in diagnostics])


def canonical(rule: str, strict: bool = False) -> str:
    """The canonical text of a rule; :class:`RuleError` (rendered with ``^^^``) if it does not parse."""
    return _native.canonical(rule, strict)


class GroupRef(NamedTuple):
    """A dynamic group: its tenancy, its OCID and its name."""

    tenancy_id: str
    group_id: str
    name: str


@dataclass(frozen=True)
class Problem:
    """A record of an input that was rejected or warned about; ``str()`` is the CLI's text
    ``file:line:column: message``."""

    file: str
    line: int
    column: Optional[int]
    severity: str
    kind: str
    message: str
    text: str
    rendered: Optional[str] = None

    def __str__(self) -> str:
        return self.text

    @classmethod
    def from_json(cls, record: Dict[str, Any]) -> "Problem":
        return cls(
            file=record["file"],
            line=record["line"],
            column=record.get("column"),
            severity=record["severity"],
            kind=record["kind"],
            message=record["message"],
            text=record["text"],
            rendered=record.get("rendered"),
        )


def _paths(paths: Paths) -> List[str]:
    if isinstance(paths, (str, os.PathLike)):
        return [os.fspath(paths)]
    return [os.fspath(p) for p in paths]


def _is_table(item: Any) -> bool:
    return hasattr(item, "__arrow_c_stream__")


def _inputs(inputs: Inputs) -> List[Any]:
    """Paths (as strings) and Arrow tables (as they are), as a list."""
    if isinstance(inputs, (str, os.PathLike)) or _is_table(inputs):
        inputs = [inputs]
    return [os.fspath(item) if isinstance(item, (str, os.PathLike)) else item for item in inputs]


class ComputeResult:
    """What :func:`compute` produced.

    - ``memberships``: a :class:`MembershipTable` (Arrow: ``tenancy_id``, ``group_id``,
      ``group_name``, ``principal_id``, all strings), group by group in input order;
      the result itself also speaks the Arrow stream interface.
    - ``report``: the CLI's ``--report`` as a dict (without ``timings``, with
      ``refused-groups``).
    - ``rejected`` / ``warnings``: :class:`Problem` records (``file:line:column: ...``).
    - ``groups_of(principal_id)``, ``members(tenancy_id, name)``: lookups.

    Picklable (as snapshot bytes and the report).
    """

    def __init__(self, native: "_native.Computed") -> None:
        self._native = native
        self.report: Dict[str, Any] = json.loads(native.report_json)
        self._memberships: Optional[MembershipTable] = None

    @property
    def memberships(self) -> MembershipTable:
        if self._memberships is None:
            self._memberships = self._native.memberships()
        return self._memberships

    @property
    def rejected(self) -> List[Problem]:
        return [Problem.from_json(p) for p in self.report["rejected"]]

    @property
    def warnings(self) -> List[Problem]:
        return [Problem.from_json(p) for p in self.report["warnings"]]

    def groups_of(self, principal_id: str) -> Optional[List[GroupRef]]:
        """The groups of a principal; None when it is not indexed (unknown or terminated)."""
        groups = self._native.groups_of(principal_id)
        return None if groups is None else [GroupRef(*g) for g in groups]

    def members(self, tenancy_id: str, name: str) -> Optional[List[str]]:
        """Member OCIDs of a group (name case-insensitive); None when there is no such group."""
        return self._native.members(tenancy_id, name)

    def write_snapshot(self, path: PathLike) -> None:
        """Writes a snapshot file, as ``dyngroup compute --snapshot`` does."""
        self._native.write_snapshot(os.fspath(path))

    def to_pyarrow(self) -> Any:
        import pyarrow as pa

        return pa.table(self.memberships)

    def to_polars(self) -> Any:
        import polars as pl

        return pl.DataFrame(self.memberships)

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        return self.memberships.__arrow_c_stream__(requested_schema)

    def __reduce__(self) -> Tuple[Any, Tuple[bytes, str]]:
        return (_restore_result, (self._native.to_snapshot_bytes(), self._native.report_json))

    def __repr__(self) -> str:
        totals = self.report["totals"]
        return (
            f"ComputeResult({totals['principals-read']} principals, {totals['groups']} groups, "
            f"{totals['memberships']} memberships, {totals['rejected-records']} rejected)"
        )


def _restore_result(snapshot: bytes, report_json: str) -> ComputeResult:
    return ComputeResult(_native.Computed.from_snapshot_bytes(snapshot, report_json))


def compute(
    inventory: Inputs,
    groups: Inputs,
    *,
    tenancy: Optional[str] = None,
    strict: bool = False,
    threads: Optional[int] = None,
    shard: Optional[Tuple[int, int]] = None,
    max_groups_per_tenancy: int = 50,
    max_groups_per_principal: int = 5,
    compartments: Optional[Inputs] = None,
) -> ComputeResult:
    """Every membership of the dynamic groups in ``groups`` over the principals in ``inventory``.

    Each is a path in any format the CLI reads, an Arrow table (any object with
    ``__arrow_c_stream__``: a pyarrow table or record batch reader, a polars DataFrame, a
    DuckDB result), or a list of them. A table has one row per record and one column per
    field, named as the JSON fields of the files (``id``, ``compartment-id``, ``tenancy-id``,
    ``resource-type``, ``lifecycle-state``, ``defined-tags``; for groups ``id``, ``name``,
    ``description``, ``matching-rule``, ``compartment-id``; snake_case and camelCase
    accepted; other columns ignored; a null is an absent field). ``defined-tags`` is a
    struct or map column (``{namespace: {key: value}}``) or a string column of JSON text.
    Rows go through the files' validation: a bad row is left out and listed in
    ``result.rejected`` as ``<inventory table>:ROW: message`` (``ROW`` is 1-based: row
    index + 1; a second table of the same input is ``<inventory table 2>``).

    Bad records are left out and listed in ``result.rejected``; a file that cannot be read
    raises :class:`InputError`.
    ``tenancy`` is the tenancy of records that name none; ``threads`` bounds the worker
    threads (a local pool; default: rayon's global pool, one per core); ``shard=(k, n)``
    keeps the tenancies with ``xxh3_64(tenancy) % n == k``, as the CLI's ``--shard k/n``.
    ``compartments`` (the compartment tree, as ``oci iam compartment list --all
    --compartment-id-in-subtree true --include-root`` prints it; paths or tables) gives
    the groups of identity domains their domain's scope, as the CLI's ``--compartments``;
    the tree's problems are then in the report's ``compartment-tree-problems``.
    The GIL is released while it runs.
    """
    native = _native.compute(
        _inputs(inventory),
        _inputs(groups),
        tenancy=tenancy,
        strict=strict,
        threads=threads,
        shard=shard,
        max_groups_per_tenancy=max_groups_per_tenancy,
        max_groups_per_principal=max_groups_per_principal,
        compartments=None if compartments is None else _inputs(compartments),
    )
    return ComputeResult(native)


def explain(
    inventory: Inputs,
    groups: Inputs,
    principal: str,
    *,
    group: Optional[str] = None,
    tenancy: Optional[str] = None,
    strict: bool = False,
    threads: Optional[int] = None,
    shard: Optional[Tuple[int, int]] = None,
    compartments: Optional[Inputs] = None,
) -> Dict[str, Any]:
    """Why ``principal`` is or is not in each group of its tenancy: the tree that
    ``dyngroup explain --json`` prints, as a dict.

    ``{"principal", "tenancy-id", "indexed": True, "groups": [{"group-id", "name",
    "tenancy-id", "member", "same-tenancy", "rule", "tree", "rule-error", "domain-scope"}]}``, each
    ``tree`` node ``{"kind": "any"|"all"|"condition", "text", "holds", "start", "end",
    "children", "note"}``. A principal read but not indexed (TERMINATED, …) or of another
    ``shard`` gets ``"indexed": False`` and ``"why"``. ``group`` names one group (of the
    principal's tenancy, else every group of that name, explained with tenancy isolation).
    Inputs as for :func:`compute`. :class:`LookupError` when no principal has that id or
    no group that name.
    """
    text = _native.explain(
        _inputs(inventory),
        _inputs(groups),
        principal,
        group=group,
        tenancy=tenancy,
        strict=strict,
        threads=threads,
        shard=shard,
        compartments=None if compartments is None else _inputs(compartments),
    )
    return json.loads(text)


@dataclass(frozen=True)
class Applied:
    """What :meth:`Engine.apply` did.

    - ``delta``: one record per changed group, exactly as ``dyngroup apply`` prints them
      (``{"tenancy-id", "group-id", "name", "change", "rule-changed", "joined", "left"}``,
      in ``diff --json``'s order; members sorted).
    - ``rejected``: changes that could not be read (:class:`Problem`, at
      ``<changes>:N:column``, ``N`` the 1-based position in the list).
    - ``refused``: changes the engine refused (a taken name, the tenancy's group limit, a
      rule that does not parse, a delete with members without force, an unknown group), as
      ``<changes>:N: why``. Every other change applied.
    - ``version``: the version readers now see.
    """

    delta: List[Dict[str, Any]]
    rejected: List[Problem]
    refused: List[str]
    version: int

    @property
    def ok(self) -> bool:
        """Whether every change was read and applied."""
        return not self.refused and not any(p.severity == "error" for p in self.rejected)


class Engine:
    """A snapshot opened as a live engine: apply changes, read meanwhile, checkpoint.

    ``Engine.open(path)`` deep-verifies the file and makes the engine from the index it
    holds (no inventory). :meth:`apply` takes changes shaped like the lines of a changes
    file (``{"op": "upsert-principal", "principal": {...}}``, ``remove-principal``,
    ``upsert-group``, ``delete-group``; see docs/files.md) and returns the delta. Reads
    (:meth:`groups_of`, :meth:`members`, :meth:`is_member`) come from the latest published
    version without a lock, so other threads keep reading while a batch is applied (the
    GIL is released) and see the whole batch or none of it. :meth:`checkpoint` writes the
    latest version as a snapshot file, atomically.
    """

    def __init__(self, native: "_native.Engine") -> None:
        self._native = native

    @classmethod
    def open(
        cls,
        path: PathLike,
        *,
        tenancy: Optional[str] = None,
        strict: bool = False,
        max_groups_per_tenancy: int = 50,
    ) -> "Engine":
        """As ``dyngroup apply --snapshot PATH``: ``tenancy`` for changed records that name
        none, ``strict`` for new rules (the snapshot's rules stay as they are),
        ``max_groups_per_tenancy`` for new groups. :class:`SnapshotError` if the file is
        damaged or crafted."""
        return cls(
            _native.Engine.open(
                os.fspath(path),
                tenancy=tenancy,
                strict=strict,
                max_groups_per_tenancy=max_groups_per_tenancy,
            )
        )

    def apply(self, changes: Sequence[Dict[str, Any]]) -> Applied:
        """Applies the changes in order, as one batch; see :class:`Applied`."""
        jsonl = "".join(json.dumps(change) + "\n" for change in changes).encode()
        out = json.loads(self._native.apply(jsonl, "<changes>"))
        return Applied(
            delta=out["delta"],
            rejected=[Problem.from_json(p) for p in out["problems"]],
            refused=[r["text"] for r in out["refused"]],
            version=out["version"],
        )

    def checkpoint(self, path: PathLike) -> int:
        """Writes the latest version to ``path`` as a snapshot, atomically (a failure
        leaves the old file); returns its size. Changes may be applied meanwhile."""
        return self._native.checkpoint(os.fspath(path))

    @property
    def version(self) -> int:
        return self._native.version

    @property
    def principal_count(self) -> int:
        return self._native.principal_count

    @property
    def group_count(self) -> int:
        return self._native.group_count

    def groups_of(self, principal_id: str) -> Optional[List[GroupRef]]:
        """The groups of a principal now; None when it is not indexed."""
        groups = self._native.groups_of(principal_id)
        return None if groups is None else [GroupRef(*g) for g in groups]

    def members(self, tenancy_id: str, name: str) -> Optional[List[str]]:
        """Member OCIDs of a group now (name case-insensitive); None when there is none."""
        return self._native.members(tenancy_id, name)

    def is_member(self, principal_id: str, group_id: str) -> bool:
        return self._native.is_member(principal_id, group_id)

    def __repr__(self) -> str:
        return repr(self._native)


def open(path: PathLike, *, mmap: bool = False) -> Snapshot:  # noqa: A001 - mirrors the CLI
    """Opens and validates a snapshot file; :class:`SnapshotError` names what is wrong.

    ``mmap=True`` maps the file instead of reading it (faster to open; the file must then
    not be modified in place while open).
    """
    return _native.open(os.fspath(path), mmap=mmap)


def diff(old: Union[Snapshot, PathLike], new: Union[Snapshot, PathLike]) -> List[Dict[str, Any]]:
    """Per changed group: ``tenancy_id``, ``group_id``, ``name``, ``change``
    (created/deleted/updated), ``rule_changed``, ``joined`` and ``left`` (OCIDs, ascending)."""
    old_snapshot = old if isinstance(old, Snapshot) else open(old)
    new_snapshot = new if isinstance(new, Snapshot) else open(new)
    return _native.diff(old_snapshot, new_snapshot)
from . import rule  # noqa: E402  (dyngroup.rule after the names it uses)
