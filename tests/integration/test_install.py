# SPDX-License-Identifier: Apache-2.0
"""What the packages install, checked on the build under test: `--version` (the version from
CMakeLists.txt, the commit from git), `cmake --install` (binary, man page made from --help, bash
completion, README, licence) and the bash completion itself, driven by bash as it would be at a
prompt. The packages themselves (a .deb in a fresh Debian 12 root, the portable tarball in a
Debian 11 root) are checked by scripts/check-packages.sh."""

import gzip
import os
import re
import subprocess
import tempfile
import unittest
from pathlib import Path

from harness import IUPROBE, run_iuprobe

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


class Install(unittest.TestCase):
    def test_install_tree(self):
        with tempfile.TemporaryDirectory() as prefix:
            run = subprocess.run(["cmake", "--install", str(BUILD), "--prefix", prefix], capture_output=True,
                                 text=True)
            self.assertEqual(run.returncode, 0, run.stderr)
            files = {str(p.relative_to(prefix)) for p in Path(prefix).rglob("*") if p.is_file()}
            self.assertEqual(files, {"bin/iuprobe", "share/man/man1/iuprobe.1.gz",
                                     "share/bash-completion/completions/iuprobe", "share/doc/iuprobe/README.md",
                                     "share/doc/iuprobe/LICENSE", "share/doc/iuprobe/copyright"})
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
