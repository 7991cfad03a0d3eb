"""Questions over a graph: the `kg query` verbs (verbs.py), Cypher through LadybugDB (cypher.py),
name normalisation (names.py) and output as tables, JSON or CSV (result.py)."""
