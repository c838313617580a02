"""`swarmgraph db ...`: the local Neo4j runtime's lifecycle."""

from __future__ import annotations

import json
import shlex
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import OutputFormat, handled, out, say

if TYPE_CHECKING:
    from graphdb.runtime import LocalRuntime

app = typer.Typer(help="Start, stop and inspect the local Neo4j server (under SWARMGRAPH_HOME).", no_args_is_help=True)


def _runtime() -> LocalRuntime:
    from graphdb.runtime import LocalRuntime

    return LocalRuntime()


@app.command()
def start(
    bolt_port: Annotated[
        int | None, typer.Option(help="Bolt port (0: any free one). Default 7687, else a free one.")
    ] = None,
    http_port: Annotated[
        int | None, typer.Option(help="HTTP/Browser port (0: any free one). Default 7474, else free.")
    ] = None,
    heap: Annotated[str | None, typer.Option(help="JVM heap, e.g. 4g, or auto (env SWARMGRAPH_HEAP). Default: "
                                             "chosen from the machine's memory and the store size.")] = None,
    pagecache: Annotated[str | None, typer.Option(help="Page cache, e.g. 8g, or auto (env SWARMGRAPH_PAGECACHE). "
                                                  "Default: chosen like the heap.")] = None,
) -> None:
    """Start the local Neo4j (fetching its jars on first use) and wait until it answers."""
    from graphdb.runtime import USERNAME

    rt = _runtime()
    with handled():
        started = rt.start(bolt_port=bolt_port, http_port=http_port, heap=heap, pagecache=pagecache, say=say)
    if not started:
        say(f"Neo4j is already running in {rt.home} (pid {rt.running_pid()}).")
    else:
        state = rt.load_state()
        say(f"Neo4j started in {rt.home}.")
        if state is not None:
            say(f"Memory:  heap {state.heap}, page cache {state.pagecache} ({state.memory_reason})")
    out.print(
        f"Bolt:    {rt.bolt_uri()}\nBrowser: {rt.browser_url()}"
        f"  (user {USERNAME}; `swarmgraph db env` for the password)"
    )


@app.command()
def stop(timeout: Annotated[float, typer.Option(help="Seconds to wait before SIGKILL.")] = 60.0) -> None:
    """Stop the local Neo4j gracefully."""
    rt = _runtime()
    with handled():
        stopped = rt.stop(timeout)
    say("Neo4j stopped." if stopped else f"Neo4j is not running in {rt.home}.")


@app.command()
def status(
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f", help="table or json")] = OutputFormat.table,
) -> None:
    """Is it running, where, which versions, how much data. Exit code 0 either way."""
    with handled():
        st = _runtime().status()
    if fmt is OutputFormat.json:
        out.print_json(json.dumps(st.as_dict()))
        return
    v = st.versions
    pinned = {"server": "", "pinned": " (pinned; the server did not report its own)" if st.running else " (pinned)"}
    out.print(
        f"running:  {f'yes (pid {st.pid})' if st.running else 'no'}\n"
        f"bolt:     {st.bolt_uri or '-'}\nbrowser:  {st.browser_url or '-'}\n"
        f"neo4j:    {v.get('neo4j')} {v.get('edition', '')}{pinned[st.versions_from]}\napoc:     {v.get('apoc')}\n"
        f"gds:      {v.get('gds')}\n"
        f"home:     {st.home}\ndata:     {st.data_dir} ({st.data_size_bytes / 1e6:.1f} MB, store files "
        f"{st.store_size_bytes / 1e6:.1f} MB)\n" + _memory_lines(st.memory, st.memory_note)
        + (f"\nimport:   {st.unfinished_import}" if st.unfinished_import else ""),
        markup=False,
    )


def _memory_lines(memory: dict[str, str] | None, note: str | None) -> str:
    if memory is None:
        return "memory:   - (not started yet: chosen at the first start)"
    text = (f"memory:   heap {memory['heap']} ({memory['heap_from']}), page cache {memory['pagecache']} "
            f"({memory['pagecache_from']}), as chosen by the last start\nwhy:      {memory['reason']}")  # fmt: skip
    return text + (f"\nnote:     {note}" if note else "")


@app.command()
def logs(n: Annotated[int, typer.Option("-n", help="How many lines (0: all).")] = 50) -> None:
    """The last lines of the server's log."""
    for line in _runtime().log_lines(n):
        out.print(line, markup=False, highlight=False)


@app.command()
def env() -> None:
    """Print `export NEO4J_...` lines for cypher-shell, scripts and notebooks (eval "$(swarmgraph db env)")."""
    from graphdb.runtime import USERNAME

    rt = _runtime()
    with handled():
        password = rt.password()
        uri = rt.bolt_uri()
    print(f"export NEO4J_URI={shlex.quote(uri or '')}")
    print(f"export NEO4J_USERNAME={USERNAME}")
    print(f"export NEO4J_PASSWORD={shlex.quote(password)}")
