"""The apps depend downwards only (pyproject's import-linter contract): CI fails when an import runs
back up, e.g. tenants importing conversations or knowledge importing coaching."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def test_every_import_points_down_the_layers():
    result = subprocess.run([str(LINT_IMPORTS)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout


def test_an_upward_import_breaks_the_contract(tmp_path):
    """The contract bites: the same layers over a copy where tenants imports conversations."""
    for app in ("tenants", "conversations"):
        (tmp_path / app).mkdir()
        (tmp_path / app / "__init__.py").write_text("")
    (tmp_path / "tenants" / "models.py").write_text("import conversations.models\n")
    (tmp_path / "conversations" / "models.py").write_text("import tenants\n")
    (tmp_path / ".importlinter").write_text(
        "[importlinter]\nroot_packages =\n    tenants\n    conversations\n\n"
        "[importlinter:contract:layers]\nname = layers\ntype = layers\nlayers =\n    conversations\n    tenants\n"
    )
    result = subprocess.run(
        [str(LINT_IMPORTS)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(tmp_path)},
    )
    assert result.returncode != 0 and "tenants.models -> conversations.models" in result.stdout
