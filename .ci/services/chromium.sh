#!/usr/bin/env bash
# Debian's Chromium for the dashboard's browser tests (driven by Playwright with
# executable_path=/usr/bin/chromium; never `playwright install`, which downloads its own build).
#   .ci/services/chromium.sh start   install chromium if missing (root)
#   .ci/services/chromium.sh stop    nothing to stop: each test starts and ends its own browser
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

start() {
  [ -x /usr/bin/chromium ] || apt_install chromium
  echo "chromium ready: $(/usr/bin/chromium --version 2>/dev/null | head -1)"
}

stop() { :; }

service_main "$@"
