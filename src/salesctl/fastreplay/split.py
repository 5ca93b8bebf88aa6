"""How a partitioned replay divides its work (:func:`job_tasks`): the customer partitions,
which share keeps the books, and what each share is sent (:data:`JobTask`). Re-exported by
:mod:`salesctl.fastreplay.engine`, whose runners use it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

from salesctl.audit.clock import DEFAULT_LATENESS
from salesctl.errors import InvalidInput
from salesctl.fastreplay.linetypes import partition_weights
from salesctl.policy import Policy

__all__ = ["BOOKS_SHARE", "PARTITIONS_PER_JOB", "JobTask", "job_tasks"]

#: One share of a replay run elsewhere (:func:`job_tasks`): the stream's path, the policy's
#: file or the policy, the partitions, the share's partitions, ``through``, the role and the
#: allowed lateness.
JobTask = tuple[str, str | None, Any, int, tuple[int, ...], dt.date | None, str, dt.timedelta]


def job_tasks(
    path: str,
    policy: Policy | None = None,
    *,
    jobs: int,
    policy_file: str | None = None,
    through: dt.date | None = None,
    lateness: dt.timedelta = DEFAULT_LATENESS,
    weights: Sequence[float] | None = None,
) -> list[JobTask]:
    """The shares of a replay in ``jobs`` processes (:func:`replay_jobs`; the Dask runner
    sends the same to a cluster). Each is one argument of :func:`run_job`; their reports
    merge with :func:`salesctl.audit.merge_reports` into the one-process report.

    The customers are hashed into :data:`PARTITIONS_PER_JOB` ``× (jobs - 1)`` partitions.
    The first share keeps the books and runs the detective controls; it decides the
    customers of some partitions only while that leaves it no more work than the others
    (:data:`BOOKS_SHARE`): with two jobs, about a quarter of the customers' work; with three
    or more, none (it keeps only the books). The other shares divide the rest evenly and
    skip, from the header, the lines that are not theirs. What a partition weighs is
    estimated from a sample of the file (:func:`~salesctl.fastreplay.route.partition_weights`:
    the cost of the sampled lines, by type; one customer may hold a fifth of a year's
    orders); partitions go, heaviest first, to the share furthest below its part. How the
    partitions are divided changes only the time.

    Args:
        path: the event stream.
        policy: the policy (sent with each share unless ``policy_file`` is given).
        jobs: the shares.
        policy_file: the policy's file, loaded by each share.
        through: see :func:`replay`.
        lateness: see :func:`replay`.
        weights: what each partition weighs (by default sampled from ``path``; every
            partition the same when it cannot be read).

    Raises:
        InvalidInput: for fewer than one job, or ``weights`` not one non-negative number per
            partition.
    """
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise InvalidInput("must be 1 or more", path="jobs", value=jobs)
    if jobs == 1:
        return [(path, policy_file, policy, 1, (0,), through, "all", lateness)]
    n = PARTITIONS_PER_JOB * (jobs - 1)
    if weights is None:
        weights = partition_weights(path, n)
    w = tuple(weights)
    if len(w) != n or not all(isinstance(x, (int, float)) and 0 <= x < math.inf for x in w):
        raise InvalidInput(f"must be {n} non-negative numbers", path="weights", value=weights)
    # every partition weighs a little, so that each share gets some
    w = tuple(x + (sum(w) or 1.0) / n / 100 for x in w)
    total = sum(w)
    # with three jobs or more the books share decides no customer: the books alone weigh
    # about as much as a gate share's part, and deciding any customer would add the
    # ledger's folds of every line to them
    books = (1 - BOOKS_SHARE) / 2 if jobs == 2 else 0.0
    # each share's part of the customers' work; the books share, if it decides any, holds
    # partition 0 (the transactions of no customer)
    target = [books * total] + [(1 - books) * total / (jobs - 1)] * (jobs - 1)
    load = [0.0] * jobs
    held: list[list[int]] = [[] for _ in range(jobs)]
    first = 0 if books > 0 else 1
    if first == 0:
        load[0], held[0] = w[0], [0]
    for b in sorted(range(1 - first, n), key=lambda b: (-w[b], b)):
        s = max(range(first, jobs), key=lambda i: (target[i] - load[i], -i))
        load[s] += w[b]
        held[s].append(b)
    tasks: list[JobTask] = [
        (path, policy_file, policy, n, tuple(sorted(held[0])), through, "all", lateness)
        if held[0]
        else (path, policy_file, policy, n, (0,), through, "books", lateness)
    ]
    for share in held[1:]:
        tasks.append(
            (path, policy_file, policy, n, tuple(sorted(share)), through, "gate", lateness)
        )
    return tasks


#: Customer partitions per gate share (:func:`job_tasks`): enough that a share's part of the
#: customers can be matched to a fraction of a percent on a year of a thousand customers.
PARTITIONS_PER_JOB = 64

#: What keeping the books (decoding every line in full, the registers, the detective
#: controls) costs the first share beyond what a share routing by header pays anyway, as a
#: fraction of all the customers' work: with two jobs the books share takes
#: ``(1 - BOOKS_SHARE) / 2`` of the customers' weight (28.5 %). Measured on the demo years
#: (docs/performance.md, issue 16's fifth pass: the CPU time of each share; 0.60 → 0.58 in the
#: eighth, once the books share read other shares' approvals from their header; 0.58 → 0.48
#: in the ninth, from the CPU time of the two shares run side by side on the 1M year once the
#: weights were the cost of the lines' types: the books share's 22 % of the customers' cost
#: left the gate share 6–7 % heavier, 26 % leaves them within 2 %; 0.48 → 0.50 in the twelfth:
#: the year's last closes, about 1 s that only the books share runs after its last line, and
#: the gate share's lighter lines — other shares' orders and goods issues folded from their
#: header, its state no longer freed before its report is sent — left the books share the
#: later to end, by about 2 s on the quiet runs; one partition of the 1M year's 64, 1.4 % of
#: the customers' cost, moves to the gate share; back to 0.48 once the books share's
#: contract-ledger lines were read into a plain-value register, the twelfth pass's other step:
#: run alone one after the other, the two shares took 26.6 / 27.6 s at 0.50, 26.7 / 26.6 s
#: at 0.48; 0.48 → 0.43 in session 12, once the books share fed its folds plain values and
#: the gate share passed runs of lines: at 0.48 the gate share was the later to end in all
#: six command-line runs, by 1–4 s of CPU; at 0.43 the books share takes 22 of 64 partitions,
#: 28.7 % of the customers' cost, and three runs ended within 1.5 s of each other).
BOOKS_SHARE = 0.43
