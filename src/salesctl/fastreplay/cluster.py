"""The audit replay on a Dask cluster (``salesctl audit --dask ADDRESS``): the shares of
:func:`~salesctl.fastreplay.engine.replay_jobs` run as futures on the cluster's workers and
their reports merge as they do from local processes, into the one-process report.

Dask (``dask.distributed``) is the optional extra ``salesctl[dask]``: it is imported only when
a cluster is used, so neither the gate nor the replay loads it otherwise. Every worker reads
the stream (and the policy file, when one is given) at the path the client names: on a real
cluster, a path on storage every worker mounts. The client weighs the customer partitions
from a sample of the file when it can read it (else every partition weighs the same): that
changes only how the work is divided. When the shares find that a transaction read what the
stream filed under a customer of another share (:mod:`salesctl.fastreplay.crossing`), the
stream is replayed in one task.
"""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any, cast

from salesctl.audit import AuditReport, merge_reports
from salesctl.audit.clock import DEFAULT_LATENESS
from salesctl.errors import InvalidInput
from salesctl.fastreplay.crossing import Crossings, crossed
from salesctl.fastreplay.engine import JobTask, job_tasks, run_job
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
        futures = client.map(_share, tasks, pure=False)
        done: list[tuple[AuditReport, Crossings]] = client.gather(futures)
        if crossed([x for _r, x in done]):
            # a transaction read what the stream filed under a customer of another share
            # (salesctl.fastreplay.crossing): the stream in one task, as one process
            whole = job_tasks(str(path), policy, jobs=1, policy_file=policy_file,
                              through=through, lateness=lateness)  # fmt: skip
            return cast(AuditReport, client.submit(run_job, whole[0], pure=False).result())
    finally:
        if own:
            client.close()
    parts = [r for r, _x in done]
    return parts[0] if len(parts) == 1 else merge_reports(parts)


def _share(task: JobTask) -> tuple[AuditReport, Crossings]:
    """One share on a worker, with what it looked up and kept by customer."""
    crossings = Crossings()
    return run_job(task, crossings=crossings), crossings
