"""Multimodal knowledge-graph pipeline: image-text Parquet corpora in, graph files out."""

__version__ = "0.1.0"
