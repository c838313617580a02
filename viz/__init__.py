"""swarmgraph: viz."""
