"""The line every benchmark prints first: its figures mean little without the machine and its load."""

import os
import platform
from pathlib import Path


def describe() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"machine: {os.cpu_count()} cores, {cpu}, {memory:.0f} GiB; Python {platform.python_version()}; "
            f"load average at start {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
