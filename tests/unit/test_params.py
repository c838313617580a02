"""The one --param parser: the same text gives the same value wherever a prepared query takes it, and integers that
Neo4j cannot store are refused with a clear message (not an OverflowError from the driver)."""

from __future__ import annotations

import pytest

from cypher import Param, coerce, get_query, literal_values, parse_assignments
from graphdb.errors import SwarmgraphError


def test_a_prepared_query_types_the_raw_text_by_its_header() -> None:
    # hashtag_lifecycle declares `tag string`: 1e3 is the tag "1e3", not the number 1000.0, for `query` and for
    # `export --query` alike (both bind parse_assignments' raw text)
    bound = get_query("hashtag_lifecycle").bind(parse_assignments(["tag=1e3", "min_posts=7"]))
    assert bound["tag"] == "1e3" and bound["min_posts"] == 7


def test_an_ad_hoc_statement_reads_json_else_a_string() -> None:
    assert literal_values(["n=1e3", "s=paris", 'j={"k": [1, 2]}', "t=2015-11-14T09:00:00Z", "e="]) == {
        "n": 1000.0, "s": "paris", "j": {"k": [1, 2]}, "t": "2015-11-14T09:00:00Z", "e": "",
    }  # fmt: skip


@pytest.mark.parametrize("raw", ["9223372036854775808", "-9223372036854775809", "[1, 99999999999999999999]",
                                 '{"a": {"b": 18446744073709551616}}', "1" * 5000])  # fmt: skip
def test_integers_beyond_64_bits_are_refused_for_ad_hoc_statements(raw: str) -> None:
    with pytest.raises(SwarmgraphError, match=r"parameter 'x': .* does not fit in a 64-bit integer"):
        literal_values([f"x={raw}"])


def test_the_64_bit_bounds_themselves_pass() -> None:
    assert literal_values(["a=9223372036854775807", "b=-9223372036854775808"]) == {
        "a": 9223372036854775807, "b": -9223372036854775808}  # fmt: skip


@pytest.mark.parametrize("raw", ["9223372036854775808", "1" * 5000])
def test_integers_beyond_64_bits_are_refused_for_prepared_queries(raw: str) -> None:
    with pytest.raises(SwarmgraphError, match=r"parameter 'min_posts'"):
        get_query("hashtag_lifecycle").bind({"min_posts": raw})


def test_a_list_parameter_holding_a_huge_integer_is_refused() -> None:
    with pytest.raises(SwarmgraphError, match="does not fit in a 64-bit integer"):
        coerce(Param("xs", "list"), "[1, 99999999999999999999]")
