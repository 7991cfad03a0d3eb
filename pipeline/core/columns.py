"""Names of the bookkeeping columns every batch carries (the corpus row's id and where it came
from). Plain strings, nothing else: the typed columns that stages add are declared by the
stages themselves (`produces`), their record types in `pipeline.graph.records`."""

from __future__ import annotations

# Columns of the corpus (input contract, see schemas/corpus.json)
ID = "id"
IMAGE = "image"
IMAGE_PATH = "image_path"
# Added by the readers (kg_* names are reserved)
SOURCE_FILE = "kg_file"  # the Parquet file a row came from
ROW = "kg_row"  # row number within its file
SHARD = "kg_shard"  # shard key
