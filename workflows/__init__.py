"""What a command does, end to end, as library calls: the demo pipeline, a subgraph selected from what a user typed,
exported or drawn to a file. These compose the other packages (simulator, etl, graphdb, cypher, viz); the CLI only
parses options, calls one of them and renders the result, and nothing but the CLI imports this package.
"""
