"""nomenklatura's logic-v2 is offered only where nomenklatura is installed (dev and bench, not production)."""

import subprocess
import sys

from svidok.names import index, logic_v2

WITHOUT_NOMENKLATURA = """
import sys
sys.modules["nomenklatura"] = None  # as on a production install, where it is absent
from svidok.names import index, logic_v2
print(logic_v2.available(), sorted(index.ALGORITHMS))
try:
    index.MatchIndex([]).match("Ivan Petrov", algorithm="logic-v2")
except index.MatchError as exc:
    print(exc)
"""


def test_logic_v2_is_offered_where_nomenklatura_is_installed():
    assert (logic_v2.available(), sorted(index.ALGORITHMS)) == (True, ["logic-v2", "svidok-names"])


def test_without_nomenklatura_logic_v2_is_not_offered_and_asking_for_it_is_a_clear_error():
    run = subprocess.run([sys.executable, "-c", WITHOUT_NOMENKLATURA], capture_output=True, text=True, check=True)

    assert run.stdout.splitlines() == ["False ['svidok-names']", "Unknown algorithm 'logic-v2': use svidok-names."]
