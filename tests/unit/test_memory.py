"""The local server's memory by machine size and store size (graphdb/runtime/memory.py); figures worked out by hand
from the rules in its docstring."""

from __future__ import annotations

import pytest

from graphdb.errors import RuntimeSetupError
from graphdb.runtime.config import RuntimeState, explicit_sizes
from graphdb.runtime.memory import GB, MB, Machine, choose_memory, importer_heap, outgrown, parse_size, size_text


@pytest.fixture(autouse=True)
def _no_memory_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SWARMGRAPH_HEAP", raising=False)
    monkeypatch.delenv("SWARMGRAPH_PAGECACHE", raising=False)


def test_an_empty_store_gets_the_small_defaults() -> None:
    choice = choose_memory(Machine(total=24 * GB, available=20 * GB, store=0))
    assert (choice.heap, choice.pagecache) == ("1g", "512m")
    assert choice.heap_from == choice.pagecache_from == "auto"
    assert choice.reason.startswith("auto: machine 24.0 GB, store 0.00 GB")


def test_a_one_gigabyte_store_gets_a_page_cache_that_holds_it() -> None:
    # heap 1 GB + 1/4 GB = 1280 MB; page cache 1.2 GB + 512 MB = 1740.8 MB, rounded up to 256 MB steps: 1792 MB
    choice = choose_memory(Machine(total=24 * GB, available=20 * GB, store=1 * GB))
    assert (choice.heap, choice.pagecache) == ("1280m", "1792m")


def test_a_ten_gigabyte_store_on_24_gb_is_capped_at_40_percent_of_memory() -> None:
    # heap 1 + 2.5 = 3.5 GB; page cache wanted 12 + 0.5 = 12.5 GB, capped at 0.4 x 24 = 9.6 GB -> 9.5 GB (256 MB steps)
    choice = choose_memory(Machine(total=24 * GB, available=20 * GB, store=10 * GB))
    assert (choice.heap, choice.pagecache) == ("3584m", "9728m")
    assert "capped" in choice.reason


def test_the_heap_stops_at_a_quarter_of_a_small_machine() -> None:
    # 8 GB machine, 40 GB store: heap cap 2 GB, page cache cap 0.4 x 8 = 3.2 GB -> 3 GB
    choice = choose_memory(Machine(total=8 * GB, available=7 * GB, store=40 * GB))
    assert (choice.heap, choice.pagecache) == ("2g", "3g")


def test_a_busy_machine_gets_less_page_cache_and_says_why() -> None:
    # 3 GB free, heap 3.5 GB: no room beyond the minimum page cache
    choice = choose_memory(Machine(total=24 * GB, available=3 * GB, store=10 * GB))
    assert (choice.heap, choice.pagecache) == ("3584m", "512m")
    assert "3.0 GB free now" in choice.reason


def test_option_environment_and_an_earlier_explicit_start_override(monkeypatch: pytest.MonkeyPatch) -> None:
    m = Machine(total=24 * GB, available=20 * GB, store=10 * GB)
    monkeypatch.setenv("SWARMGRAPH_PAGECACHE", "2g")
    choice = choose_memory(m, heap="6g", previous_pagecache="4g")
    assert (choice.heap, choice.heap_from, choice.pagecache, choice.pagecache_from) == ("6g", "option", "2g",
                                                                                      "environment")  # fmt: skip
    assert choice.reason == "heap 6g from the option; page cache 2g from the environment"
    monkeypatch.delenv("SWARMGRAPH_PAGECACHE")
    kept = choose_memory(m, previous_heap="6g", previous_pagecache="4g")
    assert (kept.heap, kept.heap_from, kept.pagecache, kept.pagecache_from) == ("6g", "last start", "4g", "last start")
    back = choose_memory(m, heap="auto", previous_heap="6g")
    assert (back.heap, back.heap_from) == ("3584m", "auto")


def test_only_explicit_sizes_of_an_earlier_start_are_kept() -> None:
    assert explicit_sizes(RuntimeState(1, 2, heap="6g", pagecache="1g", heap_from="option", pagecache_from="auto")) == (
        "6g", None)  # fmt: skip
    # a state written before sizes were chosen (no sources): chosen again
    assert explicit_sizes(RuntimeState(1, 2, heap="1g", pagecache="512m")) == (None, None)


def test_bad_sizes_are_refused_with_the_setting_named() -> None:
    m = Machine(total=24 * GB, available=20 * GB, store=0)
    with pytest.raises(RuntimeSetupError, match="Bad heap size 'lots'"):
        choose_memory(m, heap="lots")
    with pytest.raises(RuntimeSetupError, match="Bad page cache size '1.5g'"):
        choose_memory(m, pagecache="1.5g")


def test_the_importer_heap_follows_the_machine() -> None:
    assert importer_heap(24 * GB) == "3g"  # an eighth
    assert importer_heap(4 * GB) == "1g"  # at least 1 GB
    assert importer_heap(256 * GB) == "8g"  # at most 8 GB


def test_sizes_and_outgrowing() -> None:
    assert size_text(3 * GB) == "3g" and size_text(1536 * MB) == "1536m"
    assert parse_size("512m") == 512 * MB and parse_size("2G") == 2 * GB
    assert outgrown(600 * MB, "512m") and not outgrown(500 * MB, "512m")
