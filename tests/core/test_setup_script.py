"""scripts/setup.sh: the main job's set-up installs no Debian packages; the test set-up installs the
ones the tests use only when it can (root or password-less sudo), and otherwise says the tests will skip."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

STUB = "#!/bin/sh\necho \"$(basename \"$0\") $*\" >> \"$CALLS\"\n"


def _sandbox(tmp_path: Path, uid: int) -> tuple[Path, dict]:
    """A copy of the script beside a fake .venv, and a PATH whose apt-get, sudo and id only record calls."""
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "setup.sh", repo / "scripts" / "setup.sh")
    venv_python = repo / ".venv" / "bin" / "python"
    venv_python.parent.mkdir(parents=True)
    venv_python.write_text(STUB)
    venv_python.chmod(0o755)
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    for name in ("apt-get", "sudo"):
        (bin_ / name).write_text(STUB)
        (bin_ / name).chmod(0o755)
    (bin_ / "id").write_text(f"#!/bin/sh\necho {uid}\n")
    (bin_ / "id").chmod(0o755)
    for tool in ("bash", "dirname", "basename", "cat"):      # only these: no tj3, no chromium on this PATH
        (bin_ / tool).symlink_to(shutil.which(tool))
    env = {"PATH": str(bin_), "CALLS": str(tmp_path / "calls"), "HOME": str(tmp_path)}
    return repo, env


def _run(repo: Path, env: dict, *args: str) -> tuple[subprocess.CompletedProcess, list[str]]:
    proc = subprocess.run(["bash", str(repo / "scripts" / "setup.sh"), *args], env=env,
                          capture_output=True, text=True, timeout=60)
    calls = Path(env["CALLS"])
    return proc, calls.read_text().splitlines() if calls.exists() else []


@pytest.mark.skipif(os.name != "posix", reason="a POSIX shell script")
def test_the_main_jobs_setup_installs_no_debian_package(tmp_path):
    repo, env = _sandbox(tmp_path, uid=0)
    proc, calls = _run(repo, env)
    assert proc.returncode == 0, proc.stderr
    assert not [c for c in calls if c.startswith(("apt-get", "sudo"))], calls
    assert any(c.startswith("python -m pip install -q -e .") for c in calls), calls


@pytest.mark.skipif(os.name != "posix", reason="a POSIX shell script")
def test_the_test_setup_installs_tj3_and_chromium_as_root(tmp_path):
    repo, env = _sandbox(tmp_path, uid=0)
    proc, calls = _run(repo, env, "--test")
    assert proc.returncode == 0, proc.stderr
    installs = [c for c in calls if c.startswith("apt-get") and " install " in c]
    assert installs and "tj3" in installs[0] and "chromium" in installs[0], calls


@pytest.mark.skipif(os.name != "posix", reason="a POSIX shell script")
def test_the_test_setup_without_root_says_what_will_skip(tmp_path):
    repo, env = _sandbox(tmp_path, uid=1000)
    (Path(env["PATH"]) / "sudo").write_text("#!/bin/sh\nexit 1\n")   # sudo that asks for a password
    proc, calls = _run(repo, env, "--test")
    assert proc.returncode == 0, proc.stderr
    assert not [c for c in calls if c.startswith("apt-get")], calls
    assert "will be skipped" in proc.stderr
