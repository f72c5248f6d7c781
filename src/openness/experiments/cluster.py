"""Batches on a cluster: a SLURM cluster of dask workers, and a batch run on any dask cluster.

    from openness.experiments import load_experiment
    from openness.experiments.cluster import run_on_cluster, slurm_cluster

    with slurm_cluster(memory="4GB", walltime="04:00:00", account="myproject") as cluster:
        cluster.scale(jobs=64)
        run_on_cluster(load_experiment("experiments/sobol.toml"), "results/sobol", cluster)

`docs/cluster.md` is the recipe. Workers are sent each run's scenario content, never a path,
so they need no shared filesystem (only the package installed, and somewhere to cache numba's
compiled code: `NUMBA_CACHE_DIR`); the batch directory lives with the process that calls
`run_on_cluster`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openness.experiments.executors import DaskExecutor, require_dask
from openness.experiments.runner import BatchSummary, run_batch
from openness.experiments.spec import LoadedExperiment

#: what every worker job sets before it starts: one numba thread (a worker is one core), and
#: a cache for compiled code on the node's own disk ($TMPDIR, else /tmp)
WORKER_PROLOGUE = (
    "export NUMBA_NUM_THREADS=1",
    'export NUMBA_CACHE_DIR="${TMPDIR:-/tmp}/openness-numba-cache"',
)


def slurm_cluster(memory: str = "4GB", walltime: str = "04:00:00", **options: Any) -> Any:
    """A `dask_jobqueue.SLURMCluster` whose jobs are one single-threaded worker each (one
    core: a run is single-threaded, and a batch is parallel across runs). `options` go to
    SLURMCluster as they are (account, queue, job_extra_directives, ...)."""
    require_dask("slurm_cluster", "dask_jobqueue")
    from dask_jobqueue import SLURMCluster

    prologue = [*WORKER_PROLOGUE, *options.pop("job_script_prologue", [])]
    return SLURMCluster(
        cores=1,
        processes=1,
        memory=memory,
        walltime=walltime,
        job_script_prologue=prologue,
        **options,
    )


def run_on_cluster(
    loaded: LoadedExperiment, out: str | Path, cluster: Any, **batch: Any
) -> BatchSummary:
    """`run_batch` on the workers of a dask `cluster` (SLURMCluster, LocalCluster, ...);
    `batch` takes run_batch's other options (resume, shard, progress, stop)."""
    require_dask("run_on_cluster")
    from distributed import Client

    with Client(cluster) as client:
        return run_batch(loaded, out, executor=DaskExecutor(client=client), **batch)
