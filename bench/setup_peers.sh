#!/usr/bin/env bash
# Install the peer tools the benchmarks compare polp with, in their own virtualenv
# (bench/.peers/venv, gitignored). They are never dependencies of polp.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.peers/venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --upgrade pip
"$venv/bin/pip" install --quiet parliament cloudsplaining policy_sentry
"$venv/bin/python" -c "import parliament, cloudsplaining, policy_sentry; print('peers ready:', '$venv')"
