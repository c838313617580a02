"""The query catalogue: every cypher/*.cypher file loads, and the loader refuses malformed headers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cypher import (
    CATALOGUE_DIR,
    Param,
    coerce,
    get_query,
    load_catalogue,
    parse_assignments,
    parse_query_file,
    parse_query_text,
    query_files,
    used_params,
)
from graphdb.errors import QueryFileError, SwarmgraphError

DOCS = Path(__file__).resolve().parents[2] / "docs" / "queries.md"
FIXED_NAMES = {"coordinated_link_sharing", "cross_platform_bridges", "hashtag_lifecycle", "takedown_survival"}
HEADER = "// name: q\n// description: A query.\n// mode: read\n"


@pytest.mark.parametrize("path", query_files(), ids=lambda p: p.stem)
def test_every_query_file_loads_with_a_consistent_header(path: Path) -> None:
    query = parse_query_file(path)
    assert query.name == path.stem and query.description and query.mode == "read"
    assert {p.name for p in query.params} == used_params(query.text)
    assert all(p.doc for p in query.params), "every parameter says what it is"
    assert not query.statement.rstrip().endswith(";")


def test_the_catalogue_holds_the_fixed_names_and_the_issue_queries() -> None:
    names = set(load_catalogue())
    assert FIXED_NAMES <= names
    assert {"video_reach", "dissemination_paths", "first_sharers", "bridging_nodes", "communities", "amplifiers",
            "successors", "account_profile"} <= names  # fmt: skip


def test_every_query_and_analysis_is_documented_with_an_example() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for name in load_catalogue():
        assert re.search(rf"^## `?{name}`?\s*$", text, re.M), f"docs/queries.md lacks a section for {name}"
        assert f"swarmgraph query {name}" in text
    for command in ("coordination", "bridging", "communities", "resilience", "successors", "copies"):
        assert f"swarmgraph analyze {command}" in text


def test_declared_and_used_parameters_must_agree() -> None:
    with pytest.raises(QueryFileError, match=r"used but not declared: x"):
        parse_query_text(HEADER + "RETURN $x", "q.cypher")
    with pytest.raises(QueryFileError, match=r"declared but not used: y"):
        parse_query_text(HEADER + "// param: y int = 1  -- why\nRETURN 1", "q.cypher")


def test_parameters_in_strings_and_comments_do_not_count() -> None:
    text = HEADER + "// param: a int = 1  -- a\nRETURN $a, '$b', \"$c\" // $d\n/* $e */, `$f`"
    assert used_params(text) == {"a"}
    assert used_params("RETURN $`odd`, $plain") == {"odd", "plain"}
    assert used_params("RETURN 'it\\'s $no', $yes") == {"yes"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("// description: d\n// mode: read\nRETURN 1", "lacks '// name: ...'"),
        ("// name: q\n// mode: read\nRETURN 1", "lacks '// description: ...'"),
        ("// name: q\n// description: d\nRETURN 1", "lacks '// mode: ...'"),
        (HEADER.replace("read", "delete") + "RETURN 1", "mode must be read or write"),
        (HEADER + "// param: x integer = 1\nRETURN $x", "unknown type 'integer'"),
        (HEADER + "// param: x int = one\nRETURN $x", "is not a literal"),
        (HEADER + "// param: x int = 'one'\nRETURN $x", "bad default"),
        (HEADER + "// param: x int\n// param: x int\nRETURN $x", "declared twice"),
        (HEADER + "// param: = 1\nRETURN 1", "cannot read parameter"),
        (HEADER + "RETURN 1; RETURN 2", "one statement per file"),
        (HEADER, "no statement"),
        ("// name: Bad-Name\n// description: d\n// mode: read\nRETURN 1", "lower_snake_case"),
        (HEADER + "// materialised: reports, else cached\nRETURN 1", "is not '<analysis>' or '<analysis>, else live'"),
        (HEADER + "// param: x int = 1\n// materialised: reports\n// live_with: y\nRETURN $x", "names y, not among"),
        (HEADER + "// param: x int = 1\n// live_with: x\nRETURN $x", "'live_with:' without 'materialised:'"),
    ],
)
def test_malformed_headers_are_refused_naming_the_file(text: str, message: str) -> None:
    with pytest.raises(QueryFileError, match=re.escape(message)) as err:
        parse_query_text(text, "cypher/q.cypher")
    assert str(err.value).startswith("cypher/q.cypher")


def test_a_materialised_query_says_whether_it_falls_back_and_which_parameters_make_it_live() -> None:
    plain = parse_query_text(HEADER + "// materialised: reports\nRETURN 1")
    assert (plain.materialised, plain.live_fallback, plain.live_with) == ("reports", False, ())
    both = parse_query_text(HEADER + "// param: posts list = null\n// materialised: reports, else live\n"
                            "// live_with: posts\nRETURN $posts")  # fmt: skip
    assert (both.materialised, both.live_fallback, both.live_with) == ("reports", True, ("posts",))
    assert get_query("activity_over_time").live_with == ("posts",) and get_query("case_counts").live_fallback
    assert get_query("hashtag_lifecycle").live_fallback is False


def test_the_file_name_must_match_the_header(tmp_path: Path) -> None:
    path = tmp_path / "other.cypher"
    path.write_text(HEADER + "RETURN 1", encoding="utf-8")
    with pytest.raises(QueryFileError, match="names the query 'q', the file is 'other'"):
        parse_query_file(path)


def test_defaults_types_and_required_parameters() -> None:
    query = parse_query_text(
        HEADER
        + "// param: n int = 5  -- count\n// param: f float = 0.5  -- share\n// param: s string = 'a b'  -- text\n"
        '// param: b bool = true  -- flag\n// param: l list = ["x", "y"]  -- items\n'
        "// param: t datetime = null  -- since\n// param: need string  -- required one\n"
        "RETURN $n, $f, $s, $b, $l, $t, $need",
        "q.cypher",
    )
    assert [p.signature() for p in query.params][:3] == ["n int = 5", "f float = 0.5", 's string = "a b"']
    assert query.param("need") is not None and query.param("need").required  # type: ignore[union-attr]
    assert query.bind({"need": "x"}) == {"n": 5, "f": 0.5, "s": "a b", "b": True, "l": ["x", "y"], "t": None,
                                         "need": "x"}  # fmt: skip
    bound = query.bind({"need": "x", "n": "7", "f": "2", "b": "no", "l": "p, q", "t": "2015-11-14T00:00:00Z"})
    assert bound["n"] == 7 and bound["f"] == 2.0 and bound["b"] is False and bound["l"] == ["p", "q"]
    assert bound["t"] == "2015-11-14T00:00:00Z"
    with pytest.raises(SwarmgraphError, match=r"Query 'q' needs --param need=<string> \(required one\)\."):
        query.bind({})
    with pytest.raises(SwarmgraphError, match=r"Query 'q' has no parameter 'zz' \(its parameters: n, f, s, b"):
        query.bind({"need": "x", "zz": 1})


@pytest.mark.parametrize(
    ("typ", "given", "expected"),
    [
        ("int", "42", 42), ("int", 3.0, 3), ("float", "1e3", 1000.0), ("float", 2, 2.0), ("bool", "TRUE", True),
        ("bool", "0", False), ("string", 12345, "12345"), ("list", '["a", 1]', ["a", 1]), ("list", "", []),
        ("datetime", "2015-11-14", "2015-11-14"), ("string", None, None),
    ],
)  # fmt: skip
def test_values_are_typed_by_the_header(typ: str, given: object, expected: object) -> None:
    assert coerce(Param("p", typ), given) == expected


@pytest.mark.parametrize(("typ", "given"), [("int", "1.5"), ("int", True), ("float", "x"), ("bool", "maybe"),
                                            ("list", "[1"), ("datetime", "yesterday"), ("string", [1])])  # fmt: skip
def test_values_that_do_not_fit_the_type_are_refused(typ: str, given: object) -> None:
    with pytest.raises(SwarmgraphError, match=f"parameter 'p' expects {typ}"):
        coerce(Param("p", typ), given)


def test_assignments_keep_raw_values_for_the_header_to_type() -> None:
    assert parse_assignments(["a=1", "url=https://x.org/?a=b", "empty="]) == {
        "a": "1", "url": "https://x.org/?a=b", "empty": ""}  # fmt: skip
    with pytest.raises(SwarmgraphError, match=r"Bad --param 'novalue': use name=value\."):
        parse_assignments(["novalue"])


def test_unknown_query_names_list_the_known_ones() -> None:
    with pytest.raises(SwarmgraphError, match=r"No prepared query named 'nope'\. Known: account_profile, "):
        get_query("nope")
    with pytest.raises(SwarmgraphError, match="No prepared query named '../x'"):
        get_query("../x")
    assert get_query("takedown_survival").path == CATALOGUE_DIR / "takedown_survival.cypher"
