"""What the whole machine spent, for benchmarks that report how busy it was around a step."""

from __future__ import annotations

import math
import os
from pathlib import Path


def machine_cpu_seconds() -> float:
    """CPU time all cores spent busy, including time the hypervisor took (Linux; else NaN)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return math.nan
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
