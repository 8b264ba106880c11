#!/usr/bin/env bash
# Installs what the interop cross-checks and the benchmark compare against: libGammu (C library,
# its Python binding and headers) and python-gsmmodem-new, in a venv of its own.
#
# Idempotent and quick when everything is present: apt is asked only for what is missing, and
# the venv is made and filled only if it is missing or holds another version.
#
#   SMSGW_PYENV   where the venv lives (default: ~/.cache/smsgw/pyenv)
#
# The venv is built from Debian's /usr/bin/python3 with --system-site-packages because the
# libGammu binding (python3-gammu) is a Debian package compiled for that interpreter; any other
# python on PATH cannot import it.
set -euo pipefail

PYENV="${SMSGW_PYENV:-$HOME/.cache/smsgw/pyenv}"
GSMMODEM_VERSION="0.13.0"
PYSERIAL_VERSION="3.5"  # python-gsmmodem-new's only dependency, pinned too
APT_PACKAGES=(python3-gammu libgammu-dev gammu pkg-config python3-venv gcc libc6-dev)

missing=()
for p in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
if ((${#missing[@]})); then
    echo "interop-setup: installing ${missing[*]}" >&2
    SUDO=""
    if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

venv_ok() {
    [ -x "$PYENV/bin/python" ] &&
        "$PYENV/bin/python" - "$GSMMODEM_VERSION" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
import gammu  # noqa: F401  (from Debian's site-packages)
import gsmmodem.pdu  # noqa: F401
sys.exit(0 if version("python-gsmmodem-new") == sys.argv[1] else 1)
PY
}

if ! venv_ok; then
    echo "interop-setup: making venv $PYENV" >&2
    mkdir -p "$(dirname "$PYENV")"
    /usr/bin/python3 -m venv --system-site-packages "$PYENV"
    "$PYENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        "python-gsmmodem-new==$GSMMODEM_VERSION" "pyserial==$PYSERIAL_VERSION"
    venv_ok || { echo "interop-setup: venv at $PYENV is not usable" >&2; exit 1; }
fi

echo "interop-setup: ok ($PYENV/bin/python; gammu $(pkg-config --modversion gammu), python-gsmmodem-new $GSMMODEM_VERSION)" >&2
