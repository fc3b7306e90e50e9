"""scripts/setup.sh --test installs a Debian Java runtime for MPXJ when java is missing (and only then)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STUB = "#!/bin/sh\necho \"$(basename \"$0\") $*\" >> \"$CALLS\"\n"


def _run(tmp_path: Path, with_java: bool) -> list[str]:
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "setup.sh", repo / "scripts" / "setup.sh")
    venv_python = repo / ".venv" / "bin" / "python"
    venv_python.parent.mkdir(parents=True)
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    stubs = ["apt-get", "sudo", "tj3", "chromium"] + (["java"] if with_java else [])
    for path in [venv_python] + [bin_ / name for name in stubs]:
        path.write_text(STUB)
        path.chmod(0o755)
    (bin_ / "id").write_text("#!/bin/sh\necho 0\n")
    (bin_ / "id").chmod(0o755)
    for tool in ("bash", "dirname", "basename", "cat"):
        (bin_ / tool).symlink_to(shutil.which(tool))
    env = {"PATH": str(bin_), "CALLS": str(tmp_path / "calls"), "HOME": str(tmp_path)}
    proc = subprocess.run(["bash", str(repo / "scripts" / "setup.sh"), "--test"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    calls = Path(env["CALLS"])
    return calls.read_text().splitlines() if calls.exists() else []


@pytest.mark.skipif(os.name != "posix", reason="a POSIX shell script")
def test_test_setup_installs_a_java_runtime_when_java_is_missing(tmp_path):
    installs = [c for c in _run(tmp_path, with_java=False) if c.startswith("apt-get") and " install " in c]
    assert installs and "default-jre-headless" in installs[0]


@pytest.mark.skipif(os.name != "posix", reason="a POSIX shell script")
def test_test_setup_leaves_an_installed_java_alone(tmp_path):
    assert not [c for c in _run(tmp_path, with_java=True) if c.startswith("apt-get")]
