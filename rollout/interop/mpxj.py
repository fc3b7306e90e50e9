"""The bridge to MPXJ (Java, through JPype): reads MSPDI, MPP, XER and other project files into task lists.

Optional: ``pip install 'rollout[mpxj]'`` and a Java runtime. Without either, one clear UsageError.
"""

from __future__ import annotations

import datetime as _dt
import shutil
from pathlib import Path

from ..errors import PlanError, UsageError
from .tasklist import SourcePlan, SourceTask

__all__ = ["read_project", "start_jvm"]

_LINK_TYPES = {"FINISH_START": "FS", "START_START": "SS", "FINISH_FINISH": "FF", "START_FINISH": "SF"}


def start_jvm() -> None:
    """Start the Java VM with MPXJ on its class path (once per process)."""
    try:
        import jpype
        import mpxj  # noqa: F401  (puts MPXJ's jars on the class path)
    except ImportError:
        raise UsageError("reading MS Project and Primavera files needs the mpxj extra: "
                         "pip install 'rollout[mpxj]' (and a Java runtime)") from None
    if jpype.isJVMStarted():
        return
    try:
        jvm = jpype.getDefaultJVMPath()
    except jpype.JVMNotFoundException:
        hint = "" if shutil.which("java") is None else " (java is on PATH but JPype cannot find libjvm; set JAVA_HOME)"
        raise UsageError("reading MS Project and Primavera files needs a Java runtime (11 or later), e.g. "
                         f"apt-get install default-jre-headless{hint}") from None
    jpype.startJVM(jvm, "-Xmx2g", "-Dlog4j2.level=OFF", convertStrings=True)
