"""docs/teams.md's matrix is the policy module's."""

import re
from pathlib import Path

from crm.teams.policy import ALL_ACTIONS, MATRIX

DOC = Path(__file__).resolve().parents[2] / "docs" / "teams.md"


def test_the_documented_matrix_is_the_policy():
    rows = re.findall(r"^\| `([a-z_.]+)` \| (.+) \|$", DOC.read_text(), flags=re.MULTILINE)
    documented = {action: [cell.strip() == "yes" for cell in cells.split("|")] for action, cells in rows}
    assert list(documented) == list(ALL_ACTIONS)
    for action, flags in documented.items():
        assert flags == [action in MATRIX[role] for role in ("owner", "manager", "chatter")], action
