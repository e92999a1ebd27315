"""`make run`'s process (manage.py rundev) serves the site and stops everything it started when it
is stopped — Ctrl-C, `kill` or a closed terminal — leaving no worker or server behind; the links it
prints in QR codes and emails lead to the port it serves on."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) counts as gone.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split()[2] == "Z")


def _children(pid):
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


@pytest.fixture(scope="module")
def dev_env(tmp_path_factory):
    """A var directory of its own (SQLite file, filesystem broker), migrated once for all signals."""
    env = {
        **os.environ,
        "PB_VAR_DIR": str(tmp_path_factory.mktemp("rundev")),
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
    }
    for name in ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "SITE_URL"):  # never CI's servers
        env.pop(name, None)
    for command in (["migrate", "-v0"], ["createcachetable"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)
    return env


@pytest.mark.worker
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_stopping_rundev_stops_the_server_and_the_worker(dev_env, signum):
    env = dev_env
    port = _free_port()
    # start_new_session: like a terminal, and unlike a backgrounded shell job, SIGINT is not ignored.
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "rundev", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                assert urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2).status == 200
                break
            except OSError:
                assert time.monotonic() < deadline, "rundev did not start serving"
                time.sleep(0.5)
        children = _children(proc.pid)
        assert len(children) == 2, children  # the web server and the Celery worker (with beat)
        # Both build links (the server QR codes, the worker emails): on this port, not the default 8000.
        for pid in children:
            assert f"SITE_URL=http://127.0.0.1:{port}".encode() in Path(f"/proc/{pid}/environ").read_bytes().split(
                b"\0"
            )
        proc.send_signal(signum)
        assert proc.wait(timeout=30) == 0
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [pid for pid in children if _alive(pid)], "rundev left its children running"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.mark.parametrize(
    "environment, expected",
    [
        ({}, "SITE_URL=http://127.0.0.1:8123 "),
        ({"SITE_URL": "https://pb.example.cn"}, "SITE_URL=https://pb.example.cn "),
    ],
)
def test_make_run_links_to_its_own_port_unless_site_url_is_set(environment, expected):
    env = {key: value for key, value in os.environ.items() if key != "SITE_URL"} | environment
    out = subprocess.run(
        ["make", "--dry-run", "--always-make", "run", "PORT=8123"], cwd=ROOT, env=env, capture_output=True, text=True
    ).stdout
    command = next(line for line in out.splitlines() if "manage.py rundev" in line)
    assert command.startswith(expected), command
    assert "--port 8123" in command
