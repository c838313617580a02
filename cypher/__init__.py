"""swarmgraph: cypher."""
