# SPDX-License-Identifier: Apache-2.0
# iuprobe in a container: built on Debian 12 from this checkout, run on Debian 12 slim with the
# .deb installed by apt, the same steps scripts/check-packages.sh runs in a fresh Debian 12 root.
#   docker build -t iuprobe .
#   docker run --rm iuprobe demo --quiet
#   docker run --rm -e AWS_ACCESS_KEY_ID -e AWS_SECRET_ACCESS_KEY -e AWS_SESSION_TOKEN \
#     -e AWS_REGION -v "$PWD/photos:/photos:ro" -v "$PWD/results:/results" \
#     iuprobe probe --project-version-arn ARN --images /photos --out /results/probe

FROM debian:12 AS build
WORKDIR /src
COPY . .
RUN rm -rf build dist && scripts/package.sh --deb

# For many generator hosts (docs/distributed.md), a Kubernetes MPIJob's launcher and workers:
# iuprobe, iuprobe-mpi, OpenMPI's mpirun, and ssh, with which mpirun starts the ranks
# (packaging/mpi-image.sh, which scripts/check-packages.sh also runs). A worker runs sshd (the
# default command); the launcher runs mpirun, as root.
#   docker build --target mpi -t iuprobe-mpi .
FROM debian:12-slim AS mpi
COPY --from=build /src/dist/iuprobe_*_amd64.deb /src/dist/iuprobe-mpi_*_amd64.deb /tmp/
COPY --from=build /src/packaging/mpi-image.sh /tmp/
RUN /tmp/mpi-image.sh /tmp/iuprobe*_amd64.deb && rm /tmp/iuprobe*_amd64.deb /tmp/mpi-image.sh
ENV OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
WORKDIR /work
CMD ["/usr/sbin/sshd", "-De"]

# The default target: iuprobe alone, no MPI.
FROM debian:12-slim
COPY --from=build /src/dist/iuprobe_*_amd64.deb /tmp/
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates /tmp/iuprobe_*_amd64.deb \
    && rm -rf /var/lib/apt/lists/* /tmp/iuprobe_*_amd64.deb
WORKDIR /work
ENTRYPOINT ["iuprobe"]
CMD ["--help"]
