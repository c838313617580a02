"""The questions: one `cypher/<name>.cypher` file per prepared query, and the small loader that reads them.

A header names the query, says what it answers in one line, declares every `$parameter` with a type and (optionally)
a default, and says whether the query reads or writes (cypher/header.py shows one). The loader derives the `$params`
the body uses and refuses a file whose declared parameters differ. The file is sent to Neo4j unchanged, so it runs
as is in the Neo4j Browser once the parameters are set with `:param`.

    header.py     parsing a header and checking it against the body
    params.py     the one --param parser; typing values by a header, or as JSON for ad hoc statements
    catalogue.py  the query files, by name
    run.py        running one with bound parameters
    examples.py   representative parameters for every query, from whatever graph is loaded

Importing this package does not import the Neo4j driver.
"""

from cypher.catalogue import CATALOGUE_DIR, get_query, load_catalogue, parse_query_file, query_files
from cypher.header import MODES, PreparedQuery, parse_query_text, strip_comments_and_strings, used_params
from cypher.params import REQUIRED, TYPES, Param, coerce, literal_value, literal_values, parse_assignments
from cypher.run import run_query

run_prepared = run_query  # the older name of the same function (it takes a query name or a PreparedQuery)

__all__ = [
    "CATALOGUE_DIR", "MODES", "REQUIRED", "TYPES", "Param", "PreparedQuery", "coerce", "get_query", "literal_value",
    "literal_values", "load_catalogue", "parse_assignments", "parse_query_file", "parse_query_text", "query_files",
    "run_prepared", "run_query", "strip_comments_and_strings", "used_params",
]  # fmt: skip
