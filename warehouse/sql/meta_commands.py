"""The shell's backslash commands, after psql (and the DuckDB CLI's dot commands that analysts type by habit)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

from warehouse.sql.formatting import Shown, pretty_table
from warehouse.sql_files import query

HELP = """\\dt [schema]     tables and views (with row counts and descriptions); .tables does the same
\\d name          columns of a table or view (schema.name or name): type, nullable, description
\\timing          print how long each statement took (on/off)
\\q               quit (also .quit, .exit, quit, exit, or Ctrl-D)
\\?               this help
Statements end with ';' and may span lines. Up/down recall history, Tab completes names and keywords."""

# The tables and views (\dt, \d): a subquery of the commands' statements.
OBJECTS = query(__package__, "meta_commands_objects")


@dataclass
class Session:
    width: int
    out: TextIO
    timing: bool = False
    quit: bool = False


def _show(con, session: Session, statement: str, parameters: list) -> None:
    cursor = con.execute(statement, parameters)
    columns = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    pretty_table(columns, Shown(rows, len(rows)), session.width, session.out)


def list_relations(con, session: Session, argument: str) -> None:
    where, parameters = ("where schema = ?", [argument]) if argument else ("", [])
    _show(con, session, f"select * from ({OBJECTS}) {where} order by schema, name", parameters)


def describe(con, session: Session, argument: str) -> None:
    if not argument:
        session.out.write("usage: \\d name  (a table or view, e.g. \\d marts.fct_entries)\n")
        return
    schema, _, name = argument.rpartition(".")
    found = con.execute(
        f"select schema, name, kind, comment from ({OBJECTS}) where name = ? and (? = '' or schema = ?) order by 1",
        [name, schema, schema],
    ).fetchall()
    if not found:
        session.out.write(f"no table or view named {argument}; \\dt lists them\n")
        return
    for found_schema, found_name, kind, comment in found:
        session.out.write(f"{kind} {found_schema}.{found_name}" + (f": {comment}" if comment else "") + "\n")
        _show(
            con,
            session,
            "select column_name as column, data_type as type, is_nullable as nullable, comment as description "
            "from duckdb_columns() where schema_name = ? and table_name = ? order by column_index",
            [found_schema, found_name],
        )


def toggle_timing(con, session: Session, argument: str) -> None:
    session.timing = {"on": True, "off": False}.get(argument.lower(), not session.timing)
    session.out.write(f"timing is {'on' if session.timing else 'off'}\n")


def quit_shell(con, session: Session, argument: str) -> None:
    session.quit = True


def show_help(con, session: Session, argument: str) -> None:
    session.out.write(HELP + "\n")


COMMANDS = {
    "\\dt": list_relations,
    ".tables": list_relations,
    "\\d": describe,
    ".schema": describe,
    "\\timing": toggle_timing,
    ".timer": toggle_timing,
    "\\q": quit_shell,
    ".quit": quit_shell,
    ".exit": quit_shell,
    "quit": quit_shell,
    "exit": quit_shell,
    "\\?": show_help,
    ".help": show_help,
    "\\h": show_help,
}


def is_meta(line: str, in_statement: bool = False) -> bool:
    """A backslash command acts even in the middle of a statement (the statement waits, as in psql); dot commands
    and bare quit/exit only at its start, where they cannot be part of the SQL."""
    word = line.strip().split(maxsplit=1)[0] if line.strip() else ""
    word = word.rstrip(";")
    return word in COMMANDS and (not in_statement or word.startswith("\\"))


def run_meta(con, session: Session, line: str) -> None:
    word, _, argument = line.strip().rstrip(";").partition(" ")
    COMMANDS[word](con, session, argument.strip())
