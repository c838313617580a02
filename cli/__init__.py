"""swarmgraph: cli."""
