"""Property tests: the corpus reader and decode stage never crash and account for every row."""

from __future__ import annotations

import io
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from pipeline.core.stage import QUARANTINE_REASON
from pipeline.io.corpus import CorpusError, check_corpus
from pipeline.io.shards import plan_shards, read_shard
from pipeline.stages.decode import DecodeConfig, DecodeStage


def _tiny_png(color: int) -> bytes:
    b = io.BytesIO()
    Image.new("RGB", (3, 2), (color, 0, 255 - color)).save(b, "PNG")
    return b.getvalue()


images = st.one_of(st.binary(max_size=64), st.integers(0, 255).map(_tiny_png), st.none())
rows = st.lists(
    st.fixed_dictionaries({"id": st.one_of(st.text(max_size=12), st.none()), "image": images,
                           "text": st.one_of(st.text(max_size=80), st.none())}),
    min_size=1, max_size=12,
)
SCHEMA = pa.schema([("id", pa.string()), ("image", pa.binary()), ("text", pa.string())])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=rows, group=st.integers(1, 5))
def test_reader_and_decode_account_for_every_row(tmp_path: Path, rows, group) -> None:
    path = tmp_path / "c.parquet"
    pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMA), path, row_group_size=group)
    (cf,) = check_corpus([str(path)])
    shards = plan_shards([cf], shard_rows=4)
    assert sum(s.rows for s in shards) == len(rows)
    stage = DecodeStage(DecodeConfig())
    seen = 0
    for sh in shards:
        for batch in read_shard(sh, 3):
            out = stage(batch)
            assert len(out) == len(batch)
            for rec in out.to_dict("records"):
                ok = rec[QUARANTINE_REASON] is None or rec[QUARANTINE_REASON] is __import__("pandas").NA
                assert ok == (rec["image_id"] is not None and rec["image_id"] is not __import__("pandas").NA)
            seen += len(out)
    assert seen == len(rows)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=512))
def test_arbitrary_bytes_are_an_error_line_not_a_crash(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "junk.parquet"
    path.write_bytes(data)
    try:
        check_corpus([str(path)])
    except CorpusError as e:
        msg = str(e)
        assert "junk.parquet" in msg and "\n" not in msg
