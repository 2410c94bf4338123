#!/usr/bin/env bash
# Builds, on this (GPU-less) machine, everything the GPU check needs into .gpu/ at the repository
# root (gitignored), so that the device run only unpacks and runs (inference/gpu/README.md):
#   arbiter.node   the addon with the CUDA objects (built in a scratch copy of inference/, so the
#                  shared inference/build is untouched)
#   gpu-check      the CUDA test and benchmark program: kernels and backend vs scalar references
#                  (engine/cuda/tests/) and the CUDA benchmark (bench/cuda_bench.cu)
#   infer.mjs      the CLI bundled with esbuild; check-lib.mjs the engine API, make-model and
#                  the float64 reference bundled; gpu-check.mjs the check script
#   node.xz        this machine's node, compressed (the device machine has no node)
#   manifest.json  what was built from which commit
# ARBITER_CUDA_ARCHS (default 90: the H100/H200 lent here) and ARBITER_BUILD_JOBS (default 2).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
archs=${ARBITER_CUDA_ARCHS:-90}
jobs=${ARBITER_BUILD_JOBS:-2}
scratch=$(mktemp -d /tmp/arbiter-gpu-prepare.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
stage=$scratch/stage  # assembled outside the tree, which travels to the device machine
mkdir -p "$stage"
started=$(date +%s)
say() { echo "[prepare] $*"; }

say "addon with CUDA (sm_${archs//,/, sm_}) in $scratch"
cp -r inference/binding.gyp inference/engine inference/addon inference/scripts "$scratch/"
mkdir -p "$scratch/bench" && cp inference/bench/kernel_bench.cpp "$scratch/bench/"
rm -rf "$scratch/build"
(cd "$scratch" && NODE_PATH="$root/node_modules" ARBITER_CUDA=on ARBITER_CUDA_ARCHS="$archs" ARBITER_BUILD_JOBS="$jobs" \
  nice node scripts/build-addon.mjs --force > "$scratch/addon-build.log" 2>&1) || {
  tail -40 "$scratch/addon-build.log"
  say "addon build failed"
  exit 1
}
cp "$scratch/build/Release/arbiter.node" "$stage/arbiter.node"
strip --strip-unneeded "$stage/arbiter.node"

say "gpu-check program"
gencode=()
for a in ${archs//,/ }; do gencode+=(-gencode "arch=compute_${a},code=sm_${a}"); done
objs=$scratch/gpu-check-objs
mkdir -p "$objs"
sources=(inference/engine/cuda/*.cu inference/engine/cuda/tests/*.cu inference/engine/cuda/tests/reference.cpp
         inference/bench/cuda_bench.cu
         inference/engine/status.cpp inference/engine/step.cpp inference/engine/ggml_types.cpp inference/engine/quants_ref.cpp)
printf '%s\n' "${sources[@]}" | grep -v -e cuda_stub -e host_checks_main | xargs -P "$jobs" -I{} sh -c \
  'nice nvcc -std=c++17 -O3 '"${gencode[*]}"' -c "$1" -o "$2/$(basename "$1").o" || exit 255' _ {} "$objs"
nvcc "${gencode[@]}" "$objs"/*.o -o "$stage/gpu-check"
strip --strip-unneeded "$stage/gpu-check"
"$stage/gpu-check" host > "$scratch/host.log" || {
  cat "$scratch/host.log"
  say "the host checks of the block decoders failed"
  exit 1
}

say "bundles"
esbuild=(nice npx --no-install esbuild --bundle --platform=node --format=esm --target=node20 --log-level=warning)
"${esbuild[@]}" inference/src/cli.ts --outfile="$stage/infer.mjs"
"${esbuild[@]}" inference/gpu/check-lib.ts --outfile="$stage/check-lib.mjs"
cp inference/gpu/gpu-check.mjs "$stage/gpu-check.mjs"
node "$stage/infer.mjs" make-model --out "$scratch/smoke.gguf" --dim 64 --layers 1 --heads 4 --kv-heads 2 --ffn 96 --type q4_0 > /dev/null 2>&1 || {
  say "the bundled CLI does not run"
  exit 1
}

say "node"
xz -T"$jobs" -c "$(readlink -f "$(command -v node)")" > "$stage/node.xz"

cat > "$stage/manifest.json" <<EOF
{"commit": "$(git rev-parse HEAD 2>/dev/null || echo unknown)", "dirty": $([ -n "$(git status --porcelain -- inference 2>/dev/null)" ] && echo true || echo false),
 "built": "$(date -u +%Y-%m-%dT%H:%M:%SZ)", "archs": "$archs", "node": "$(node --version)", "nvcc": "$(nvcc --version | tail -1)"}
EOF

rm -rf "$root/.gpu"
mv "$stage" "$root/.gpu"
du -sh "$root/.gpu"/* | sed 's/^/[prepare]   /'
say "ready in $(( $(date +%s) - started )) s: .gpu/ ($(du -sh "$root/.gpu" | cut -f1)); carry [\".gpu\"] and run: sh inference/gpu/run.sh"
