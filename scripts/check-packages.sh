#!/usr/bin/env bash
# Checks the artefacts of scripts/package.sh the way users get them, on machines that never saw a
# compiler (Debian 12, as root; installs what it needs with scripts/setup.sh):
#   - a minimal Debian 12 root: the .deb installed with apt (its dependencies from Debian's
#     registry), as the Dockerfile does; then the Dockerfile's mpi image recipe
#     (packaging/mpi-image.sh: iuprobe-mpi, OpenMPI, ssh), and `mpirun -np 3 iuprobe run`;
#   - a minimal Debian 11 root (glibc 2.31) and a Debian 13 root (glibc 2.41): the tarball
#     unpacked, nothing else installed;
# and in each: `iuprobe demo --quiet` to the end, its capacity within 3% of the emulator's
# configured one; an https request to a loopback nginx whose certificate is signed by a CA that
# the root does not trust (refused), then trusts the distribution's way (update-ca-certificates),
# by name (localhost, through glibc's resolver and /etc/hosts). In the Debian 11 root the same CA
# is also found in Amazon Linux/RHEL's and Alpine's places and through SSL_CERT_FILE. Finally,
# the portable binary needs no library but glibc's. Prints the time from an empty root to a
# finished demo. About 5 minutes.
#
#   scripts/check-packages.sh [DIST_DIR]     (default dist/)
set -euo pipefail
cd "$(dirname "$0")/.."
dist=$(readlink -f "${1:-dist}")
mirror=${IUPROBE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
if [[ $(id -u) -ne 0 ]]; then echo "check-packages.sh: run as root (mmdebstrap, chroot)" >&2; exit 2; fi
# The artefacts are the ones SHA256SUMS names, checked first.
[[ -f $dist/SHA256SUMS ]] || { echo "check-packages.sh: no $dist/SHA256SUMS: run scripts/package.sh" >&2; exit 2; }
(cd "$dist" && sha256sum --quiet -c SHA256SUMS)
deb=$dist/$(awk '$2 ~ /^iuprobe_.*_amd64\.deb$/ { print $2 }' "$dist/SHA256SUMS")
mpi_deb=$dist/$(awk '$2 ~ /^iuprobe-mpi_.*_amd64\.deb$/ { print $2 }' "$dist/SHA256SUMS")
tarball=$dist/$(awk '/-linux-x86_64\.tar\.gz$/ { print $2 }' "$dist/SHA256SUMS")
[[ -f $deb && -f $mpi_deb && -f $tarball ]] ||
  { echo "check-packages.sh: SHA256SUMS must name iuprobe's .deb, iuprobe-mpi's and a tarball" >&2; exit 2; }
unpacked=$(basename "$tarball" .tar.gz)

# mmdebstrap, nginx, openssl and python3, with the project's one installer.
scripts/setup.sh --no-build >/dev/null

work=$(mktemp -d /var/tmp/iuprobe-check.XXXXXX)
mounts=()
nginx_pid=""
cleanup() {
  [[ -n $nginx_pid ]] && kill "$nginx_pid" 2>/dev/null || true
  for m in "${mounts[@]}"; do umount -l "$m" 2>/dev/null || true; done
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
failures=0
pass() { echo "  ok    $*"; }
fail() { echo "  FAIL  $*"; failures=$((failures + 1)); }

# A CA of our own, and nginx on a free loopback port serving https://localhost with a
# certificate it signed.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=iuprobe check CA" \
  -keyout "$work/ca.key" -out "$work/ca.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$work/server.key" \
  -out "$work/server.csr" 2>/dev/null
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" -CAcreateserial \
  -days 2 -extfile <(printf 'subjectAltName=DNS:localhost\n') -out "$work/server.crt" 2>/dev/null
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<CONF
daemon off; worker_processes 1; pid $work/nginx/nginx.pid; error_log $work/nginx/error.log;
events {}
http { access_log off;
  server { listen 127.0.0.1:$port ssl; ssl_certificate $work/server.crt;
           ssl_certificate_key $work/server.key; location / { return 200 "ok\n"; } } }
CONF
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
nginx_pid=$!
url="https://localhost:$port/"

# root NAME SUITE PACKAGES...: a minimal Debian root with /proc mounted.
root() {
  local dir=$work/$1 suite=$2
  shift 2
  mmdebstrap --quiet --variant=minbase --include="$(IFS=,; echo "$*")" "$suite" "$dir" "$mirror"
  mount -t proc proc "$dir/proc" && mounts+=("$dir/proc")
  cp /etc/resolv.conf "$dir/etc/resolv.conf"
  grep -q localhost "$dir/etc/hosts" 2>/dev/null || echo "127.0.0.1 localhost" >>"$dir/etc/hosts"
}
# inside NAME COMMAND...: run in the root.
inside() { local dir=$work/$1; shift; chroot "$dir" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "$@"; }

# demo NAME BINARY: the offline demo to the end, and its answer against the configured capacity.
demo() {
  local out
  if ! out=$(inside "$1" sh -c "cd /tmp && $2 demo --quiet" 2>&1); then
    fail "$1: iuprobe demo --quiet failed:"; echo "$out" | tail -20; return
  fi
  local compare
  compare=$(echo "$out" | grep '^compare' || true)
  local error
  error=$(echo "$compare" | sed -n 's/.*: \([-+][0-9.]*\)%$/\1/p')
  if [[ -n $error ]] && awk -v e="$error" 'BEGIN { exit !(e >= -3 && e <= 3) }'; then
    pass "$1: demo: ${compare#compare    }"
  else
    fail "$1: demo: '${compare:-no compare line}'"; echo "$out" | tail -20
  fi
}

# https NAME BINARY EXPECT LABEL [ENV...]: one second of requests to nginx over TLS; EXPECT is
# "trusted" (all answered 200) or "refused" (the certificate is not trusted: exit code 4).
https() {
  local name=$1 binary=$2 expect=$3 label=$4
  shift 4
  local out code=0
  out=$(inside "$name" env "$@" "$binary" run --url "$url" --rate 5 --duration 1s --quiet --out /tmp/https 2>&1) || code=$?
  if [[ $expect == trusted ]]; then
    local ok
    ok=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["summary"]["outcomes"]["ok"])' \
      "$work/$name/tmp/https/result.json" 2>/dev/null || echo 0)
    if ((code == 0 && ok == 5)); then
      pass "$name: https by name, CA $label: 5 of 5 answered"
    else
      fail "$name: https, CA $label: exit $code"; echo "$out" | tail -5
    fi
  elif ((code == 4)) && grep -q 'certificate verify failed' <<<"$out"; then
    pass "$name: https, CA $label: refused (exit 4: certificate verify failed)"
  else
    fail "$name: https, CA $label: expected exit 4, got $code"; echo "$out" | tail -5
  fi
}

echo "== Debian 12 root, the .deb installed with apt"
started=$SECONDS
root bookworm bookworm ca-certificates
cp "$deb" "$work/bookworm/tmp/"
inside bookworm apt-get update -qq
inside bookworm env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  "/tmp/$(basename "$deb")" >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; exit 1; }
echo "  apt installed: $(grep -oE 'Setting up [^ ]+' "$work/apt.log" | cut -d' ' -f3 | tr '\n' ' ')"
inside bookworm iuprobe --version
demo bookworm iuprobe
echo "  from an empty root to a finished demo: $((SECONDS - started)) s"
https bookworm iuprobe refused "not installed"
cp "$work/ca.crt" "$work/bookworm/usr/local/share/ca-certificates/iuprobe-check.crt"
inside bookworm update-ca-certificates >/dev/null 2>&1
https bookworm iuprobe trusted "in /usr/local/share/ca-certificates (update-ca-certificates)"
for file in /usr/share/man/man1/iuprobe.1.gz /usr/share/bash-completion/completions/iuprobe \
  /usr/share/doc/iuprobe/copyright; do
  if [[ -s $work/bookworm$file ]]; then pass "bookworm: $file"; else fail "bookworm: $file is missing"; fi
done

echo "== Debian 12 root: the mpi image's recipe (iuprobe-mpi, OpenMPI, ssh), three ranks from mpirun"
mpi_packages=$(inside bookworm dpkg-query -W -f='${Package}\n' | grep -E '^(lib)?(openmpi|mpich)' || true)
if [[ -n $mpi_packages ]]; then
  fail "bookworm: iuprobe's package alone installed MPI: $(echo $mpi_packages)"
else
  pass "bookworm: iuprobe's package alone installed no MPI"
fi
cp "$mpi_deb" packaging/mpi-image.sh "$work/bookworm/tmp/"
inside bookworm /tmp/mpi-image.sh "/tmp/$(basename "$mpi_deb")" >"$work/apt-mpi.log" 2>&1 ||
  { cat "$work/apt-mpi.log"; exit 1; }
echo "  apt installed $(grep -c 'Setting up' "$work/apt-mpi.log") packages, among them: $(grep -oE 'Setting up (iuprobe-mpi|libopenmpi3|openmpi-bin|openssh-server)[^ ]*' "$work/apt-mpi.log" | cut -d' ' -f3 | tr '\n' ' ')"
if inside bookworm /usr/sbin/sshd -t && inside bookworm ssh -G worker-1 | grep -qx 'stricthostkeychecking false'; then
  pass "bookworm: sshd's configuration is valid; ssh checks no host key (as the MPI Operator needs)"
else
  fail "bookworm: ssh as packaging/mpi-image.sh sets it up: sshd -t or ssh -G worker-1 disagrees"
fi
# The https server above, now trusted; 10/s for 3 s from three processes, each its third.
mpi_out=$(inside bookworm timeout -k 10 120 mpirun --allow-run-as-root --oversubscribe --bind-to none -np 3 \
  iuprobe run --url "$url" --rate 10 --duration 3s --warmup 0s --quiet --out /tmp/mpi 2>&1) || true
sends=$(python3 -c 'import json, sys; r = json.load(open(sys.argv[1]))
print(r["summary"]["outcomes"]["ok"], *sorted(k["sent"] for k in r["ranks"]))' "$work/bookworm/tmp/mpi/result.json" 2>/dev/null || true)
if [[ $sends == "30 10 10 10" ]]; then
  pass "bookworm: mpirun -np 3 iuprobe run: 30 of 30 answered, 10 sent by each rank"
else
  fail "bookworm: mpirun -np 3 iuprobe run: '${sends:-no result.json}' (expected 30 answered, 10 a rank)"
  echo "$mpi_out" | tail -20
fi

# tarball NAME SUITE: a root with the tarball unpacked, nothing else: only glibc's libraries,
# the demo, and https refused, then trusted the Debian way.
binary=/opt/$unpacked/bin/iuprobe
tarball_root() {
  local name=$1 suite=$2 started=$SECONDS
  root "$name" "$suite" ca-certificates
  tar -C "$work/$name/opt" -xzf "$tarball"
  inside "$name" "$binary" --version
  echo "  glibc $(inside "$name" ldd --version | head -1 | grep -oE '[0-9.]+$'); ldd:"
  local libraries
  libraries=$(inside "$name" ldd "$binary")
  sed 's/^\s*/    /' <<<"$libraries"
  if grep -vE 'linux-vdso|ld-linux-x86-64|lib(c|m|dl|pthread|rt)\.so' <<<"$libraries" | grep -q .; then
    fail "$name: the portable binary needs a library that is not glibc's"
  else
    pass "$name: only glibc's libraries"
  fi
  # A bad option is a C++ exception, thrown and caught: the unwinder finds its frames (through
  # glibc_compat.cpp's _dl_find_object on glibc before 2.35).
  local usage code=0
  usage=$(inside "$name" "$binary" run --no-such-flag 2>&1) || code=$?
  if ((code == 2)) && grep -q -- "--no-such-flag" <<<"$usage"; then
    pass "$name: an exception thrown and caught (bad option: exit 2, named)"
  else
    fail "$name: bad option: exit $code: $usage"
  fi
  demo "$name" "$binary"
  echo "  from an empty root to a finished demo: $((SECONDS - started)) s"
  https "$name" "$binary" refused "not installed"
  cp "$work/ca.crt" "$work/$name/usr/local/share/ca-certificates/iuprobe-check.crt"
  inside "$name" update-ca-certificates >/dev/null 2>&1
  https "$name" "$binary" trusted "Debian's bundle /etc/ssl/certs/ca-certificates.crt"
}

echo "== Debian 11 root (glibc 2.31, the oldest the tarball supports), the tarball unpacked"
tarball_root bullseye bullseye
# The other distributions' places: Debian's moved out of the way, the bundle where they keep it.
mv "$work/bullseye/etc/ssl/certs" "$work/bullseye/etc/ssl/certs.debian"
mkdir -p "$work/bullseye/etc/pki/tls/certs"
cp "$work/bullseye/etc/ssl/certs.debian/ca-certificates.crt" "$work/bullseye/etc/pki/tls/certs/ca-bundle.crt"
https bullseye "$binary" trusted "Amazon Linux/RHEL/Fedora's /etc/pki/tls/certs/ca-bundle.crt"
rm -r "$work/bullseye/etc/pki"
cp "$work/bullseye/etc/ssl/certs.debian/ca-certificates.crt" "$work/bullseye/etc/ssl/cert.pem"
https bullseye "$binary" trusted "Alpine's /etc/ssl/cert.pem"
rm "$work/bullseye/etc/ssl/cert.pem"
https bullseye "$binary" refused "nowhere"
cp "$work/ca.crt" "$work/bullseye/tmp/ca.pem"
https bullseye "$binary" trusted "SSL_CERT_FILE=/tmp/ca.pem" SSL_CERT_FILE=/tmp/ca.pem

echo "== Debian 13 root (a newer glibc, which has the symbols glibc_compat.cpp supplies), the tarball unpacked"
tarball_root trixie trixie

if ((failures)); then
  echo "== $failures check(s) FAILED"
  exit 1
fi
echo "== all package checks passed"
