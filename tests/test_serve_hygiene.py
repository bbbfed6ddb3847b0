"""``bolekg serve`` behaves on the edges: a busy port, its temporary files, the names of its downloads.

* A port already taken is one line on stderr and exit status 2, found before the data is loaded —
  and still one line (no Python traceback, no Rust backtrace) if Granian is the one to find it; so is
  a bad setting of the front (``BOLEKG_BODY_*``).
* The dumps' temporary folder goes when the server stops, on SIGTERM and on Ctrl+C (SIGINT).
* Every dump is a download with a readable file name (RFC 6266), still conditional.

Servers here are real ``bolekg serve`` processes on free loopback ports, stopped by PID.
"""

from __future__ import annotations

import errno
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rdflib import Dataset
from werkzeug.http import parse_options_header

import ld_support
import test_server_cli
from bolekg.web import serving
from ld_support import fetch, free_port, stop, wait_until_up

home = test_server_cli.home
serve = test_server_cli.serve

BOLEKG = test_server_cli.BOLEKG


def busy(port: int) -> str:
    return f"127.0.0.1:{port} is already in use; stop the other server or choose another --port"


@pytest.fixture
def held_port() -> Iterator[int]:
    """A loopback port another program listens on (plain SO_REUSEADDR, as most servers bind)."""
    with socket.socket() as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield int(holder.getsockname()[1])


def environment(home: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "BOLEKG_HOME": str(home), **extra}
    env.pop("BOLEKG_WRITE_TOKEN", None)
    return env


# --- a busy port ------------------------------------------------------------------------------------


def test_check_bindable_names_the_address_in_use(held_port: int) -> None:
    with pytest.raises(OSError, match="already in use") as raised:
        serving.check_bindable("127.0.0.1", held_port)
    assert raised.value.errno == errno.EADDRINUSE
    assert str(raised.value) == busy(held_port)


def test_check_bindable_sees_a_granian_style_listener() -> None:
    """Granian binds with SO_REUSEPORT: a check that set it too would share the port, not see it taken."""
    with socket.socket() as holder:
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = int(holder.getsockname()[1])
        with pytest.raises(OSError, match="already in use"):
            serving.check_bindable("127.0.0.1", port)


def test_check_bindable_leaves_a_free_port_free() -> None:
    port = free_port()
    serving.check_bindable("127.0.0.1", port)
    with socket.socket() as again:  # the check let go of it
        again.bind(("127.0.0.1", port))


def test_serve_on_a_busy_port_is_one_line_before_loading(home: Path, held_port: int) -> None:
    refused = subprocess.run([BOLEKG, "serve", "--port", str(held_port)], env=environment(home),
                             capture_output=True, text=True, timeout=300)
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr == f"bolekg serve: {busy(held_port)}\n"
    assert refused.stdout == ""  # nothing loaded, no banner: the port was checked first


def test_a_second_server_on_the_same_port_is_refused(home: Path, serve) -> None:  # type: ignore[no-untyped-def]
    """``make run`` twice: the second finds the first (Granian's SO_REUSEPORT socket) and says so."""
    port = int(serve().root.rsplit(":", 1)[1])
    # (without the check, the second server shared the port and ran until this timeout)
    refused = subprocess.run([BOLEKG, "serve", "--port", str(port)], env=environment(home),
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr == f"bolekg serve: {busy(port)}\n"


@pytest.mark.parametrize(("name", "value", "message"), [
    ("BOLEKG_BODY_SECONDS", "soon", "BOLEKG_BODY_SECONDS must be a number, not 'soon'"),
    ("BOLEKG_BODY_SECONDS", "0", "BOLEKG_BODY_SECONDS must be positive, not '0'"),
    ("BOLEKG_BODY_MIN_BYTES_PER_SECOND", "-1", "BOLEKG_BODY_MIN_BYTES_PER_SECOND must be 0 or more, not '-1'"),
])
def test_a_bad_setting_of_the_front_is_one_line_before_loading(home: Path, name: str, value: str,
                                                                 message: str) -> None:
    """The front (:mod:`bolekg.web.front`) reads its settings in the server's worker; they are checked
    first, so that a typo is one line, not a worker dying after the data was loaded."""
    refused = subprocess.run([BOLEKG, "serve", "--port", str(free_port())], env=environment(home, **{name: value}),
                             capture_output=True, text=True, timeout=300)
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr == f"bolekg serve: {message}\n"
    assert refused.stdout == ""


#: ``bolekg serve`` as if the port were taken between the early check and Granian's own bind.
RACE = """
import sys
import bolekg.web.serving
bolekg.web.serving.check_bindable = lambda host, port: None
from bolekg.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_granian_finding_the_port_busy_is_one_line_too(home: Path, held_port: int) -> None:
    env = environment(home, RUST_BACKTRACE="1")  # Granian's error would carry a Rust backtrace
    refused = subprocess.run([sys.executable, "-c", RACE, "serve", "--port", str(held_port)], env=env,
                             capture_output=True, text=True, timeout=300)
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr == f"bolekg serve: {busy(held_port)}\n"


# --- temporary folders ------------------------------------------------------------------------------


@pytest.fixture
def start(home: Path, tmp_path: Path) -> Iterator[Callable[[Path], subprocess.Popen[bytes]]]:
    """Start ``bolekg serve`` with its temporary directory at ``tmpdir``; stopped by PID afterwards."""
    processes: list[subprocess.Popen[bytes]] = []

    def launch(tmpdir: Path) -> subprocess.Popen[bytes]:
        port = free_port()
        with (tmp_path / f"serve-{port}.log").open("wb") as log:
            process = subprocess.Popen([BOLEKG, "serve", "--port", str(port)],
                                       env=environment(home, TMPDIR=str(tmpdir)), stdout=log, stderr=log)
        processes.append(process)
        process.root = f"http://127.0.0.1:{port}"  # type: ignore[attr-defined]
        wait_until_up(f"{process.root}/openapi.json", process)  # type: ignore[attr-defined]
        return process

    yield launch
    for process in processes:
        stop(process)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_stopping_the_server_removes_its_dump_folder(start, tmp_path: Path, signum: int) -> None:  # type: ignore[no-untyped-def]
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    server = start(tmpdir)
    assert fetch(f"{server.root}/dumps/bolekg.ttl").status == 200
    assert fetch(f"{server.root}/dumps/observations.csv").status == 200
    assert list(tmpdir.rglob("bolekg-dumps-*")), "the dumps were not written under TMPDIR"
    os.kill(server.pid, signum)
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail(f"bolekg serve did not stop on {signal.Signals(signum).name}")
    assert server.returncode == 0
    assert sorted(p.relative_to(tmpdir).as_posix() for p in tmpdir.rglob("*")) == []


#: An app made by ``create_app`` (no ``bolekg serve`` around it) builds a dump, and the process ends.
IN_PROCESS = """
import sys
from bolekg.web import create_app
client = create_app().test_client()
response = client.get("/dumps/bolekg.nt")
assert response.status_code == 200, response.status_code
response.close()
"""


def test_an_app_without_a_server_leaves_no_folder_either(home: Path, tmp_path: Path) -> None:
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    done = subprocess.run([sys.executable, "-c", IN_PROCESS], env=environment(home, TMPDIR=str(tmpdir)),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert sorted(p.relative_to(tmpdir).as_posix() for p in tmpdir.rglob("*")) == []


# --- downloads --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(real_dataset: Dataset):  # type: ignore[no-untyped-def]
    from bolekg.store import EmbeddedStore
    from bolekg.web import create_app

    store = EmbeddedStore(validator=ld_support.small_validator)
    store.load(real_dataset)
    try:
        yield create_app({"STORE": store}).test_client()
    finally:
        store.close()


@pytest.mark.parametrize(("path", "filename"), [
    ("/dumps/bolekg.ttl", "bolekg.ttl"),
    ("/dumps/bolekg.nt", "bolekg.nt"),
    ("/dumps/bolekg.jsonld", "bolekg.jsonld"),
    ("/dumps/bolekg.trig", "bolekg.trig"),
    ("/dumps/bolekg.nq", "bolekg.nq"),
    ("/dumps/observations.csv", "bolekg-observations.csv"),
])
def test_every_dump_is_an_attachment_with_a_readable_name(client, path: str, filename: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == 200
    disposition, params = parse_options_header(response.headers["Content-Disposition"])
    assert (disposition, params) == ("attachment", {"filename": filename})
    assert response.headers["ETag"] and response.headers["Last-Modified"]
    # still conditional, with the same name when it is sent again
    assert client.get(path, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    assert client.get(path, headers={"If-Modified-Since": response.headers["Last-Modified"]}).status_code == 304
    again = client.get(path, headers={"If-None-Match": '"something-else"'})
    assert again.status_code == 200
    assert again.headers["Content-Disposition"] == response.headers["Content-Disposition"]
    response.close()
    again.close()
