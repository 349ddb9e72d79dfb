#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The Dockerfile's `mpi` image, in a Debian 12 root (as root): the .debs named as arguments
# (iuprobe's and iuprobe-mpi's), Debian's OpenMPI, and ssh as the Kubeflow MPI Operator expects it
# (the same settings as its own base image, kubeflow/mpi-operator build/base/Dockerfile): no host
# key check and no known_hosts file (the operator's Secret has none), and no StrictModes (the
# Secret's files are mounted with modes sshd would refuse). scripts/check-packages.sh runs this
# in a fresh Debian 12 root and checks the result.
set -eu
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ca-certificates \
  openmpi-bin openssh-client openssh-server "$@"
mkdir -p /run/sshd
sed -i 's/[ #]\(.*StrictHostKeyChecking \).*/ \1no/g' /etc/ssh/ssh_config
echo "    UserKnownHostsFile /dev/null" >>/etc/ssh/ssh_config
sed -i 's/#\(StrictModes \).*/\1no/g' /etc/ssh/sshd_config
rm -rf /var/lib/apt/lists/*
