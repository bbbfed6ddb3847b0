"""An on-disk store refuses rather than deletes, and can be checked, backed up and restored.

Real processes where the behaviour is about processes: ``bolekg serve --store DIR`` on a free
loopback port under a 2 GB address-space cap (a start-up that ran away would fail the test instead
of eating the machine), ``bolekg load``, ``bolekg store check``, ``bolekg backup`` while a real server
holds the store, ``bolekg restore``. Every refusal is checked to have deleted and changed nothing:
the directory's listing and every file's SHA-256, before and after.
"""

from __future__ import annotations

import hashlib
import os
import random
import resource
import shutil
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

import ld_support
from bolekg.store import EmbeddedStore
from bolekg.store.ondisk import DIGESTS, POINTER, NotAStore, StoreDamaged, StoreRefused, generations
from ld_support import EX, fetch, free_port, small_validator, stop, wait_until_up

BOLEKG = str(Path(sys.executable).parent / "bolekg")
NOTES = "https://example.org/notes"
#: A safety net, never a timed assertion: a start-up that neither refuses nor serves fails here.
SAFETY_SECONDS = 60
ADDRESS_SPACE_CAP = 2 << 30


# --- fixtures and helpers -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, real_dataset: Dataset) -> Path:
    """A copy of the project whose data is the real report and whose shapes are the small test shapes."""
    return ld_support.make_home(tmp_path_factory.mktemp("home"), real_dataset)


def environment(home: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "BOLEKG_HOME": str(home), **extra}
    if "BOLEKG_WRITE_TOKEN" not in extra:
        env.pop("BOLEKG_WRITE_TOKEN", None)
    return env


def run(home: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([BOLEKG, *args], env=environment(home, **extra), capture_output=True, text=True,
                          timeout=300)


def cap_address_space() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_CAP, ADDRESS_SPACE_CAP))


def start_up(home: Path, store: Path, **extra: str) -> tuple[int | None, str]:
    """``bolekg serve --store`` under the memory cap: (its exit status, its output), or (``None``,
    output) if it came up serving (then stopped by PID) or was still at it after the safety net."""
    process = subprocess.Popen([BOLEKG, "serve", "--store", str(store), "--port", str(free_port())],
                               env=environment(home, **extra), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, preexec_fn=cap_address_space)
    lines: list[str] = []
    serving = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if "Press Ctrl+C" in line:
                serving.set()
        serving.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    serving.wait(SAFETY_SECONDS)
    status = process.poll()
    if status is None:
        try:
            status = process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            stop(process)
            status = None
    reader.join(timeout=10)
    return status, "".join(lines)


def snapshot(root: Path) -> dict[str, str]:
    """Every entry under ``root``: directories, and each file's SHA-256."""
    found: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        name = str(path.relative_to(root))
        if path.is_symlink():
            found[name] = "-> " + os.readlink(path)
        elif path.is_dir():
            found[name] = "dir"
        else:
            found[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def live(store: Path) -> Path:
    return store / (store / POINTER).read_text().strip()


def content(store: Path) -> frozenset[str]:
    """Every quad, blank nodes canonicalised (RDFC-1.0), as N-Quads lines — read without any lock."""
    reader = ox.Store.read_only(str(live(store)))
    dataset = ox.Dataset(reader.quads_for_pattern(None, None, None, None))
    del reader
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return frozenset(str(quad) for quad in dataset)


def one_line(output: str) -> str:
    """The refusal is one line, no traceback."""
    lines = [line for line in output.splitlines() if line.strip()]
    assert "Traceback" not in output, output
    assert len(lines) == 1, output
    return lines[0]


@pytest.fixture(scope="module")
def written_store(tmp_path_factory: pytest.TempPathFactory, home: Path) -> Path:
    """A store as a user has it: loaded by ``bolekg load``, then an acknowledged write, closed; and an
    older generation beside it (what a crash between switching and collecting leaves)."""
    db = tmp_path_factory.mktemp("written") / "db"
    loaded = run(home, "load", "--store", str(db))
    assert loaded.returncode == 0, loaded.stderr
    store = EmbeddedStore(db, validator=small_validator, workers=0)
    try:
        store.update(f'INSERT DATA {{ GRAPH <{NOTES}> {{ <{EX}n1> <{EX}text> "kept" }} }}')
    finally:
        store.close()
    shutil.copytree(live(db), db / "gen-0123456789ab")
    return db


@pytest.fixture
def store(tmp_path: Path, written_store: Path) -> Path:
    copy = tmp_path / "db"
    shutil.copytree(written_store, copy)
    return copy


def corrupt(path: Path, how: str, seed: str) -> None:
    """Truncate ``path`` to half, or write 3 000 seeded random bytes at a seeded offset."""
    size = path.stat().st_size
    if how == "truncate":
        os.truncate(path, size // 2)
        return
    rng = random.Random(seed)
    count = min(3000, size)
    offset = rng.randrange(0, max(1, size - count))
    with open(path, "r+b") as handle:
        handle.seek(offset)
        handle.write(rng.randbytes(count))


def read_at_start(store: Path, tmp_path: Path, seed: str) -> Path:
    """An ``.sst`` file of the live generation whose damage (seeded random bytes) the reads of every
    start-up hit: iterating every quad raises — pyoxigraph itself is the judge, not BoleKG."""
    for sst in sorted(live(store).glob("*.sst"), key=lambda p: -p.stat().st_size):
        scratch = tmp_path / f"probe-{sst.name}"
        shutil.copytree(live(store), scratch)
        corrupt(scratch / sst.name, "random", seed)
        reader = ox.Store.read_only(str(scratch))
        try:
            for _ in reader.quads_for_pattern(None, None, None, None):
                pass
        except (OSError, RuntimeError):
            return sst
        finally:
            del reader
            shutil.rmtree(scratch)
    raise AssertionError("no single-file damage reached by iterating the quads")


# --- a damaged pointer: refused, nothing deleted ---------------------------------------------------------


@pytest.mark.parametrize(("case", "text"), [
    ("unknown name", "gen-of-someone-else\n"),
    ("empty", ""),
    ("dangling", "gen-000000000000\n"),
])
def test_a_bad_pointer_is_refused_and_nothing_is_deleted(home: Path, store: Path, case: str, text: str) -> None:
    (store / POINTER).write_text(text)
    before = snapshot(store)
    status, output = start_up(home, store)
    assert status == 2, output
    line = one_line(output)
    assert str(store / POINTER) in line
    assert "Loaded" not in output and "Serving" not in output
    assert f"bolekg store check {store}" in line and "bolekg restore" in line
    assert all(g.name in line for g in generations(store))  # which generations exist
    assert snapshot(store) == before


def test_a_traversal_pointer_creates_nothing_outside(home: Path, tmp_path: Path, written_store: Path) -> None:
    store = tmp_path / "a" / "b" / "c" / "d" / "db"
    shutil.copytree(written_store, store)
    (store / POINTER).write_text("../../../../tmp\n")
    before = snapshot(tmp_path)
    status, output = start_up(home, store)
    assert status == 2, output
    assert "not a generation of this store" in one_line(output)
    assert not (tmp_path / "a" / "tmp").exists()  # where the pointer leads
    assert snapshot(tmp_path) == before


def test_a_missing_pointer_with_generations_is_refused(home: Path, store: Path) -> None:
    (store / POINTER).unlink()
    before = snapshot(store)
    status, output = start_up(home, store)
    assert status == 2, output
    assert "is missing" in one_line(output)
    assert snapshot(store) == before
    # bolekg load too: one line, exit 2, nothing changed
    loaded = run(home, "load", "--store", str(store))
    assert loaded.returncode == 2
    assert "is missing" in one_line(loaded.stderr)
    assert snapshot(store) == before


def test_a_directory_of_other_files_is_not_made_a_store(tmp_path: Path) -> None:
    other = tmp_path / "photos"
    other.mkdir()
    (other / "holiday.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(NotAStore):
        EmbeddedStore(other, validator=small_validator, workers=0)
    assert sorted(p.name for p in other.iterdir()) == ["holiday.jpg"]


def test_a_new_directory_gets_a_complete_first_generation(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "db", validator=small_validator, workers=0)
    store.close()
    names = sorted(p.name for p in (tmp_path / "db").iterdir())
    assert names[0] == POINTER and names[-1] == "lock" and names[1].startswith("gen-"), names
    assert (live(tmp_path / "db") / "CURRENT").exists() and (live(tmp_path / "db") / DIGESTS).exists()


# --- damaged files: refused within bounds, the file named, nothing deleted ---------------------------------


@pytest.mark.parametrize("how", ["truncate", "random"])
def test_a_damaged_sst_file_is_refused_and_named(home: Path, store: Path, how: str) -> None:
    ssts = sorted(live(store).glob("*.sst"))
    damaged = random.Random(f"which-{how}").choice(ssts)
    corrupt(damaged, how, seed=f"bytes-{how}")
    before = snapshot(store)
    status, output = start_up(home, store)
    assert status == 2, output
    line = one_line(output)
    assert str(damaged) in line, line
    assert "Serving" not in output
    assert snapshot(store) == before


def test_damage_in_files_without_digests_is_read_in_a_bounded_child(home: Path, store: Path, tmp_path: Path) -> None:
    """A store whose files were never recorded (an older BoleKG wrote it): the child reading them
    meets RocksDB's checksum error, which names the file — where the start-up's count used to grow
    by 700 MB/s."""
    (live(store) / DIGESTS).unlink()
    damaged = read_at_start(store, tmp_path, seed="start-up")
    corrupt(damaged, "random", seed="start-up")
    before = snapshot(store)
    status, output = start_up(home, store)
    assert status == 2, output
    line = one_line(output)
    assert damaged.name in line and "Corruption" in line, line
    assert snapshot(store) == before


def test_a_reader_past_its_time_is_stopped_and_names_its_files(home: Path, store: Path) -> None:
    """The child's own limit: given 0.05 s it is killed before it has read the store, which is then
    refused with the files it was to verify named — what happens when damage makes reading run away."""
    (live(store) / DIGESTS).unlink()
    before = snapshot(store)
    status, output = start_up(home, store, BOLEKG_STORE_CHECK_TIMEOUT="0.05")
    assert status == 2, output
    line = one_line(output)
    assert "did not finish within 0.05 s" in line, line
    assert all(sst.name in line for sst in live(store).glob("*.sst"))
    assert snapshot(store) == before


def test_a_file_left_by_a_crash_is_not_recorded(store: Path) -> None:
    """An ``.sst`` file RocksDB does not use (a crash's leftover: RocksDB deletes it at opening and may
    give its number to a new file) must not get a digest, or that new file would be called damaged."""
    (live(store) / DIGESTS).unlink()
    (live(store) / "999999.sst").write_bytes(random.Random(7).randbytes(5000))
    EmbeddedStore(store, validator=small_validator, workers=0).close()
    assert not (live(store) / "999999.sst").exists()
    assert "999999.sst" not in (live(store) / DIGESTS).read_text()
    EmbeddedStore(store, validator=small_validator, workers=0).close()  # and it opens again


def test_a_healthy_store_starts_and_records_what_it_verified(home: Path, store: Path) -> None:
    (live(store) / DIGESTS).unlink()
    status, output = start_up(home, store)
    assert status is None and "Serving" in output, output
    recorded = (live(store) / DIGESTS).read_text()
    assert all(sst.name in recorded for sst in live(store).glob("*.sst"))
    assert not (store / "gen-0123456789ab").exists()  # collected once the live one was checked and open


# --- in use -----------------------------------------------------------------------------------------------


@pytest.fixture
def server(home: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """``bolekg serve --store`` of the test's store, with writes on; stopped by PID."""
    started: list[subprocess.Popen[str]] = []

    def start(store: Path) -> tuple[str, subprocess.Popen[str]]:
        port = free_port()
        process = subprocess.Popen([BOLEKG, "serve", "--store", str(store), "--port", str(port)],
                                   env=environment(home, BOLEKG_WRITE_TOKEN="secret"),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started.append(process)  # type: ignore[arg-type]
        root = f"http://127.0.0.1:{port}"
        wait_until_up(f"{root}/openapi.json", process)
        return root, process  # type: ignore[return-value]

    yield start  # type: ignore[misc]
    for process in started:
        stop(process)


def test_a_store_in_use_is_refused_clearly(home: Path, store: Path, server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    server(store)
    backup_file = tmp_path / "b.trig"
    assert run(home, "backup", "--store", str(store), "-o", str(backup_file)).returncode == 0
    before = snapshot(store)
    for args in (["load", "--store", str(store)],
                 ["serve", "--store", str(store), "--port", str(free_port())],
                 ["restore", "--store", str(store), str(backup_file)]):
        refused = run(home, *args)
        assert refused.returncode == 2, (args, refused.stdout, refused.stderr)
        line = one_line(refused.stderr)
        assert f"the store {store} is in use by another process (PID " in line, line
        assert "bolekg serve" in line and "stop it first" in line and "bolekg backup" in line
    assert snapshot(store) == before


# --- store check --------------------------------------------------------------------------------------------


def test_store_check_reports_a_healthy_store(home: Path, store: Path) -> None:
    checked = run(home, "store", "check", str(store))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    out = checked.stdout
    assert f"CURRENT-GENERATION → '{live(store).name}'" in out
    assert f"live {live(store).name}" in out and "gen-0123456789ab" in out
    reader = ox.Store.read_only(str(live(store)))
    counts: dict[str, int] = {}
    for quad in reader.quads_for_pattern(None, None, None, None):
        counts[quad.graph_name.value] = counts.get(quad.graph_name.value, 0) + 1
    del reader
    assert counts[NOTES] == 1
    for graph, count in counts.items():
        assert f"{count:>9}  {graph}" in out
    assert "the data conforms" in out and out.rstrip().endswith("Healthy.")


def test_store_check_reports_damage_and_invalid_data(home: Path, store: Path, tmp_path: Path) -> None:
    before = snapshot(store)
    invalid = tmp_path / "invalid"
    shutil.copytree(store, invalid)
    damaged = sorted(live(store).glob("*.sst"))[3]
    corrupt(damaged, "random", seed="check")
    checked = run(home, "store", "check", str(store))
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert "DAMAGED" in checked.stdout and damaged.name in checked.stdout
    (store / POINTER).write_text("nonsense\n")
    pointer = run(home, "store", "check", str(store))
    assert pointer.returncode == 1 and "not a generation of this store" in pointer.stdout
    assert run(home, "store", "check", str(tmp_path / "nowhere")).returncode == 2
    # readable, but the data breaks the shapes (written behind the gate's back)
    writer = ox.Store(str(live(invalid)))
    writer.add(ox.Quad(ox.NamedNode(f"{EX}w1"), ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                       ox.NamedNode(f"{EX}Widget"), ox.NamedNode(NOTES)))
    writer.flush()
    del writer
    judged = run(home, "store", "check", str(invalid))
    assert judged.returncode == 1, judged.stdout
    assert "does NOT conform" in judged.stdout and "A widget needs a label" in judged.stdout
    assert snapshot(invalid / "gen-0123456789ab") == {k.removeprefix("gen-0123456789ab/"): v for k, v in before.items()
                                                     if k.startswith("gen-0123456789ab/")}


# --- backup and restore ---------------------------------------------------------------------------------------


def per_graph(dataset: Dataset) -> dict[str, Graph]:
    graphs: dict[str, Graph] = {}
    for s, p, o, g in dataset.quads((None, None, None, None)):
        graphs.setdefault(str(g), Graph()).add((s, p, o))
    return graphs


def assert_same_graph(name: str, expected: Graph, actual: Graph) -> None:
    if not isomorphic(expected, actual):
        _, missing, extra = graph_diff(to_isomorphic(expected), to_isomorphic(actual))
        raise AssertionError(f"{name}: {len(missing)} triples missing, {len(extra)} extra, "
                             f"e.g. {sorted(missing)[:3]} / {sorted(extra)[:3]}")


@pytest.mark.parametrize(("suffix", "parser"), [("trig", "trig"), ("nq", "nquads")])
def test_backup_while_a_server_holds_the_store(home: Path, store: Path, server, tmp_path: Path,  # type: ignore[no-untyped-def]
                                               suffix: str, parser: str) -> None:
    root, _ = server(store)
    write = fetch(f"{root}/sparql", "POST", {"Authorization": "Bearer secret",
                                              "Content-Type": "application/sparql-update"},
                  f'INSERT DATA {{ GRAPH <{NOTES}> {{ <{EX}n2> <{EX}text> "written while serving" }} }}'.encode())
    assert write.status in (200, 204), write.text
    target = tmp_path / f"backup.{suffix}"
    made = run(home, "backup", "--store", str(store), "-o", str(target))
    assert made.returncode == 0, made.stderr
    assert "Backed up" in made.stdout
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []
    backed = Dataset()
    backed.parse(target, format=parser)
    graphs = per_graph(backed)
    served = fetch(f"{root}/sparql?" + urllib.parse.urlencode({"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g {} }"}),
                   headers={"Accept": "text/tab-separated-values"}).text.split()[1:]
    names = sorted(g.strip("<>") for g in served)
    assert sorted(graphs) == names and NOTES in names
    for name in names:
        reply = fetch(f"{root}/store?graph={urllib.parse.quote(name, safe='')}",
                      headers={"Accept": "application/n-triples"})
        assert reply.status == 200
        assert_same_graph(name, Graph().parse(data=reply.body, format="nt"), graphs[name])
    assert (URIRef(f"{EX}n2"), None, None) in graphs[NOTES]


def test_restore_round_trip_repairs_a_damaged_store(home: Path, store: Path, tmp_path: Path) -> None:
    original = content(store)
    backup_file = tmp_path / "backup.trig"
    assert run(home, "backup", "--store", str(store), "-o", str(backup_file)).returncode == 0
    # into a new directory: the same quads
    fresh = tmp_path / "fresh"
    restored = run(home, "restore", "--store", str(fresh), str(backup_file))
    assert restored.returncode == 0, restored.stderr
    assert content(fresh) == original
    # into the damaged store, which then starts again
    old = live(store)
    corrupt(sorted(old.glob("*.sst"))[-1], "random", seed="restore")
    assert start_up(home, store)[0] == 2
    repaired = run(home, "restore", "--store", str(store), str(backup_file))
    assert repaired.returncode == 0, repaired.stderr
    assert live(store) != old and old.exists()  # the damaged generation stays until the next opening
    assert content(store) == original
    assert run(home, "store", "check", str(store)).returncode == 0
    status, output = start_up(home, store)
    assert status is None and "Serving" in output, output
    assert not old.exists()


def test_restore_refuses_invalid_or_unreadable_files(home: Path, store: Path, tmp_path: Path) -> None:
    backup_file = tmp_path / "backup.nq"
    assert run(home, "backup", "--store", str(store), "-o", str(backup_file)).returncode == 0
    before = snapshot(store)
    invalid = tmp_path / "invalid.nq"
    invalid.write_bytes(backup_file.read_bytes() + f"<{EX}w1> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
                        f"<{EX}Widget> <{NOTES}> .\n".encode())
    refused = run(home, "restore", "--store", str(store), str(invalid))
    assert refused.returncode == 1, refused.stderr
    assert "A widget needs a label" in refused.stdout and "unchanged" in refused.stderr
    assert snapshot(store) == before
    broken = tmp_path / "broken.nq"
    broken.write_text("<not a quad\n")
    unreadable = run(home, "restore", "--store", str(store), str(broken))
    assert unreadable.returncode == 2
    one_line(unreadable.stderr)
    assert snapshot(store) == before


def test_the_refusals_are_os_errors_with_the_files_named(store: Path) -> None:
    """What ``bolekg load`` and ``bolekg serve`` print as one line with exit status 2 (``cli.main``
    and the serve start-up turn an ``OSError`` into that)."""
    damaged = sorted(live(store).glob("*.sst"))[0]
    corrupt(damaged, "truncate", seed="")
    with pytest.raises(StoreDamaged) as refused:
        EmbeddedStore(store, validator=small_validator, workers=0)
    assert isinstance(refused.value, OSError) and isinstance(refused.value, StoreRefused)
    assert refused.value.files == (damaged.name,)
