"""Shared fixtures: the offline detector, a local Ray, small real corpora written to Parquet."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers import jpeg, start_local_ray
from tiny_models import build_tiny_blip, build_tiny_detr, build_tiny_git, build_tiny_vit_gpt2

REPO = Path(__file__).resolve().parents[1]
SHARED_MODELS = REPO.parent / "shared" / "models"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """End-to-end tests are `slow` (`make test-fast` leaves them out): everything in tests/e2e,
    every test module that runs whole builds (imports `run_build`), and every test that asks for
    `model_dir` (the detector folder a whole build needs; tests of the detector alone use
    `centernet_model`). Modules whose tests all build or open whole graphs, or drive a browser,
    mark themselves (`pytestmark = pytest.mark.slow`: tests/query, tests/export).

    Tests that need a Ray cluster of their own (fixture `two_nodes`) run last: they shut the
    session's embedded Ray (`ray_local`) down, and no later test has to wait for it to start again."""
    e2e = REPO / "tests" / "e2e"
    for item in items:
        module = getattr(item, "module", None)
        if (e2e in Path(str(item.fspath)).parents or (module is not None and hasattr(module, "run_build"))
                or "model_dir" in getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
    own_cluster = [i for i in items if "two_nodes" in getattr(i, "fixturenames", ())]
    items[:] = [i for i in items if i not in own_cluster] + own_cluster


def find_centernet() -> Path | None:
    """centernet_coco.onnx where `kg models ensure` puts it (model_store: $KG_MODEL_DIR, else
    ~/.cache/kg/models), else the shared copy beside the repository; None when nowhere."""
    from pipeline.vision import model_store

    for cand in (model_store.centernet_path(), SHARED_MODELS / model_store.CENTERNET_FILE):
        if cand.is_file():
            return cand
    return None


@pytest.fixture(scope="session", autouse=True)
def spacy_loaded_once():
    """The spaCy model loads once per model name for the whole session in this process: the
    in-process builds (dozens of `run_build` calls) each set up a caption parser, and loading
    the model is most of that set-up. The model is the real one, loaded the real way the first
    time; pipes are only read afterwards (nothing in the parser changes the pipeline). Ray
    workers and `kg` subprocesses load their own, as before."""
    import functools

    from pipeline.text import spacy_model

    real = spacy_model.load_nlp
    by_name = functools.lru_cache(maxsize=None)(real)

    def load_nlp(name: str | None = None):
        return by_name(spacy_model.resolve_model_name(name))

    mp = pytest.MonkeyPatch()
    mp.setattr(spacy_model, "load_nlp", load_nlp)
    yield
    mp.undo()


@pytest.fixture(scope="session")
def centernet_model() -> Path:
    """The real COCO CenterNet ONNX file; $KG_MODEL_DIR points at its folder for the session.
    Missing is a failure, not a skip: `make test` runs `kg models ensure` first."""
    path = find_centernet()
    if path is None:
        pytest.fail("no centernet_coco.onnx in $KG_MODEL_DIR, ~/.cache/kg/models or ../shared/models: "
                    "run `kg models ensure` (make setup) first", pytrace=False)
    os.environ["KG_MODEL_DIR"] = str(path.parent)
    return path


@pytest.fixture(scope="session")
def model_dir(centernet_model: Path) -> Path:
    """The folder holding centernet_coco.onnx (see `centernet_model`)."""
    return centernet_model.parent


@pytest.fixture(scope="session")
def ray_local():
    """An embedded local Ray for the whole session (2 CPUs, see `helpers.start_local_ray`),
    started once: a test that needs a cluster of its own (tests/e2e/test_two_nodes.py) puts it
    back when done, so later tests neither start one per build nor auto-start a default one."""
    import ray

    started = False
    if not ray.is_initialized():
        start_local_ray()
        started = True
    yield ray
    if started:
        ray.shutdown()


class S3Server:
    """A real S3-compatible server (moto's server mode) on 127.0.0.1, for the object-storage paths."""

    def __init__(self) -> None:
        from moto.server import ThreadedMotoServer

        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        host, port = self.server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        #: the standard AWS variables a user sets; pyarrow, boto3 and Ray workers read them
        self.env = {"AWS_ACCESS_KEY_ID": "kg-test-key-id", "AWS_SECRET_ACCESS_KEY": "kg-test-secret-value",
                    "AWS_ENDPOINT_URL": self.endpoint, "AWS_DEFAULT_REGION": "us-east-1", "AWS_REGION": "us-east-1",
                    "AWS_EC2_METADATA_DISABLED": "true"}
        self._buckets = 0
        self._client = None

    def client(self):
        """A boto3 S3 client for this server (made once: a boto3 client takes a while to set up,
        and one is safe to share between threads)."""
        if self._client is None:
            import boto3

            self._client = boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                                        aws_access_key_id=self.env["AWS_ACCESS_KEY_ID"],
                                        aws_secret_access_key=self.env["AWS_SECRET_ACCESS_KEY"])
        return self._client

    def bucket(self) -> str:
        """A new empty bucket; returns its URI (``s3://kg-test-N``)."""
        self._buckets += 1
        name = f"kg-test-{self._buckets}"
        self.client().create_bucket(Bucket=name)
        return f"s3://{name}"


@pytest.fixture(scope="session")
def s3_server():
    """One moto S3 server for the session (see `s3`)."""
    srv = S3Server()
    yield srv
    srv.server.stop()


@pytest.fixture
def s3(s3_server: S3Server, monkeypatch: pytest.MonkeyPatch) -> S3Server:
    """The S3 server with the standard AWS_* variables pointing at it for this test (no
    credentials in any URI); `s3.bucket()` makes a fresh bucket."""
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    for k, v in s3_server.env.items():
        monkeypatch.setenv(k, v)
    return s3_server


@pytest.fixture(scope="session")
def photos() -> dict[str, bytes]:
    """A few real photos (scikit-image, CC0) as JPEG bytes."""
    from skimage import data

    return {"astronaut": jpeg(data.astronaut()), "coffee": jpeg(data.coffee()), "chelsea": jpeg(data.chelsea()),
            "rocket": jpeg(data.rocket())}


@pytest.fixture(scope="session")
def sample_graph(tmp_path_factory, model_dir) -> Path:
    """The sample corpus built once per session (query, export and report tests; see tests/graph_builds.py)."""
    import graph_builds

    return graph_builds.sample_graph(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="session")
def hostile_graph(tmp_path_factory, photos, model_dir) -> Path:
    """A graph of hostile captions built once per session (see tests/graph_builds.py)."""
    import graph_builds

    return graph_builds.hostile_graph(tmp_path_factory.getbasetemp(), photos)


# tiny random transformers models (tests/tiny_models.py), each built once per session and only
# read afterwards: tests/vision and the builds in tests/e2e load the same folders
@pytest.fixture(scope="session")
def tiny_blip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_blip(tmp_path_factory.mktemp("tiny-blip"))


@pytest.fixture(scope="session")
def tiny_vit_gpt2(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_vit_gpt2(tmp_path_factory.mktemp("tiny-vit-gpt2"))


@pytest.fixture(scope="session")
def tiny_git(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_git(tmp_path_factory.mktemp("tiny-git"))


@pytest.fixture(scope="session")
def tiny_detr(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_detr(tmp_path_factory.mktemp("tiny-detr"))
