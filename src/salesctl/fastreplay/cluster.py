"""The audit replay on a Dask cluster (``salesctl audit --dask ADDRESS``): the shares of
:func:`~salesctl.fastreplay.engine.replay_jobs` run as futures on the cluster's workers and
their reports merge as they do from local processes, into the one-process report.

Dask (``dask.distributed``) is the optional extra ``salesctl[dask]``: it is imported only when
a cluster is used, so neither the gate nor the replay loads it otherwise. Every worker reads
the stream (and the policy file, when one is given) at the path the client names: on a real
cluster, a path on storage every worker mounts. The client weighs the customer partitions
from a sample of the file when it can read it (else every partition weighs the same): that
changes only how the work is divided.
"""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

from salesctl.audit import AuditReport, merge_reports
from salesctl.audit.clock import DEFAULT_LATENESS
from salesctl.errors import InvalidInput
from salesctl.fastreplay.engine import job_tasks, run_job
from salesctl.policy import Policy

__all__ = ["replay_dask"]


def replay_dask(
    path: str,
    policy: Policy | None = None,
    *,
    address: Any,
    jobs: int | None = None,
    policy_file: str | None = None,
    through: dt.date | None = None,
    lateness: dt.timedelta = DEFAULT_LATENESS,
) -> AuditReport:
    """Replay the file on a Dask cluster and merge the reports (the same report as one
    process).

    Args:
        path: the event stream, as the workers see it.
        policy: the policy in force (ignored when ``policy_file`` is given; otherwise sent to
            the workers).
        address: the scheduler's address (``tcp://host:8786``), or a
            ``dask.distributed.Client`` or cluster to use as is.
        jobs: shares (tasks); by default one per worker of the cluster.
        policy_file: the policy's file, loaded by each worker.
        through: see :func:`~salesctl.fastreplay.engine.replay`.
        lateness: see :func:`~salesctl.fastreplay.engine.replay`.

    Raises:
        InvalidInput: when dask.distributed is not installed, the scheduler cannot be
            reached, for fewer than one job, or when a worker cannot read the stream.
    """
    if jobs is not None and (not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1):
        raise InvalidInput("must be 1 or more", path="jobs", value=jobs)
    try:
        # imported by name: typed the same with or without dask installed
        distributed: Any = importlib.import_module("dask.distributed")
    except ImportError:
        raise InvalidInput(
            "needs dask.distributed: pip install 'salesctl[dask]'", path="dask"
        ) from None
    own = not isinstance(address, distributed.Client)
    try:
        client = distributed.Client(address) if own else address
    except (OSError, TimeoutError, ValueError, TypeError) as e:
        raise InvalidInput(
            f"cannot reach the Dask scheduler: {e}", path="dask", value=str(address)
        ) from None
    try:
        if jobs is None:
            jobs = max(1, len(client.scheduler_info().get("workers", {})))
        tasks = job_tasks(
            str(path), policy, jobs=jobs, policy_file=policy_file, through=through,
            lateness=lateness,
        )  # fmt: skip
        futures = client.map(run_job, tasks, pure=False)
        parts: list[AuditReport] = client.gather(futures)
    finally:
        if own:
            client.close()
    return parts[0] if len(parts) == 1 else merge_reports(parts)
