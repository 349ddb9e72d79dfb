# SPDX-License-Identifier: Apache-2.0
"""What the packages install, checked on the build under test: `--version` (the version from
CMakeLists.txt, the commit from git), `cmake --install` (binary, man page made from --help, bash
completion, README, licence; the MPI plugin as a component of its own, the iuprobe-mpi package)
and the bash completion itself, driven by bash as it would be at a prompt. The installed tree runs
under Debian's mpirun, the plugin found where it was installed. The packages themselves (the .debs
in a fresh Debian 12 root, the portable tarball in a Debian 11 root) are checked by
scripts/check-packages.sh."""

import gzip
import json
import os
import re
import subprocess
import tempfile
import unittest
from pathlib import Path

from harness import IUPROBE, Emulator, emulator_env, png_bytes, run_iuprobe, start_mpirun

ROOT = Path(__file__).resolve().parents[2]
BUILD = Path(os.environ.get("IUPROBE_BUILD_DIR", Path(IUPROBE).resolve().parents[2]))


class Version(unittest.TestCase):
    def test_version_commit_and_build_type(self):
        version = re.search(r"project\(iuprobe VERSION ([0-9.]+)", (ROOT / "CMakeLists.txt").read_text()).group(1)
        commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True, check=True).stdout.strip()
        build_type = re.search(r"CMAKE_BUILD_TYPE:STRING=(\w*)", (BUILD / "CMakeCache.txt").read_text()).group(1)
        run = run_iuprobe("--version")
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(run.stdout.strip(), f"iuprobe {version} (commit {commit}, {build_type} build)")


# What each component installs: iuprobe (its own package, no MPI) and mpi (iuprobe-mpi).
IUPROBE_FILES = {"bin/iuprobe", "share/man/man1/iuprobe.1.gz", "share/bash-completion/completions/iuprobe",
                 "share/doc/iuprobe/README.md", "share/doc/iuprobe/LICENSE", "share/doc/iuprobe/copyright"}
MPI_FILES = {"lib/iuprobe/libiuprobe_mpi.so"}


def install(prefix: str, *component: str) -> set:
    """`cmake --install` of the build under test into `prefix` (one component, or all): the files."""
    args = ["--component", *component] if component else []
    run = subprocess.run(["cmake", "--install", str(BUILD), "--prefix", prefix, *args], capture_output=True,
                         text=True)
    if run.returncode != 0:
        raise AssertionError(run.stderr)
    return {str(p.relative_to(prefix)) for p in Path(prefix).rglob("*") if p.is_file()}


class Install(unittest.TestCase):
    def test_components(self):
        # The build under test has the plugin (CI installs libopenmpi-dev before building).
        for component, files in (("iuprobe", IUPROBE_FILES), ("mpi", MPI_FILES)):
            with tempfile.TemporaryDirectory() as prefix:
                self.assertEqual(install(prefix, component), files, component)
        with tempfile.TemporaryDirectory() as prefix:
            install(prefix, "iuprobe")
            needed = subprocess.run(["objdump", "-p", str(Path(prefix) / "bin/iuprobe")], capture_output=True,
                                    text=True, check=True).stdout
            self.assertNotIn("libmpi", needed)  # iuprobe alone needs no MPI

    def test_install_tree(self):
        with tempfile.TemporaryDirectory() as prefix:
            files = install(prefix)
            self.assertEqual(files, IUPROBE_FILES | MPI_FILES)
            page = gzip.decompress((Path(prefix) / "share/man/man1/iuprobe.1.gz").read_bytes()).decode()
            # Every command's options, from its own --help; no build path.
            for command, option in (("RUN", "--rate"), ("PROBE", "--max-error-rate"), ("PLAN", "--target-tps"),
                                    ("DEMO", "--quiet"), ("EMULATE", "--limiter"),
                                    ("MODEL START", "--project-version-arn"), ("SIGN", "--region")):
                self.assertIn(f"COMMAND: {command}", page)
                section = page.split(f"COMMAND: {command}", 1)[1].split(".SH", 1)[0]
                self.assertIn(option.replace("-", "\\-"), section, command)
            self.assertNotIn(str(BUILD), page)
            rendered = subprocess.run(["man", "-l", str(Path(prefix) / "share/man/man1/iuprobe.1.gz")],
                                      capture_output=True, text=True, env={**os.environ, "MANWIDTH": "100"})
            if rendered.returncode == 0:  # man-db present
                self.assertIn("iuprobe - size inference units", rendered.stdout)


class MpiFromInstall(unittest.TestCase):
    """The installed tree under mpirun: the plugin is found in <prefix>/lib/iuprobe, and without it
    (iuprobe's package alone) a rank says which package to install and exits 2. (mpirun's
    own status is 2 without KEEP_RANK_0 only: with it, OpenMPI 4.1 returns 0 for ranks that
    exit non-zero before MPI starts, as docs/distributed.md warns.)"""

    def mpirun_run(self, prefix: str, tmp: Path, emulator) -> subprocess.CompletedProcess:
        env = {k: v for k, v in emulator_env().items() if k != "IUPROBE_MPI_PLUGIN"}
        args = ["-np", "2", str(Path(prefix) / "bin/iuprobe"), "run", "--project-version-arn", emulator.model_arn,
                "--endpoint-url", emulator.url, "--images", str(tmp / "i.png"), "--rate", "20", "--duration", "2s",
                "--warmup", "0s", "--quiet", "--out", str(tmp / "run")]
        process = start_mpirun(self, args, env)
        out, err = process.communicate(timeout=120)
        return subprocess.CompletedProcess(args, process.returncode, out, err)

    def test_installed_plugin_is_found(self):
        with tempfile.TemporaryDirectory() as prefix, tempfile.TemporaryDirectory() as tmp, Emulator() as emulator:
            install(prefix)
            (Path(tmp) / "i.png").write_bytes(png_bytes(32, 32))
            run = self.mpirun_run(prefix, Path(tmp), emulator)
            self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
            result = json.loads((Path(tmp) / "run" / "result.json").read_text())
            self.assertEqual([r["sent"] for r in result["ranks"]], [20, 20], run.stdout)

    def test_without_the_plugin_package_each_rank_names_it(self):
        with tempfile.TemporaryDirectory() as prefix, tempfile.TemporaryDirectory() as tmp, Emulator() as emulator:
            install(prefix, "iuprobe")
            (Path(tmp) / "i.png").write_bytes(png_bytes(32, 32))
            run = self.mpirun_run(prefix, Path(tmp), emulator)
            self.assertEqual(run.returncode, 2, run.stdout + run.stderr)
            # mpirun ends the other rank once one exits: it may not have said so yet.
            self.assertGreaterEqual(run.stderr.count("install the iuprobe-mpi package"), 1, run.stderr)
            self.assertIn(f"{prefix}/lib/iuprobe/libiuprobe_mpi.so", run.stderr)


class BashCompletion(unittest.TestCase):
    def complete(self, line: str) -> list:
        """What the completion offers for `line` with the cursor at its end."""
        script = f"""
            source {ROOT / "packaging" / "iuprobe.bash-completion"}
            COMP_WORDS=({line}); COMP_CWORD=${{#COMP_WORDS[@]}}
            [[ "{line}" == *" " ]] && COMP_WORDS+=("") && COMP_CWORD=${{#COMP_WORDS[@]}}
            COMP_CWORD=$((COMP_CWORD - 1))
            _iuprobe
            printf '%s\\n' "${{COMPREPLY[@]}}"
        """
        run = subprocess.run(["bash", "-c", script], capture_output=True, text=True,
                             env={**os.environ, "PATH": f"{Path(IUPROBE).parent}:{os.environ['PATH']}"})
        self.assertEqual(run.returncode, 0, run.stderr)
        return run.stdout.split()

    def test_commands(self):
        self.assertEqual(self.complete("iuprobe pr"), ["probe"])
        self.assertEqual(set(self.complete("iuprobe ")),
                         {"run", "probe", "plan", "demo", "emulate", "model", "sign", "--help", "--version"})
        self.assertEqual(self.complete("iuprobe model st"), ["start", "status", "stop"])

    def test_options_come_from_the_commands_help(self):
        self.assertEqual(self.complete("iuprobe probe --max-e"), ["--max-error-rate"])
        self.assertIn("--images", self.complete("iuprobe probe --url x --im"))
        self.assertIn("--min-iu", self.complete("iuprobe model start --min"))
        self.assertNotIn("--min-iu", self.complete("iuprobe run --m"))

    def test_paths_elsewhere(self):
        with tempfile.TemporaryDirectory() as d:
            (Path(d) / "photos").mkdir()
            self.assertEqual(self.complete(f"iuprobe probe --images {d}/ph"), [f"{d}/photos"])


if __name__ == "__main__":
    unittest.main()
