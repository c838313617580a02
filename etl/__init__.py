"""swarmgraph: etl."""
