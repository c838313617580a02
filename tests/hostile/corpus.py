"""The hostile-file corpus, made at test time from the real fixtures in tests/fixtures (nothing large is stored).

Clean bases, each with the number of good records it holds:
* a Telegram Desktop export (langchain-community's messages repeated with new ids, Telegram's own indented
  layout), large enough that its messages run past the 64 KB detection reads;
* a twarc2 JSONL file (pages of 100 tweets made from the twarc-csv fixtures' tweets);
* a v1.1 JSON array on one line (python-twitter's search response statuses, 126 tweets with new ids);
* a research CSV (isis-fanboy's rows repeated).
Mutations then put one damage at a chosen byte: a NUL, a flipped byte, a 500-digit number, `1e400`, a value nested
100,000 levels deep, a 50 MB line, a cut. `python -m hostile.corpus OUT` (from tests/) writes the corpus to OUT.
"""

from __future__ import annotations

import copy
import json
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parents[1] / "fixtures"
DEEP = 100_000


@dataclass
class Base:
    name: str
    data: bytes
    records: int  # good records in it (posts or tweets)
    marks: list[int]  # byte offsets of a text value in each record, in order (where damage is put)


def telegram(messages: int = 600) -> Base:
    export = json.loads((FIXTURES / "langchain-community" / "result.json").read_text())
    template = [m for m in export["messages"] if m.get("type") == "message"]
    export["messages"] = [
        {**copy.deepcopy(template[n % len(template)]), "id": n + 1, "text": f"post {n + 1:05d}"}
        for n in range(messages)
    ]
    data = json.dumps(export, indent=1, ensure_ascii=False).encode()
    return Base("result.json", data, messages, _marks(data, [f'"post {n + 1:05d}"' for n in range(messages)]))


def twarc2(pages: int = 3) -> Base:
    tweets = [json.loads(line) for line in (FIXTURES / "twarc-csv" / "two_tweets.jsonl").read_text().splitlines()
              if line.strip()]  # fmt: skip
    page = tweets[0]
    template = page["data"][0]
    lines = []
    for p in range(pages):
        data = [{**copy.deepcopy(template), "id": str(10**15 + p * 100 + i), "text": f"tweet {p * 100 + i:05d}"}
                for i in range(100)]  # fmt: skip
        lines.append(json.dumps({**page, "data": data}, ensure_ascii=False))
    raw = ("\n".join(lines) + "\n").encode()
    return Base("tweets.jsonl", raw, 100 * pages, _marks(raw, [f'"tweet {n:05d}"' for n in range(100 * pages)]))


def v1_array(count: int = 126) -> Base:
    statuses = json.loads((FIXTURES / "python-twitter" / "get_search_geocode.json").read_text())["statuses"]
    tweets = []
    for n in range(count):
        tweet = copy.deepcopy(statuses[n % len(statuses)])
        tweet.pop("retweeted_status", None)
        tweet.pop("quoted_status", None)
        tweet["id"], tweet["id_str"] = 7 * 10**17 + n, str(7 * 10**17 + n)
        tweet["text"] = tweet["full_text"] = f"status {n:05d}"
        tweets.append(tweet)
    raw = json.dumps(tweets, ensure_ascii=False).encode()
    return Base("timeline.json", raw, count, _marks(raw, [f'"status {n:05d}"' for n in range(count)]))


def fanboy_csv(copies: int = 40) -> Base:
    """The fixture's rows (two good, one good over two lines, two bad: a bad date, a stray line) with new usernames,
    ending on a good row; `records` counts the good rows, `marks` point into the one-line good ones."""
    header, *rows = (FIXTURES / "isis-fanboy" / "AboutIsis_sample.csv").read_bytes().splitlines(keepends=True)
    good = rows[0]
    unique = [r.replace(b",", f",x{n}".encode(), 1) for n in range(copies) for r in rows]
    unique.append(good.replace(b",", b",last", 1).rstrip(b"\r\n") + b"\n")
    raw = header + b"".join(unique)
    marks, at = [], len(header)
    for row in unique:
        if row.startswith(b"Example Watcher,"):
            marks.append(at + 1)
        at += len(row)
    return Base("fanboy.csv", raw, 3 * copies + 1, marks)


def _marks(data: bytes, needles: list[str]) -> list[int]:
    marks, at = [], 0
    for needle in needles:
        at = data.index(needle.encode(), at)
        marks.append(at + 1)  # inside the string, after its quote
    return marks


# ------------------------------------------------------------------------------------------------ mutations


def put(data: bytes, at: int, new: bytes, drop: int = 0) -> bytes:
    return data[:at] + new + data[at + drop :]


def nul(base: Base, record: int) -> bytes:
    return put(base.data, base.marks[record], b"\x00")


def bad_utf8(base: Base, record: int) -> bytes:
    return put(base.data, base.marks[record], b"\xff")


def number_in(base: Base, record: int, number: bytes) -> bytes:
    """A number in place of the record's text value (`"text": 1e400`): kept, the value left out."""
    at = base.marks[record] - 1
    end = base.data.index(b'"', at + 1) + 1
    return put(base.data, at, number, end - at)


def deep_in(base: Base, record: int, depth: int = DEEP) -> bytes:
    at = base.marks[record] - 1
    end = base.data.index(b'"', at + 1) + 1
    return put(base.data, at, b"[" * depth + b"]" * depth, end - at)


def cut(base: Base, at: int) -> bytes:
    return base.data[:at]


def column_twice(base: Base, column: str) -> bytes:
    """A CSV whose header names `column` a second time, at its end (each row one cell short of it)."""
    header, rest = base.data.split(b"\n", 1)
    return header.rstrip(b"\r") + f",{column}".encode() + b"\r\n" + rest


def crlf(base: Base) -> bytes:
    return base.data.replace(b"\n", b"\r\n")


def random_offsets(base: Base, count: int, seed: int) -> list[int]:
    """Offsets inside the records' region (after the first record starts), reproducible."""
    rng = random.Random(seed)
    return sorted(rng.randrange(base.marks[0], len(base.data) - 2) for _ in range(count))


def deep_document(depth: int = DEEP) -> bytes:
    return b"[" * depth + b"]" * depth


def write_corpus(out: Path) -> list[Path]:
    """Every case as a file under `out` (for inspection or other tools)."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for base in (telegram(), twarc2(), v1_array(), fanboy_csv()):
        middle = len(base.marks) // 2
        cases: dict[str, Any] = {"nul-head": nul(base, 1), "nul-tail": nul(base, len(base.marks) - 2),
                                 "ff-head": bad_utf8(base, 1), "ff-tail": bad_utf8(base, len(base.marks) - 2),
                                 "crlf": crlf(base), "cut": cut(base, base.marks[middle])}  # fmt: skip
        if base.name.endswith(".csv"):
            cases["column-twice"] = column_twice(base, "username")
        if not base.name.endswith(".csv"):
            cases |= {"big-int": number_in(base, middle, b"9" * 500), "inf": number_in(base, middle, b"1e400"),
                      "deep": deep_in(base, middle)}  # fmt: skip
        for case, data in cases.items():
            path = out / f"{case}-{base.name}"
            path.write_bytes(data)
            written.append(path)
    (out / "deep.json").write_bytes(deep_document())
    written.append(out / "deep.json")
    return written


if __name__ == "__main__":
    for path in write_corpus(Path(sys.argv[1])):
        print(path)
