"""swarmgraph: graphdb."""
