"""Rewrite the environment-variable table in README.md from the settings' own declarations."""

import os
import re
import subprocess
import sys
from pathlib import Path

root = Path(__file__).resolve().parents[1]
env = {**os.environ, "BURGERPROFIEL_PROFILE": "development", "BURGERPROFIEL_BASE_DIR": str(root)}
table = subprocess.run(  # noqa: S603 - our own command, fixed arguments
    [str(root / ".venv/bin/burgerprofiel"), "config"], env=env, capture_output=True, text=True, check=True
).stdout.strip()
readme = root / "README.md"
text = readme.read_text()
new, count = re.subn(r"\| variable \| default \| meaning \|\n(?:\|.*\|\n)+", table + "\n", text)
if count != 1:
    sys.exit("README.md has no environment table to replace")
readme.write_text(new)
