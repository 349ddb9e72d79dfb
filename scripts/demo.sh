#!/usr/bin/env bash
# The main job, offline: sets iuprobe up (packages and the release build), then runs
# `iuprobe demo`: an in-process Rekognition Custom Labels emulator, sample images, a probe that
# starts the model, finds its maximum sustainable TPS and stops it again, an example plan,
# report.html and result.json in ./iuprobe-results/demo/, and how the answer compares with the
# emulator's configured capacity. Extra arguments go to `iuprobe demo`.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
exec build/release/src/app/iuprobe demo --out iuprobe-results/demo "$@"
