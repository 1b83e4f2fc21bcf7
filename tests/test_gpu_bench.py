"""bench/gpu.py at its tiny size on the CPU: the script a lent GPU runs is known to work."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_gpu_bench_runs_tiny_on_the_cpu(tmp_path):
    out = tmp_path / "gpu.json"
    r = subprocess.run([sys.executable, str(ROOT / "bench" / "gpu.py"), "--tiny", "--device", "cpu",
                        "--json", str(out)], capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "| batch | HF generate tok/s | our decoder tok/s |" in r.stdout
    assert "beam / best-of-N" in r.stdout
    res = json.loads(out.read_text())
    assert res["tiny"] and res["dtype"] == "float32" and res["params"] > 0
    assert [d["batch"] for d in res["decode"]] == [1, 4, 8]
    for d in res["decode"]:
        assert d["generate_tok_s"] > 0 and d["ours_tok_s"] > 0
    assert [s["n"] for s in res["search"]] == [4, 8]
    for s in res["search"]:
        assert s["beam_s"] > 0 and s["bon_s"] > 0 and s["beam_tokens"] > 0
        # with the KV kept across rounds nothing is encoded twice; without it every round
        # re-encodes the kept prefixes
        assert s["reencoded_per_token"] == 0
        assert s["no_kv_reencoded_per_token"] > 0


def test_the_device_script_parses_and_moves_aside_only_what_exists_and_no_stage_reads(tmp_path):
    """bench/device.sh (run on a lent GPU; rehearsed on a CPU with TINY=1 after `prepare`, which
    downloads wheels): its syntax, and its list of folders moved out of the travelling tree, which
    must name folders that exist (a renamed one would travel again and crowd the model's parts out)
    and never one the run stage reads."""
    import re

    script = ROOT / "bench" / "device.sh"
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0
    text = script.read_text()
    heavy = re.search(r"HEAVY=\(([^)]*)\)", text).group(1).split()
    assert heavy and all((ROOT / d).is_dir() for d in heavy), [d for d in heavy if not (ROOT / d).is_dir()]
    for needed in ("data/classroom", "ttc_viz", "bench", "models"):
        assert needed not in heavy
    r = subprocess.run(["bash", str(script), "restore"], capture_output=True, text=True,
                       env={"PATH": "/usr/bin:/bin", "ASIDE": str(tmp_path / "none")})
    assert r.returncode == 0 and "nothing moved aside" in r.stdout
    r = subprocess.run(["bash", str(script)], capture_output=True, text=True)
    assert r.returncode == 2 and "bench/device.sh prepare" in r.stdout   # no verb: the usage
