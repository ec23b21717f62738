"""Statements of a hot path run on the driver's cursor (issue 20: the callback's "践诺 1 浇水").

SQLAlchemy's execution of one statement — the execution context, the cache-key walk, the result
metadata, the row objects — costs 50–90 µs of Python, while SQLite itself takes 10–30 µs for
each of the callback's five statements. ``DriverStatement`` compiles a Core statement once per
dialect (the SQL text, the order of its parameters and each parameter's bind processor, so values
are stored exactly as SQLAlchemy stores them) and runs it on the DBAPI cursor of a SQLAlchemy
``Connection``. The connection, its pool checkout and its transaction (``Connection.begin`` →
``BEGIN IMMEDIATE`` on SQLite, the engine's ``begin`` event) stay SQLAlchemy's; the engine's
``before_cursor_execute`` / ``after_cursor_execute`` listeners are told of every statement, so
statement counts (tests, benchmarks) stay true. A driver error is raised as SQLAlchemy's (a
unique-key failure as ``IntegrityError``), and a lost connection is invalidated, as SQLAlchemy's
own execution does.

On PostgreSQL (psycopg) the statement is compiled with PostgreSQL's own ``$1`` placeholders and
run on psycopg's ``RawCursor``, which sends the text as it is instead of rewriting ``%(name)s``
placeholders on every execution.

Rows come back as the driver's tuples, without result processing: a date is SQLite's
``YYYY-MM-DD`` text (or PostgreSQL's ``date``); callers parse what they read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement


@dataclass(frozen=True)
class _Compiled:
    sql: str
    compiled: SQLCompiler
    positional: tuple[str, ...] | None  # parameter names in order (qmark); None: named
    processors: Mapping[str, Callable[[Any], Any] | None]
    returns_rows: bool  # a SELECT (an INSERT … RETURNING is told by the cursor)
    raw: bool  # psycopg's RawCursor ($1 placeholders, no conversion of the text)


class DriverStatement:
    """A Core ``select``/``insert`` compiled once per dialect, run on the driver's cursor.

    ``columns``: for an ``insert``, the columns the rows give (every column with a Python-side
    default must be among them: there is no execution context here to fill it in)."""

    def __init__(self, statement: ClauseElement, columns: Sequence[str] | None = None) -> None:
        self._statement = statement
        self._columns = list(columns) if columns is not None else None
        self._by_dialect: dict[str, _Compiled] = {}

    def _for(self, dialect: Dialect) -> _Compiled:
        found = self._by_dialect.get(dialect.name)
        if found is None:
            raw = dialect.name == "postgresql" and dialect.driver == "psycopg"
            if raw:  # PostgreSQL's own $1 placeholders: psycopg sends the text as it is
                dialect = _numbered(type(dialect))
            compiled = self._statement.compile(dialect=dialect, column_keys=self._columns)
            assert isinstance(compiled, SQLCompiler)
            missing = getattr(compiled, "insert_prefetch", ())
            if missing:
                raise ValueError(f"columns with Python defaults not given: {missing}")
            processors = {  # by the name the parameter has in the SQL
                compiled.bind_names[bind]: bind.type.dialect_impl(dialect).bind_processor(dialect)
                for bind in compiled.binds.values()
            }
            positional = tuple(compiled.positiontup or ()) if dialect.positional else None
            selects = bool(getattr(self._statement, "is_select", False))
            found = _Compiled(str(compiled), compiled, positional, processors, selects, raw)
            self._by_dialect[dialect.name] = found
        return found

    def run(self, where: Connection | Session, params: Mapping[str, Any]) -> list[Any]:
        """Execute with ``params`` (by bind name); the rows (empty for a statement without
        any). On a ``Session``: its pending changes are flushed, then its connection is used."""
        if isinstance(where, Session):
            if where.autoflush:
                where.flush()
            conn = where.connection()
        else:
            conn = where
        c = self._for(conn.dialect)
        values = c.compiled.construct_params(dict(params))  # callables evaluated now
        for key, process in c.processors.items():
            if process is not None and key in values:
                values[key] = process(values[key])
        args: Any = tuple(values[k] for k in c.positional) if c.positional is not None else values
        dbapi_conn = conn.connection.dbapi_connection
        assert dbapi_conn is not None
        cursor = _raw_cursor(dbapi_conn) if c.raw else dbapi_conn.cursor()
        dispatch = conn.dispatch
        try:
            if dispatch.before_cursor_execute:
                dispatch.before_cursor_execute(conn, cursor, c.sql, args, None, False)
            try:
                cursor.execute(c.sql, args)
            except conn.dialect.loaded_dbapi.Error as e:
                # as SQLAlchemy's own execution would: a lost connection leaves the pool, and
                # the error is raised as the matching SQLAlchemy one (IntegrityError, …)
                if conn.dialect.is_disconnect(e, conn.connection, cursor):
                    conn.invalidate(e)
                raise exc.DBAPIError.instance(
                    c.sql, args, e, conn.dialect.loaded_dbapi.Error, dialect=conn.dialect
                ) from e
            # a SELECT has rows to fetch; asking the cursor for its description instead
            # builds a column object per column on psycopg (≈ 4% of a board's CPU)
            rows = list(cursor.fetchall()) if c.returns_rows or cursor.description else []
            if dispatch.after_cursor_execute:
                dispatch.after_cursor_execute(conn, cursor, c.sql, args, None, False)
            return rows
        finally:
            cursor.close()


_NUMBERED: dict[type, Dialect] = {}


def _numbered(dialect_class: type) -> Dialect:
    """A PostgreSQL dialect of the same driver that writes ``$1, $2, …`` placeholders (each
    parameter once, however often the statement uses it)."""
    found = _NUMBERED.get(dialect_class)
    if found is None:
        found = _NUMBERED[dialect_class] = dialect_class(paramstyle="numeric_dollar")
    return found


def _raw_cursor(dbapi_conn: Any) -> Any:
    """A psycopg cursor that takes the text with PostgreSQL's own placeholders as it is: the
    ``%(name)s`` of an ordinary cursor are rewritten on every execution, and psycopg keeps
    rewritten texts only up to 4 KB (a board's tally statement is 5 KB: ≈ 5% of its CPU)."""
    import psycopg

    return psycopg.RawCursor(dbapi_conn)
