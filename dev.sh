#!/usr/bin/env bash
# CellVigil's two commands. Each sets up everything it needs first (virtualenv, packages,
# and for the tests Debian's chromium), so a fresh machine needs nothing installed by hand.
#   ./dev.sh run  [cellvigil run options]   crawl live sources (or the snapshot offline), build, serve
#   ./dev.sh test [pytest options]          the whole test suite (what CI runs)
set -euo pipefail
cd "$(dirname "$0")"
VENV="${CELLVIGIL_VENV:-.venv}"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

setup_python() {
  if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "CellVigil needs Python 3.11 or newer as python3" >&2; exit 1
  fi
  if [ ! -x "$VENV/bin/python" ]; then
    if ! python3 -m venv "$VENV" 2>/dev/null; then
      rm -rf "$VENV"
      as_root apt-get update -qq && as_root apt-get install -y -qq python3-venv
      python3 -m venv "$VENV"
    fi
  fi
  local want; want="$(sha256sum pyproject.toml | cut -c1-64)"
  if [ "$(cat "$VENV/.setup-stamp" 2>/dev/null)" != "$want" ]; then
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e ".[test]"
    echo "$want" > "$VENV/.setup-stamp"
  fi
}

setup_chromium() {
  if [ ! -x /usr/bin/chromium ]; then
    echo "installing Debian's chromium for the browser tests"
    as_root apt-get update -qq && as_root apt-get install -y -qq chromium
  fi
}

cmd="${1:-}"; shift || true
case "$cmd" in
  run)
    setup_python
    exec "$VENV/bin/cellvigil" run "$@" ;;
  test)
    setup_python
    setup_chromium
    exec "$VENV/bin/python" -m pytest "$@" ;;
  *)
    echo "usage: ./dev.sh run [options] | ./dev.sh test [pytest options]" >&2; exit 2 ;;
esac
