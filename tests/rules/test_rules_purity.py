"""pb.rules stays pure: importing it loads no web, database or queue library."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FORBIDDEN = ("flask", "sqlalchemy", "rq", "redis", "werkzeug")

PROBE = f"""
import importlib.util, sys
import pb.rules, pb.rules.rulebook, pb.rules.pabulib, pb.rules.__main__
if importlib.util.find_spec("pb.rules.equalshares"):
    import pb.rules.equalshares
print(",".join(m for m in {FORBIDDEN!r} if m in sys.modules))
"""


def test_importing_pb_rules_loads_no_app_library():
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
