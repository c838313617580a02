"""swarmgraph: simulator."""
