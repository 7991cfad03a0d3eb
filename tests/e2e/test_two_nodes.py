"""A build on a two-node Ray cluster (`ray.cluster_utils.Cluster`) whose corpus and graph live on
a real S3 server (moto): no shared disk is needed, and both nodes do work (stages and merge)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.build import run_build
from pipeline.config import load_config
from pipeline.graph.store import GraphStore

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def two_nodes(s3, request):
    """A head and one worker node, 1 CPU each, started after the AWS_* variables are set (the
    nodes' workers inherit them, as a cluster's workers get credentials from their own machine).
    The session's embedded Ray is shut down first and put back afterwards when a later test asks
    for it (tests/conftest.py runs the tests using this fixture last)."""
    import ray
    from ray.cluster_utils import Cluster

    from helpers import start_local_ray

    session_ray = ray.is_initialized()
    if session_ray:
        ray.shutdown()  # this test needs its own cluster
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    cluster.add_node(num_cpus=1)
    cluster.wait_for_nodes()
    yield cluster
    ray.shutdown()
    cluster.shutdown()
    items = request.session.items
    later = items[items.index(request.node) + 1:] if request.node in items else items
    if session_ray and any("ray_local" in getattr(i, "fixturenames", ()) for i in later):
        start_local_ray()  # the session's embedded Ray (`ray_local`) back for the tests after this one


def test_build_on_two_nodes_writing_to_s3(two_nodes, s3, photos, tmp_path, model_dir) -> None:
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    bucket = s3.bucket()
    rows = [{"id": f"r{i:02d}", "image": photos[k], "text": f"a photo number {i} of a {k}"}
            for i, k in enumerate(sorted(photos) * 2)]  # 8 rows, 4 shards: work for both nodes
    buf = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows), buf, row_group_size=2)
    s3.client().put_object(Bucket=bucket[5:], Key="corpus/part-0.parquet", Body=buf.getvalue())
    over = ["decode.text_columns=[text]", "shard_rows=2", "merge.partitions=4",
            "detect.resources.concurrency=1", "detect.resources.num_cpus=0.5", "extract.resources.num_cpus=0.5",
            "extract.resources.concurrency=1"]
    cfg = load_config(REPO / "jobs/configs/sample.yaml", over, out=f"{bucket}/graph", runner="ray",
                      **{"ray.address": two_nodes.address})
    cfg.corpus = [f"{bucket}/corpus/"]
    res = run_build(cfg, progress=lambda m: None)
    assert len(res.nodes) == 2, res.nodes  # both nodes ran stage or merge tasks
    assert res.counts["images"] == 4 and res.accounting[0]["rows_in_graph"] == 8
    with GraphStore.open(f"{bucket}/graph") as g:
        assert g.read_table("captions").num_rows >= 8
        assert g.manifest["nodes"] == 2
