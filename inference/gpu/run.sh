#!/bin/sh
# The GPU check on the device machine, from a checkout carrying .gpu/ (made by prepare.sh):
# unpacks node, then runs gpu-check.mjs within an overall budget (GPU_CHECK_BUDGET seconds,
# default 135; the script ends by budget + 20 s whatever happens) over the stages of
# GPU_CHECK_STAGES (comma-separated, default all: unit,logits,batching,sanitizer,
# sanitizer_unit,bench7b,synthetic). Results: $OUT/gpu-check.json and $OUT/gpu-check.log; a
# summary table last.
set -u
cd "$(dirname "$0")/../.." || exit 2
if [ ! -f .gpu/node.xz ] || [ ! -f .gpu/gpu-check.mjs ]; then
  echo "run.sh: .gpu/ is missing or incomplete: run inference/gpu/prepare.sh here first and carry .gpu"
  exit 2
fi
if command -v xz > /dev/null 2>&1; then
  xz -dc .gpu/node.xz > /tmp/node
else
  python3 -c "import lzma, shutil; shutil.copyfileobj(lzma.open('.gpu/node.xz'), open('/tmp/node', 'wb'))"
fi
chmod +x /tmp/node || exit 2
OUT=${OUT:-/tmp/gpu-check/out}
mkdir -p "$OUT"
ARBITER_ADDON_PATH="$PWD/.gpu/arbiter.node" exec /tmp/node .gpu/gpu-check.mjs --out "$OUT" --budget "${GPU_CHECK_BUDGET:-135}"
