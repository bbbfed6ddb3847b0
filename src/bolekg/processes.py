"""Helper processes the project starts itself (servers for tests, benchmarks, the load test).

They bind free loopback ports and are stopped by PID — never by name — so that nothing else on the
machine is touched.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def stop(process: subprocess.Popen, timeout: float = 15) -> None:  # type: ignore[type-arg]
    """SIGTERM a process we started, by its PID; SIGKILL it if it has not exited after ``timeout``."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
