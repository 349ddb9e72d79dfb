#!/usr/bin/env bash
# The main job, offline: sets iuprobe up, writes sample images, starts `iuprobe emulate` (a local
# Rekognition Custom Labels endpoint whose model serves 100 requests/s per IU and is STOPPED),
# then has `iuprobe run` start the model with 1 IU, load it in steps across its capacity with
# signed DetectCustomLabels calls, and stop it again. Results land in ./iuprobe-results/demo-run/.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
iuprobe=build/release/src/app/iuprobe

work=$(mktemp -d /tmp/iuprobe-demo-XXXXXX)
"$iuprobe" emulate --write-samples "$work/images" >/dev/null
"$iuprobe" emulate --listen 127.0.0.1:0 --status STOPPED --start-time 3s --stop-time 1s \
  --slots 5 --service-time 50ms > "$work/emulator.log" &
emulator_pid=$!
trap 'kill $emulator_pid 2>/dev/null; wait $emulator_pid 2>/dev/null; cat "$work/emulator.log" | sed -n "/stopped;/,\$p"; rm -rf "$work"' EXIT
for _ in $(seq 50); do grep -q "metrics" "$work/emulator.log" 2>/dev/null && break; sleep 0.1; done
address=$(sed -n 's/.* at http:\/\/\([^ ]*\) .*/\1/p' "$work/emulator.log" | head -1)
arn=$(grep -o 'arn:aws:rekognition:[^ ]*/version/[^ ]*' "$work/emulator.log" | head -1)

echo
sed -n '1,7p' "$work/emulator.log"
echo
echo "iuprobe starts the model with 1 IU (5 slots x 50 ms = 100 requests/s), sends 60 to 140"
echo "requests/s in steps with the sample images, then stops the model. Watch 'throttled/s'"
echo "appear above 100."
echo
export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
"$iuprobe" run --project-version-arn "$arn" --endpoint-url "http://$address" --region us-east-1 \
  --images "$work/images" --start-model --iu 1 --stop-model --poll-interval 500ms \
  --steps 60,80,100,120,140 --step-duration 4s --out iuprobe-results/demo-run "$@"
