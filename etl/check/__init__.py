"""`swarmgraph check`: availability checks of Urls over HTTP, as reproducible observations.

The checker lives in etl/ because what it produces is input: each check is one row of the url-checks CSV
(docs/inputs.md) with `source: check`, appended to a file the user keeps, and written to the graph through the
same per-row code as loading that file (etl.readers.swarmgraph_inputs.url_check_item), so reloading the CSV into a
fresh graph gives the same UrlChecks. Modules:
  targets  the safety rule (what may be contacted) and the per-host probe (which request tells)
  fetch    HTTP within limits: per-host token buckets, retries with backoff, time-outs, byte caps, no redirects
  run      selection from the graph or a list, the concurrent run, per-host rules (etl.availability), the CSV,
           the graph write and the per-host summary
"""

from etl.check.run import CheckOptions, CheckSummary, run_check

__all__ = ["CheckOptions", "CheckSummary", "run_check"]
