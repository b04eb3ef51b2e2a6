"""The benchmark behind `make bench`: the API against a hand-written reference, over HTTP.

`python -m bench [--quick] [--databases sqlite,postgres] [--seconds N]` generates a seeded
data set, loads it into a fresh SQLite file and a fresh PostgreSQL database, serves the API
(`python -m api serve`) and the reference (`python -m bench.reference`) side by side, checks
that both answer the same JSON, drives both with the load generator (`python -m
bench.loadgen`) in interleaved rounds, on PostgreSQL also the API with 1 and 2 processes
(bench/scaling.py), on each database the portal's answer subtree by subtree
(bench/subtrees.py) and the API's levers off and on (bench/levers.py), and writes
bench/RESULTS.md.

This package imports nothing at the top level, so the load generator starts light.
"""
