#!/usr/bin/env bash
# Make sure the Debian packages ReviewDesk needs at run, test and build time
# are installed. As root: install what is missing (apt-get update only then).
# Otherwise: print what is missing and the command to install it.
#
# The list is the direct dependencies of the Qt libraries and plugins we use
# (QtCore/Gui/Widgets/Pdf/PdfWidgets/PrintSupport/Svg, the offscreen and xcb
# platform plugins and the xcb GL integrations), found with readelf/ldd on
# PySide6's Qt, plus a CJK font, poppler-utils, binutils (PyInstaller) and
# postgresql (its initdb/pg_ctl start a throwaway server for the tests).
set -euo pipefail

PACKAGES=(
  # fonts: Chinese must render, offscreen too (Qt finds fonts via fontconfig)
  fontconfig fonts-wqy-microhei
  # CJK Extension A/B characters (䶮, 𠮷) in enterprise names: the sheets embed HanaMin as a fallback
  fonts-hanazono
  # PDF to PNG for looking at reports; pdfsig checks the sheets' signatures in the tests
  poppler-utils
  # certutil: the tests trust the exported CA in a scratch NSS database for pdfsig
  libnss3-tools
  # PyInstaller reads binaries with objdump
  binutils
  # the tests run the schema and its migrations on a throwaway PostgreSQL >= 15 (tests/postgres_server.py)
  postgresql
  # Qt runtime
  libgl1 libegl1 libfontconfig1 libfreetype6 libglib2.0-0 libdbus-1-3
  libgssapi-krb5-2 libatomic1 libzstd1
  libxkbcommon0 libxkbcommon-x11-0 libx11-6 libx11-xcb1
  libxcb1 libxcb-cursor0 libxcb-glx0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
  libxcb-randr0 libxcb-render0 libxcb-render-util0 libxcb-shape0 libxcb-shm0
  libxcb-sync1 libxcb-util1 libxcb-xfixes0 libxcb-xkb1
)

if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "system-deps: not a Debian-like system; make sure Qt 6's runtime libraries," \
       "a CJK font and poppler are installed." >&2
  exit 0
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "installed" ]] || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
  echo "system-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=300 update -qq
  apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}"
  fc-cache -f >/dev/null 2>&1 || true
else
  echo "system-deps: missing Debian packages: ${missing[*]}" >&2
  echo "system-deps: install them with:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
fi
