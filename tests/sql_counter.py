"""Counting the SQL statements Tortoise sends, to keep N+1 queries out.

Tortoise logs every statement it executes at DEBUG on the "tortoise.db_client" logger, once
per `execute_insert`, `execute_many`, `execute_query`, `execute_query_dict` and
`execute_script`, on SQLite and on asyncpg alike; a statement is logged as
`("%s: %s", sql, values)`, a script as its bare text. The same logger also announces opened
and closed connections (pools); those are no statements and are left out here.

Not counted, on either backend, because Tortoise does not log them: transaction control
(BEGIN, COMMIT, ROLLBACK, SAVEPOINT) around `in_transaction()` and `execute_many`, and
whatever the drivers run internally (asyncpg's type introspection, SQLite PRAGMAs on
connecting). An `execute_many` (bulk_create) counts once, however many rows it sends.

    async with count_queries() as queries:
        await api.post(...)
    assert queries.count <= 6, queries.report()
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

LOGGER_NAME = "tortoise.db_client"


@dataclass(frozen=True, slots=True)
class Statement:
    sql: str
    values: Any = None

    def __str__(self) -> str:
        return self.sql if self.values is None else f"{self.sql} -- {self.values!r}"


@dataclass(repr=False)
class QueryLog:
    """The statements executed while `count_queries()` was open, in order."""

    statements: list[Statement] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"<QueryLog of {self.count} statement(s)>"

    @property
    def count(self) -> int:
        return len(self.statements)

    @property
    def sql(self) -> list[str]:
        return [statement.sql for statement in self.statements]

    def __len__(self) -> int:
        return self.count

    def report(self) -> str:
        """A numbered listing, for assertion messages."""
        lines = [f"{self.count} SQL statement(s):"]
        lines += [f"  {i}. {statement}" for i, statement in enumerate(self.statements, 1)]
        return "\n".join(lines)


def statement_of(record: logging.LogRecord) -> Statement | None:
    """The statement a Tortoise log record stands for; None for connection messages."""
    if record.msg == "%s: %s" and isinstance(record.args, tuple) and len(record.args) == 2:
        sql, values = record.args
        return Statement(str(sql), values)
    if not record.args:
        # execute_script logs the script itself, without arguments.
        return Statement(str(record.msg))
    return None


class _Collector(logging.Handler):
    def __init__(self, log: QueryLog) -> None:
        super().__init__(logging.DEBUG)
        self.log = log

    def emit(self, record: logging.LogRecord) -> None:
        statement = statement_of(record)
        if statement is not None:
            self.log.statements.append(statement)


class count_queries:
    """Collect every statement Tortoise executes inside the block (any task, any connection).

    Works with `with` and `async with` alike: it only attaches a logging handler to
    "tortoise.db_client" (at DEBUG) for the block, and restores the logger afterwards.
    """

    def __init__(self) -> None:
        self.log = QueryLog()
        self._handler = _Collector(self.log)
        self._logger = logging.getLogger(LOGGER_NAME)
        self._saved: tuple[int, bool] | None = None

    def __enter__(self) -> QueryLog:
        if self._saved is not None:
            raise RuntimeError("count_queries() is not reentrant; open a new one.")
        self._saved = (self._logger.level, self._logger.disabled)
        self._logger.setLevel(logging.DEBUG)
        self._logger.disabled = False
        self._logger.addHandler(self._handler)
        return self.log

    def __exit__(self, *exc: object) -> None:
        assert self._saved is not None
        self._logger.removeHandler(self._handler)
        self._logger.setLevel(self._saved[0])
        self._logger.disabled = self._saved[1]
        self._saved = None

    async def __aenter__(self) -> QueryLog:
        return self.__enter__()

    async def __aexit__(self, *exc: object) -> None:
        self.__exit__(*exc)
