#!/usr/bin/env bash
# The man page, iuprobe.1.gz, from the binary's own --help (help2man), with every command's
# --help as a section of its own, so the page and the binary cannot disagree.
#   packaging/manpage.sh BINARY OUTPUT.1.gz
set -euo pipefail
binary=$1 output=$2
include=$(mktemp)
trap 'rm -f "$include"' EXIT
{
  echo "[DESCRIPTION]"
  echo "iuprobe finds how many requests per second one inference unit of an Amazon Rekognition"
  echo "Custom Labels model sustains (or any HTTP endpoint), and turns it into a plan: IUs,"
  echo "wall time, IU-hours and cost. It ships an emulator of the service, so that everything"
  echo "runs offline. /usr/share/doc/iuprobe/README.md explains every output."
  for command in run probe plan demo emulate "model start" "model status" "model stop" sign; do
    echo "[COMMAND: ${command^^}]"
    # As printed (no fill), escaped for roff: backslashes, lines starting with a dot, and
    # hyphens as \- so that options copied from the page are ASCII.
    echo ".nf"
    "$binary" $command --help | sed -e 's/\\/\\\\/g' -e "s/^\([.']\)/\\\\\&\1/" \
      -e 's|^Usage: [^ ]*iuprobe|Usage: iuprobe|' -e 's/-/\\-/g'
    echo ".fi"
  done
  echo "[EXIT STATUS]"
  echo "0 done; 1 internal error; 2 bad options; 3 bad input file; 4 network; 5 auth;"
  echo "6 the service refused the work; 7 results could not be written; 130 / 143 stopped by"
  echo "Ctrl-C / SIGTERM, with partial results written (README.md, Exit codes)."
} >"$include"
help2man --no-info --no-discard-stderr --name "size inference units for Rekognition Custom Labels" \
  --include "$include" --output "${output%.gz}" "$binary"
# No build path in the page.
sed -i "s|$(dirname "$(readlink -f "$binary")")/||g" "${output%.gz}"
gzip -9nf "${output%.gz}"
