"""swarmgraph: etl/readers."""
