#!/usr/bin/env bash
# ccsim report's pages as a person sees them: headless Chromium (Debian) opens the sweep report of
# sim/examples/schemes-fmnist.csv and the report of a run of the bundled network, offline. The
# script on each page must draw every chart (<body data-charts=N> after it ran), and the
# screenshots must show them: enough non-white pixels, the bars' colour, and for the run the
# heatmap's darkest blue. Screenshots stay in OUT (default: a temporary directory).
# Usage: render_report.sh CCSIM SOURCE_DIR [OUT]. Without Chromium it is skipped (exit 77),
# except under CI (CI set), where that is a failure.
set -euo pipefail
ccsim=$(realpath "$1")
src=$(realpath "$2")
source "$src/tests/ci_skip.sh"
command -v chromium >/dev/null || skip "chromium not installed (scripts/install-deps.sh)"
tmp=$(mktemp -d /tmp/ccsim-report.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
out=${3:-$tmp}
mkdir -p "$out"
fail() { echo "render_report: FAIL: $*" >&2; exit 1; }

"$ccsim" report "$src/sim/examples/schemes-fmnist.csv" -o "$out/sweep.html" >/dev/null
"$ccsim" run "$src/models/examples/fmnist-shift.ccpack" --mode fast --dataset /usr/share/datasets/fashion-mnist \
  --count 1 --report "$tmp/run.json" >/dev/null
"$ccsim" report "$tmp/run.json" -o "$out/run.html" >/dev/null

# No network: a page that fetched anything would fail to draw here.
browser=(chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars
         --user-data-dir="$tmp/profile" --virtual-time-budget=10000)
check_page() {  # NAME CHARTS HEIGHT COLOUR...
  local name=$1 charts=$2 height=$3
  shift 3
  timeout 120 "${browser[@]}" --dump-dom "file://$out/$name.html" > "$tmp/$name.dom" 2> "$tmp/$name.err" ||
    fail "$name.html: chromium: $(tail -n 5 "$tmp/$name.err")"
  grep -q "<body data-charts=\"$charts\"" "$tmp/$name.dom" ||
    fail "$name.html: the page's script did not draw $charts charts: $(grep -o '<body[^>]*>' "$tmp/$name.dom")"
  timeout 120 "${browser[@]}" --window-size=1400,"$height" --screenshot="$out/$name.png" "file://$out/$name.html" \
    2> "$tmp/$name.err" >/dev/null || fail "$name.html: chromium screenshot: $(tail -n 5 "$tmp/$name.err")"
  /usr/bin/python3 - "$out/$name.png" "$@" <<'PY' || fail "$name.png does not show the charts"
import sys
from PIL import Image
img = Image.open(sys.argv[1]).convert("RGB")
pixels = list(img.getdata())
ink = sum(1 for p in pixels if p != (255, 255, 255)) / len(pixels)
print(f"render_report: {sys.argv[1]}: {img.size[0]}x{img.size[1]}, {100 * ink:.1f} % non-white", end="")
ok = ink > 0.05
for hex_colour in sys.argv[2:]:
    want = tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    n = sum(1 for p in pixels if all(abs(a - b) <= 3 for a, b in zip(p, want)))
    print(f", {n} px of {hex_colour}", end="")
    ok = ok and n > 500
print()
sys.exit(0 if ok else 1)
PY
}
# Sweep: five charts; the bars' first colour. Run: three charts; the bars' colour and the
# heatmap's fully busy cells.
check_page sweep 5 1500 "#4e79a7"
check_page run 3 2600 "#4e79a7" "#08306b"
echo "render_report: PASS"
