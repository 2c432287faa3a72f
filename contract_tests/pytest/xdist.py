"""Under pytest-xdist (`-n`): one seed for every worker, one summary on the controller.

The controller hands its seed to each worker as it starts, and merges each finished
worker's summary and count of other failures into the run's (contract_tests/parallel.py
says how the data crosses). Without `-n`, neither is called.
"""

from __future__ import annotations

from contract_tests import parallel
from contract_tests.pytest.run import RUN


def hand_out_seed(node) -> None:
    node.workerinput[parallel.SEED_KEY] = node.config.getoption("hypothesis_seed")


def take_worker_output(node) -> None:
    run, output = node.config.stash[RUN], getattr(node, "workeroutput", {})
    run.other_failures += output.pop(parallel.OTHER_FAILURES_KEY, 0)
    if parallel.SUMMARY_KEY in output:
        run.summary = parallel.merged(run.summary, output.pop(parallel.SUMMARY_KEY), run.started)
