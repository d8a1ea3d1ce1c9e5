"""Right-sizing from usage: what each principal did according to CloudTrail, and what it did not need.

The pipeline has two stages so that the same aggregate can come from this machine or from the engine
that already holds an organization's logs:

1. :mod:`polp.usage.raw` groups CloudTrail records by a fixed set of columns (who, what, where, the
   error code and the request fields that name resources) and counts them. The streaming reader does
   it in Python; :mod:`polp.usage.sql` renders the same grouping for DuckDB, Athena/Trino and Spark.
2. :mod:`polp.usage.aggregate` maps each raw group to IAM actions, resource ARNs and a normalized
   principal, and merges them into :class:`~polp.usage.model.UsageRow` s kept in a DuckDB store.
"""
