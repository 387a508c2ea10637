"""Shared fixtures: the sample dataset and the CLI binary, built by cargo from this checkout."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any, Dict, List

import pytest

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ROOT / "datasets" / "sample"


@pytest.fixture(scope="session")
def inventory() -> Path:
    return SAMPLE / "inventory.jsonl"


@pytest.fixture(scope="session")
def groups() -> Path:
    return SAMPLE / "groups.jsonl"


@pytest.fixture(scope="session")
def cli() -> Path:
    """The `dyngroup` binary of this checkout: $DYNGROUP_CLI (tools/test-all sets it after
    `cargo test --workspace` built it), else built here by cargo."""
    if os.environ.get("DYNGROUP_CLI"):
        return Path(os.environ["DYNGROUP_CLI"])
    subprocess.run(
        ["cargo", "build", "--quiet", "-p", "dyngroup-cli", "--bin", "dyngroup"],
        cwd=ROOT,
        check=True,
    )
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return target / "debug" / "dyngroup"


def run_cli(cli: Path, *args: Any) -> subprocess.CompletedProcess:
    """Runs the CLI; exit codes 0 and 1 (something rejected) are both a finished run."""
    done = subprocess.run([str(cli), *map(str, args)], capture_output=True, text=True)
    assert done.returncode in (0, 1), done.stderr
    return done


def read_jsonl(path: Path) -> List[Dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
