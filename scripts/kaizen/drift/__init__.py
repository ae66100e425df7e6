"""Drift: how far the data a model serves has moved from the data it was trained on.

`data` reads the reference (the training data at the serving commit) and the serving sample,
`thresholds` the `drift:` section of the quality gate file, `statistics` compares them column by
column (numpy and scipy, from the hashed `drift` lock) and `markdown` writes the report.
"""
