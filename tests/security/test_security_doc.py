"""docs/SECURITY.md names a test for each control: every one it names exists."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.once


def _names(path: Path) -> set[str]:
    """`name` and `Class.name` of every function and method in a test module."""
    tree = ast.parse(path.read_text())
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names |= {f"{node.name}.{item.name}" for item in node.body if isinstance(item, ast.FunctionDef)}
    return names


def test_every_test_the_security_document_cites_exists():
    text = (ROOT / "docs" / "SECURITY.md").read_text()
    missing = []
    # `tests/x.py::name` and the `, ::other` shorthand that follows it in the same cell.
    for cell in re.findall(r"`tests/[^`]+`(?:[^|`]*`::[^`]+`)*", text):
        refs = re.findall(r"`(tests/[^`:]+)(?:::([^`]+))?`|`::([^`]+)`", cell)
        current = None
        for path, name, shorthand in refs:
            if path:
                current = ROOT / path.rstrip("/")
                if not current.exists():
                    missing.append(path)
                    continue
            name = name or shorthand
            if name and current is not None and current.is_file() and name not in _names(current):
                missing.append(f"{current.relative_to(ROOT)}::{name}")
    assert missing == []
