"""The reference: the benchmark's contract operations answered by hand-written SQL and orjson
in a bare Starlette endpoint (no GraphQL, no ORM), with the API's token lookup and row
visibility, producing the same JSON. Run it with `python -m bench.reference`."""
