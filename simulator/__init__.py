"""swarmgraph simulator: a synthetic swarmcast written in the exact formats the loaders read.

`simulate(out, seed=1, posts=None, scale="medium", days=14, inputs="real")` writes, under `out`:
  twitter/<YYYY-MM-DD>.jsonl    twarc2 full-archive search pages, one API v2 response page (~100 tweets) per line
  telegram/<handle>/result.json Telegram Desktop single-channel exports (public_channel), one per channel
  hosted/, archive.org/, wayback/, warc/   the hosting layer as archiving tools write it (simulator/evidence_files.py:
                                a yt-dlp info.json per copy, archive.org item metadata and search, Wayback CDX, WARC
                                of YouTube watch pages and of the aggregator pages); with inputs="csv" instead
                                videos.csv, url_checks.csv, snapshots.jsonl (swarmgraph's own inputs, docs/inputs.md)
  accounts.csv                  suspension times and known same-actor links (no export records them)
  ground_truth.json             what was planted, as graph uids (twitter:<id>, telegram:channel<id>, the works
                                video:release-<r>-<lang> and their copies' Videos video:<platform>:<id>) and
                                canonical URLs (etl.urls.canonical_url of the raw forms written)

The world (parameters in simulator/params.py; defaults follow docs/investigations.md):
* Releases: `releases` works published over `release_span_days`, each in 1-3 language versions (`languages`, the
  first the original, others VERSION_OF it). Each version has copies on Archive.org (3-6), YouTube (1-3), and maybe
  LiveLeak, VideoPress, Google Drive; views per copy are Pareto(1.3); one work's Archive.org copies total
  `headline_archive_views`. A copy is taken down after a per-host lognormal delay (`takedown`, from its first
  share); with `reupload_probability` it comes back on the same host hours later. Removals past the window are
  censored. Every copy is observed (CDX or WARC captures, or url_checks.csv) hourly for a day, then six-hourly,
  until two 'removed' checks.
* Aggregator pages: 2-3 per release on justpaste.it (HTML snapshots) and shortwiki.com (text), listing the
  release's mirrors; lists follow uploads and takedowns with an editing lag; captured every 12-36 h. The first
  page of a release is shared on both platforms with `bridge_page_probability` (a bridge page); the second only on
  Telegram, the third only on Twitter.
* Telegram: `origin_channels` announce each version first (links to pages and copies, #newrelease); relay channels
  forward within minutes (from the origin or from a relay that already forwarded it) and chat with links; an origin
  posts every re-upload as a reply to the version's announcement.
* Twitter: `influencer_clusters` hubs, each with members who reference that hub only (retweet, reply, quote,
  @mention); one dispersed cluster whose accounts retweet, reply to, quote and mention each other; `flooders`
  posting event hashtags with no links; `coordinated_groups` of 3-6 accounts posting the same link within
  0.8 x `coordination_window_seconds`, `coordinated_bursts` times per group. Bridges (`bridge_accounts`) are
  dispersed-cluster accounts holding a relay channel's handle that tweet t.me/<handle>/<id> links to that channel's
  posts and the bridge pages. Event hashtags rise to a peak 8-36 h after their start, halve every 6-18 h and end
  under 5 % of the peak; flooders' volume follows the same curve (`flood_share` vs `event_tag_share`).
* Suspensions: `suspension_share` of the dispersed cluster (likelier for active accounts) and `hub_suspensions`
  hubs (their members fall silent). A suspended account posts nothing after its suspension; later tweets that
  mention it or reply to its last tweet carry v2 `errors` ("User has been suspended"). With
  `successor_probability` it returns as <handle>2 (then 3 ...) under a new id, same display name, first re-sharing
  its predecessor's last links; `known_successor_share` of these links are written to accounts.csv.
All text is neutral placeholder text ("Release 12 (fr), part 1: announcement", "Comment 5 on release 3").
"""

from simulator.core import SimulationSummary, build_world, simulate
from simulator.params import SCALES, Parameters, SimulationError, parameters_for

__all__ = ["SCALES", "Parameters", "SimulationError", "SimulationSummary", "build_world", "parameters_for", "simulate"]
