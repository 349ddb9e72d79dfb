# SPDX-License-Identifier: Apache-2.0
"""`iuprobe plan` from the command line: the worked examples come out exactly, in text and JSON, and
bad input is refused with the reason."""

import json
import tempfile
import unittest
from pathlib import Path

from harness import read_json, run_iuprobe


class Plan(unittest.TestCase):
    def plan(self, *args):
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "plan.json"
            run = run_iuprobe("plan", *args, "--json", str(out))
            self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
            return run.stdout, read_json(out)["plans"]

    def test_the_worked_examples(self):
        text, plans = self.plan("--tps-per-iu", "5", "--iu", "1", "--for", "3h")
        self.assertEqual(plans[0]["images"], 54000)
        self.assertEqual(plans[0]["billed_iu_hours"], 3)
        self.assertIn("54,000 images; 3.00 IU-hours", text)
        _, plans = self.plan("--tps-per-iu", "5", "--images", "108000", "--within", "3h")
        self.assertEqual((plans[0]["plan"]["iu"], plans[0]["plan"]["billed_iu_hours"]), (2, 6))
        _, plans = self.plan("--tps-per-iu", "5", "--images", "54000", "--within", "1h")
        self.assertEqual((plans[0]["plan"]["iu"], plans[0]["plan"]["billed_iu_hours"]), (3, 3))
        _, plans = self.plan("--tps-per-iu", "5", "--target-tps", "15")
        self.assertEqual(plans[0]["iu"], 3)
        text, plans = self.plan("--tps-per-iu", "3", "--target-tps", "12")
        self.assertEqual(plans[0]["iu"], 4)
        self.assertIn("$4.00 per IU-hour, ASSUMED", text)

    def test_headroom_min_iu_and_price(self):
        text, plans = self.plan("--tps-per-iu", "5", "--target-tps", "4", "--headroom", "0.5", "--min-iu", "2",
                                "--price-per-iu-hour", "3.5")
        self.assertEqual((plans[0]["iu_for_rate"], plans[0]["iu"]), (2, 2))
        self.assertAlmostEqual(plans[0]["cost_per_hour_usd"], 7.0)
        self.assertIn("(--price-per-iu-hour)", text)
        self.assertNotIn("ASSUMED", text)

    def test_batch_with_startup_and_hour_billing(self):
        _, plans = self.plan("--tps-per-iu", "5", "--images", "54000", "--within", "2h", "--startup", "15m",
                             "--billing-granularity", "hour")
        chosen = plans[0]["plan"]
        self.assertEqual(chosen["iu"], 2)  # 54,000 / (5 x 6,300 s) = 1.7
        self.assertEqual(chosen["billed_iu_hours"], 4)  # 15 min + 1.5 h, rounded up to 2 h, x 2 IUs
        self.assertTrue(chosen["meets_deadline"])
        self.assertGreaterEqual(len(plans[0]["alternatives"]), 3)

    def test_daily_profile_recommends_the_cheapest_that_is_never_short(self):
        with tempfile.NamedTemporaryFile("w", suffix=".csv") as csv:
            csv.write("hour,tps\n" + "".join(f"{h},{20 if 9 <= h < 17 else 2}\n" for h in range(24)))
            csv.flush()
            text, plans = self.plan("--tps-per-iu", "5", "--profile", csv.name, "--startup", "10m")
        options = {o["name"]: o for o in plans[0]["options"]}
        self.assertEqual(options["always-on"]["iu_hours_per_day"], 24 * 4)
        self.assertEqual(options["scheduled"]["iu_per_hour"][12], 4)
        self.assertEqual(options["scheduled"]["iu_per_hour"][3], 1)
        self.assertEqual(plans[0]["recommended"], "scheduled")
        self.assertIn("<- recommended", text)

    def probe_result(self, tmp, verdict, **answer):
        path = Path(tmp) / f"{verdict}.json"
        path.write_text(json.dumps({"schema": "iuprobe.probe", "answer": {"verdict": verdict, **answer}}))
        return str(path)

    def test_from_a_probe_result(self):
        with tempfile.TemporaryDirectory() as tmp:
            found = self.probe_result(tmp, "found", capacity_tps=10, tps_per_iu=5, inference_units=2)
            text, plans = self.plan("--from", found, "--target-tps", "15")
            self.assertEqual(plans[0]["iu"], 3)
            self.assertIn("5.00 TPS per IU, from", text)
            bound = self.probe_result(tmp, "generator-limited", capacity_tps=900)
            run = run_iuprobe("plan", "--from", bound, "--target-tps", "15")
            self.assertEqual(run.returncode, 3)
            self.assertIn("lower bound, not a capacity", run.stderr)
            no_iu = self.probe_result(tmp, "found", capacity_tps=10, inference_units=0)
            run = run_iuprobe("plan", "--from", no_iu, "--target-tps", "15")
            self.assertIn("--iu N", run.stderr)
            run_result = Path(tmp) / "run.json"
            run_result.write_text('{"schema": "iuprobe.result"}')
            run = run_iuprobe("plan", "--from", str(run_result), "--target-tps", "15")
            self.assertIn("not a result.json written by iuprobe probe", run.stderr)

    def test_bad_input_is_refused_with_the_reason(self):
        cases = [
            (["--tps-per-iu", "0", "--target-tps", "3"], "--tps-per-iu must be above zero"),
            (["--tps-per-iu", "-2", "--target-tps", "3"], "--tps-per-iu must be above zero"),
            (["--target-tps", "3"], "--tps-per-iu X, or --from"),
            (["--tps-per-iu", "5"], "ask a question"),
            (["--tps-per-iu", "5", "--images", "100"], "--images and --within go together"),
            (["--tps-per-iu", "5", "--images", "100", "--within", "5m", "--startup", "10m"], "no time to process"),
            (["--tps-per-iu", "5", "--images", "100", "--within", "soon"], "--within"),
            (["--tps-per-iu", "5", "--target-tps", "3", "--billing-granularity", "second"], "minute or hour"),
        ]
        for args, expected in cases:
            run = run_iuprobe("plan", *args)
            self.assertEqual(run.returncode, 2, args)
            self.assertIn(expected, run.stderr, args)
        with tempfile.NamedTemporaryFile("w", suffix=".csv") as csv:
            csv.write("hour,tps\n0,5\n1,oops\n")
            csv.flush()
            run = run_iuprobe("plan", "--tps-per-iu", "5", "--profile", csv.name)
            self.assertEqual(run.returncode, 3)
            self.assertIn(f"--profile {csv.name}: line 3", run.stderr)


if __name__ == "__main__":
    unittest.main()
