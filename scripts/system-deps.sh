#!/usr/bin/env bash
# Install the Debian packages a target needs when they are missing (as root; otherwise say what to install).
#   scripts/system-deps.sh venv|node|run|test
#     venv: what `python3 -m venv` and the pip install need (ensurepip, ICU headers, a C++ compiler);
#     node: npm (and Node.js), which installs the map's browser libraries (package-lock.json);
#     run: + gettext, Pango and DejaVu fonts (PDF dossiers), poppler-utils (joining a report's PDF parts); test: + PostgreSQL server, Chromium, fonts
set -euo pipefail
target=${1:-run}
need=()
if [ "$target" = node ]; then
  # Debian's npm package brings nodejs with it.
  command -v npm >/dev/null || need+=(npm)
  command -v node >/dev/null || need+=(nodejs)
else
# Debian splits ensurepip (needed by `python3 -m venv`) into python3-venv.
"${PYTHON:-python3}" -c 'import ensurepip, venv' 2>/dev/null || need+=(python3-venv)
# pyicu (pulled in by normality, which followthemoney and rigour need) compiles against the system ICU when
# requirements.txt is installed, so this belongs to the venv step.
{ command -v pkg-config >/dev/null && pkg-config --exists icu-uc; } || need+=(libicu-dev pkg-config)
command -v g++ >/dev/null || need+=(g++)
if [ "$target" != venv ]; then
  command -v msgfmt >/dev/null || need+=(gettext)
  # WeasyPrint (PDF dossiers) lays text out with Pango and needs a font with Cyrillic.
  # (Captured first: `ldconfig | grep -q` can die of SIGPIPE, which pipefail reads as "missing".)
  libs=$({ PATH="$PATH:/sbin:/usr/sbin" ldconfig -p; } 2>/dev/null || true)
  [[ $libs == *libpango-1.0.so.0* ]] || need+=(libpango-1.0-0)
  [[ $libs == *libpangoft2-1.0.so.0* ]] || need+=(libpangoft2-1.0-0)
  [ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
  # python-magic sniffs evidence types with libmagic.
  [[ $libs == *libmagic.so.1* ]] || need+=(libmagic1)
  # The periodic report's PDF is rendered in parts and joined by pdfunite (pypdf held every page: 940 MiB).
  command -v pdfunite >/dev/null || need+=(poppler-utils)
fi
fi
if [ "$target" = test ]; then
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
  [ -x /usr/bin/chromium ] || need+=(chromium)
  # Pages are in Ukrainian and Russian: screenshots and layout need a font with Cyrillic.
  [ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
  # Evidence metadata: audio/video duration and codecs come from ffprobe; the tests make media with ffmpeg.
  command -v ffprobe >/dev/null || need+=(ffmpeg)
  # The periodic report's PDF is looked at page by page as PNG (pdftoppm) and as text (pdftotext).
  command -v pdftoppm >/dev/null || need+=(poppler-utils)
fi
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "Missing Debian packages: ${need[*]} (install them as root: apt-get install ${need[*]})" >&2
  exit 1
fi
echo "Installing Debian packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
