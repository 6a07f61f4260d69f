#!/bin/sh
# Rebuilds NotoSansCJKsc-Regular-subset.otf, the poster font: Noto Sans CJK SC
# (SIL Open Font License 1.1, see OFL.txt) cut down to GB2312 + ASCII + a few
# symbols used on posters.
#
# Needs Debian's fonts-noto-cjk and python3-fonttools (pyftsubset):
#
#	apt-get install fonts-noto-cjk python3-fonttools
#	sh internal/fonts/make_subset.sh
#
# The result is committed; building fenxiao does not need these packages.
set -eu

dir=$(cd "$(dirname "$0")" && pwd)
# Debian's python3, where python3-fonttools is installed
PYTHON=${PYTHON:-/usr/bin/python3}
src=${NOTO_CJK_TTC:-/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc}
chars=$(mktemp)
trap 'rm -f "$chars"' EXIT

# every character GB2312 encodes (6,763 hanzi and its symbols), printable
# ASCII, and a few extra symbols (¥ ￥ • … · — “ ” ‘ ’)
"$PYTHON" - "$chars" <<'PY'
import sys
out = set(chr(c) for c in range(0x20, 0x7f))
for hi in range(0xa1, 0xf8):
    for lo in range(0xa1, 0xff):
        try:
            out.add(bytes([hi, lo]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
out.update("¥￥•…·—“”‘’")
with open(sys.argv[1], "w", encoding="utf-8") as f:
    f.write("".join(sorted(out)))
PY

# --font-number=2 is the Simplified Chinese face of the collection;
# --name-IDs='*' keeps the copyright and licence names
"$PYTHON" -m fontTools.subset "$src" \
	--font-number=2 \
	--text-file="$chars" \
	--layout-features='*' \
	--no-hinting \
	--name-IDs='*' \
	--output-file="$dir/NotoSansCJKsc-Regular-subset.otf"

ls -l "$dir/NotoSansCJKsc-Regular-subset.otf"
