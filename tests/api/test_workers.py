"""``salama serve --workers 2``: one listening socket per process (SO_REUSEPORT), a clean stop
on SIGTERM, and a clear exit when the port is taken. Real processes on a free local port."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from salama.api.workers import reuse_port_supported

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not reuse_port_supported(), reason="needs Linux SO_REUSEPORT"),
]

SERVE = [sys.executable, "-c", "from salama.cli import main; main()", "serve"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def listeners(port: int) -> int:
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
            count += 1
    return count


def start(tmp_path: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "SALAMA_DATABASE_URL": f"sqlite:///{tmp_path}/serve.db",
        "SALAMA_LOG_LEVEL": "warning",
    }
    return subprocess.Popen(
        [*SERVE, "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def test_two_workers_listen_each_and_stop_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    server = start(tmp_path, port)
    try:
        deadline = time.monotonic() + 120
        while listeners(port) < 2:
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            assert time.monotonic() < deadline, "the two workers did not listen in time"
            time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as r:
            assert json.loads(r.read())["status"] == "ok"
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=60) == 0
        assert listeners(port) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_a_taken_port_is_an_error_not_a_restart_loop(tmp_path: Path) -> None:
    with socket.socket() as taken:  # a plain listener, without SO_REUSEPORT
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = start(tmp_path, port)
        try:
            assert server.wait(timeout=120) == 2
            assert server.stderr is not None
            assert b"cannot listen on 127.0.0.1" in server.stderr.read()
        finally:
            if server.poll() is None:
                server.kill()
                server.wait()
