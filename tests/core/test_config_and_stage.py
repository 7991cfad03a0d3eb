"""Config loading and overrides, the stage contract, the registry, shard planning."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.config import ConfigError, load_config, to_dict
from pipeline.core.registry import Registry, UnknownName
from pipeline.runners.ray_data import plan_segments
from pipeline.core.stage import Off, Resources, Stage, StageConfig, StageError, make_stage
from pipeline.io.corpus import check_corpus
from pipeline.io.shards import plan_shards

REPO = Path(__file__).resolve().parents[2]


def test_yaml_and_overrides_are_typed() -> None:
    cfg = load_config(REPO / "jobs/configs/sample.yaml", ["caption.backend=none", "detect.score_threshold=0.45",
                                                          "decode.image_roots=[/a, /b]", "extract.resources.batch_size=7"])
    assert cfg.caption.backend == "none" and cfg.detect.score_threshold == 0.45
    assert cfg.decode.image_roots == ["/a", "/b"] and cfg.extract.resources.batch_size == 7
    assert to_dict(cfg)["detect"]["resources"]["concurrency"] == 2 and cfg.detect.threads == 1


@pytest.mark.parametrize("override,line", [
    ("caption.backnd=none", "unknown config key caption.backnd (known: allow_network, backend, "),
    ("detect.score_threshold=high", "detect.score_threshold: expected a number, got 'high'"),
    ("detect.score_threshold=1.5", "detect.score_threshold: must be within 0..1"),
    ("ground.min_score=-0.1", "ground.min_score: must be within 0..1"),
    ("shard_rows=1.5", "shard_rows: expected an integer, got 1.5"),
    ("shard_rows=0", "shard_rows: must be greater than 0, got 0"),
    ("detect.device=tpu", "detect.device: must be one of 'auto', 'cpu' or 'cuda', got 'tpu'"),
    ("runner=spark", "runner: must be one of 'ray' or 'local', got 'spark'"),
    ("caption.backend=blip", "caption.backend: unknown captioner backend 'blip'; known: none, template, transformers"),
    ("detect.backend=yolo", "detect.backend: unknown detector backend 'yolo'; known: none, onnx, transformers"),
    ("extract.resources.batch_size=0", "extract.resources.batch_size: must be greater than or equal to 1, got 0"),
    ("stages=[decode, detekt]", "stages: unknown stage 'detekt'; known: "),
    ("nonsense", "--set nonsense: expected key=value"),
    ("spatial.separation=0.6", "spatial.separation: must be within 0..0.5"),
    ("spatial.alignment=0.1", "spatial: separation must be below alignment, got 0.2 >= 0.1"),
    ("spatial.enabled=maybe", "spatial.enabled: expected true/false, got 'maybe'"),
])
def test_bad_values_stop_with_one_line_naming_the_key(override: str, line: str) -> None:
    with pytest.raises(ConfigError) as e:
        load_config(REPO / "jobs/configs/sample.yaml", [override])
    assert str(e.value).startswith(line) and "\n" not in str(e.value)


def test_every_registered_stage_has_a_section_and_off_is_handled_once() -> None:
    from pipeline.core.stage import STAGES

    cfg = load_config(REPO / "jobs/configs/sample.yaml", ["detect.backend=none", "caption.backend=none"])
    assert set(STAGES.names()) <= set(to_dict(cfg))
    detect, caption = make_stage("detect", cfg.detect), make_stage("caption", cfg.caption)
    assert isinstance(detect, Off) and isinstance(caption, Off) and not detect.stateful
    out = detect(pd.DataFrame({"image_id": ["a"]}))
    assert out["regions"].tolist() == [[]]  # off: the column exists, empty, with its declared type
    assert make_stage("detect", load_config(REPO / "jobs/configs/sample.yaml").detect).stateful
    # a plain `enabled` field switches a stage off the same way
    spatial = make_stage("spatial", load_config(REPO / "jobs/configs/sample.yaml", ["spatial.enabled=false"]).spatial)
    assert isinstance(spatial, Off) and spatial(pd.DataFrame({"regions": [[]]}))["spatial"].tolist() == [[]]
    assert not isinstance(make_stage("spatial", cfg.spatial), Off)


def test_cluster_config_loads() -> None:
    cfg = load_config(REPO / "jobs/configs/cluster.yaml")
    assert cfg.caption.backend == "transformers" and cfg.detect.resources.num_gpus > 0


class Doubler(Stage):
    name = "double"
    Config = StageConfig
    requires = ("x",)
    produces = {"y": pa.int64()}

    def process(self, batch: pd.DataFrame) -> pd.DataFrame:
        bad = [None if v >= 0 else "negative" for v in batch["x"]]
        return pd.DataFrame({"y": [v * 2 for v in batch["x"]], "quarantine_reason": bad, "quarantine_detail": bad})


def test_stage_contract_types_and_quarantine() -> None:
    out = Doubler()(pd.DataFrame({"x": [1, -1, 3]}))
    t = pa.Table.from_pandas(out, preserve_index=False)
    assert t.schema.field("y").type == pa.int64()
    assert out["quarantine_reason"].tolist()[1] == "negative" and out["quarantine_stage"].tolist()[1] == "double"
    again = Doubler()(out.assign(x=[5, 5, 5]))  # a quarantined row is passed through untouched
    assert again["y"].tolist()[0] == 10 and again["y"].tolist()[1] == -2  # kept from the first pass
    assert again["quarantine_reason"].tolist()[1] == "negative"
    with pytest.raises(StageError, match="needs column"):
        Doubler()(pd.DataFrame({"z": [1]}))


def test_registry_versions() -> None:
    r: Registry = Registry("thing")
    r.register("a", 1)(lambda: 1)
    r.register("a", 2)(lambda: 2)
    assert r.get("a")() == 2 and r.get("a", 1)() == 1
    with pytest.raises(UnknownName, match="unknown thing 'b'"):
        r.get("b")


def test_shards_cover_every_row_group(tmp_path: Path) -> None:
    p = tmp_path / "c.parquet"
    pq.write_table(pa.table({"id": [str(i) for i in range(25)], "image": [b"x"] * 25}), p, row_group_size=4)
    shards = plan_shards(check_corpus([str(p)]), shard_rows=10)
    assert [s.rows for s in shards] == [8, 8, 9]  # whole row groups of 4, at most 10 rows
    assert [s.first_row for s in shards] == [0, 8, 16]
    assert len({s.key for s in shards}) == 3


def test_gpu_stages_get_their_own_operator() -> None:
    from pipeline.stages.caption import CaptionConfig, CaptionStage
    from pipeline.stages.decode import DecodeStage
    from pipeline.stages.detect import DetectConfig, DetectStage
    from pipeline.stages.extract import ExtractStage
    from pipeline.stages.ground import GroundStage

    gpu = Resources(num_gpus=0.5)
    stages = [DecodeStage(), DetectStage(DetectConfig(resources=gpu)), CaptionStage(CaptionConfig(backend="transformers", model="x", resources=gpu)),
              ExtractStage(), GroundStage()]
    assert stages[2].stateful and not CaptionStage(CaptionConfig(backend="template")).stateful
    assert [[s.name for s in seg] for seg in plan_segments(stages)] == [["decode"], ["detect"], ["caption"], ["extract", "ground"]]
    cpu = [DecodeStage(), DetectStage(), CaptionStage(), ExtractStage(), GroundStage()]
    assert [[s.name for s in seg] for seg in plan_segments(cpu)] == [["decode", "detect", "caption"], ["extract", "ground"]]
