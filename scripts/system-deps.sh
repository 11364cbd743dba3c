#!/usr/bin/env bash
# Debian packages the test suite drives as real clients:
#   chromium + chromium-driver  -> a real browser opens the generated maps
#   python3-qgis + qgis-providers -> real QGIS opens the exports
# Installs what is missing with apt-get (as root, or through sudo).
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium chromium-driver)
/usr/bin/python3 -c "import qgis.core" >/dev/null 2>&1 || need+=(python3-qgis qgis-providers)
[ ${#need[@]} -eq 0 ] && exit 0
echo "Installing Debian packages for the real-client tests: ${need[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "Please install as root: apt-get install ${need[*]}" >&2; exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null
$SUDO apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
