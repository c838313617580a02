"""`swarmgraph simulate`: write a synthetic swarmcast (exports, own inputs, ground truth) to a directory."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cli.common import err, handled, say


class Inputs(StrEnum):
    real = "real"
    csv = "csv"


class Scale(StrEnum):
    small = "small"
    medium = "medium"
    large = "large"


def simulate_command(
    out: Annotated[Path, typer.Option("--out", help="Directory to write (its earlier export files are replaced).")],
    seed: Annotated[int, typer.Option(help="Random seed: the same seed writes byte-identical files.")] = 1,
    scale: Annotated[Scale, typer.Option(help="About 5k, 50k or 500k posts.")] = Scale.medium,
    posts: Annotated[int | None, typer.Option(help="Posts to write (overrides --scale).", min=100)] = None,
    days: Annotated[int, typer.Option(help="Days the simulated collection covers.", min=1)] = 14,
    inputs: Annotated[Inputs, typer.Option(help="The hosting layer as archiving tools' files (yt-dlp info.json, "
                                           "archive.org metadata, Wayback CDX, WARC) or as swarmgraph's own CSV/JSONL "
                                           "inputs.")] = Inputs.real,  # fmt: skip
) -> None:
    """Simulate a swarmcast: twarc2 pages, Telegram exports, the hosting layer, accounts, ground truth."""
    from simulator import simulate

    with handled():
        summary = simulate(out, seed=seed, posts=posts, scale=scale.value, days=days, progress=_progress(),
                           inputs=inputs.value)  # fmt: skip
    if err.is_terminal:
        err.print()
    say(
        f"Wrote {summary.tweets:,} tweets ({summary.twitter_pages:,} pages), {summary.telegram_messages:,} Telegram "
        f"messages in {summary.channels} channels, {summary.videos} videos with {summary.copies} copies, "
        f"{summary.pages} aggregator pages to {out} (ground truth: {out / 'ground_truth.json'})."
    )


def _progress() -> Callable[[int, int], None] | None:
    """A posts-written line on a terminal; silent when stderr is not a TTY."""
    if not err.is_terminal:
        return None

    def show(done: int, total: int) -> None:
        err.print(f"\rsimulate: {done:,} / {total:,} posts   ", end="", markup=False)

    return show
