"""The JSON contracts shipped with the package: graph.json (graph tables), corpus.json (input).

The top-level `schemas/` folder of the repository holds identical copies for readers of the
source tree (tests/query/test_store.py checks they stay in step).
"""
