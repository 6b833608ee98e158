"""medimg.fetch, tested for real against an HTTP server on 127.0.0.1.

The server serves archives the tests make (a small dataset in the Kaggle layout), honours
``Range`` requests, and can cut a transfer short or ignore ``Range``, as real servers do.
"""

import io
import json
import os
import sys
import tarfile
import threading
import types
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from medimg import dataset, errors, fetch, formats, paths, synthetic

SMALL = {"train": {"NORMAL": 4, "bacteria": 3, "virus": 2},
         "test": {"NORMAL": 2, "bacteria": 1, "virus": 1},
         "val": {"NORMAL": 1, "bacteria": 1, "virus": 0}}


# --- The server -------------------------------------------------------------------------------

class Server:
    """Files by URL path; ``cut`` maps a path to how many bytes to send before hanging up
    (once); ``ignore_range`` lists paths whose server always sends the whole file."""

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.cut: dict[str, int] = {}
        self.ignore_range: set[str] = set()
        self.bad_range: set[str] = set()        # answer 206 with a Content-Range we cannot use
        self.no_length: set[str] = set()        # send no Content-Length (a stream)
        self.requests: list[tuple[str, str | None]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                range_header = self.headers.get("Range")
                server.requests.append((self.path, range_header))
                data = server.files.get(self.path)
                if data is None:
                    self.send_error(404)
                    return
                start = 0
                if self.path in server.bad_range:
                    self.send_response(206)
                    self.send_header("Content-Range", "bytes garbled")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                if range_header and self.path not in server.ignore_range:
                    start = int(range_header.split("=")[1].split("-")[0])
                    if start >= len(data):
                        self.send_response(416)
                        self.send_header("Content-Range", f"bytes */{len(data)}")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                body = data[start:]
                if self.path not in server.no_length:
                    self.send_header("Content-Length", str(len(body)))
                else:
                    self.close_connection = True     # the end of the body is the end
                self.end_headers()
                if self.path in server.cut:
                    self.wfile.write(body[: server.cut.pop(self.path)])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # a client that stops reading (an oversize body refused) is expected here
        self.httpd.handle_error = lambda request, address: None
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.stop()


# --- Archives ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def dataset_zip(tmp_path_factory) -> bytes:
    """A zip laid out like Kaggle's: chest_xray/{train,test,val}, __MACOSX beside it."""
    folder = tmp_path_factory.mktemp("layout")
    synthetic.make_replica(folder, SMALL)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for path in sorted(folder.rglob("*")):
            zf.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def zip_with(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def tar_with(members: list[tarfile.TarInfo], data: bytes = b"x") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tf:
        for info in members:
            if info.isfile():
                info.size = len(data)
                tf.addfile(info, io.BytesIO(data))
            else:
                tf.addfile(info)
    return buffer.getvalue()


def sha(data: bytes) -> str:
    import hashlib
    return hashlib.sha256(data).hexdigest()


# --- Download, verify, resume -------------------------------------------------------------------

def test_download_verifies_and_unpacks(server, tmp_path, dataset_zip):
    server.files["/data/chest_xray.zip"] = dataset_zip
    entry = fetch.Entry("chest_xray.zip", len(dataset_zip), sha(dataset_zip))
    archive = fetch.download(server.url + "/data/chest_xray.zip", tmp_path / "dl" / "chest_xray.zip",
                             entry)
    assert archive.read_bytes() == dataset_zip
    assert sorted(p.name for p in archive.parent.iterdir()) == ["chest_xray.zip"]
    root = fetch.unpack(archive, tmp_path / "chest_xray")
    index = dataset.index_dataset(root)
    assert root == tmp_path / "chest_xray" and len(index.images) == 15
    assert not (root / "__MACOSX").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chest_xray", "dl"]   # no temp left


def test_progress_is_reported_and_printed(server, tmp_path, dataset_zip, capsys):
    server.files["/a.zip"] = dataset_zip
    seen = []
    fetch.download(server.url + "/a.zip", tmp_path / "a.zip",
                   progress=lambda got, total: seen.append((got, total)))
    assert seen[-1] == (len(dataset_zip), len(dataset_zip))
    assert [got for got, _ in seen] == sorted(got for got, _ in seen)
    printer = fetch.ProgressPrinter(step=1000)
    printer(500, 4000)
    printer(2100, 4000)
    printer(2500, None)
    printer(3000, None)
    assert capsys.readouterr().err.splitlines() == ["  0 MB of 0 MB (52%)", "  0 MB"]


def test_a_file_already_verified_is_not_downloaded_again(server, tmp_path, dataset_zip):
    server.files["/a.zip"] = dataset_zip
    entry = fetch.Entry("a.zip", len(dataset_zip), sha(dataset_zip))
    fetch.download(server.url + "/a.zip", tmp_path / "a.zip", entry)
    fetch.download(server.url + "/a.zip", tmp_path / "a.zip", entry)
    assert len(server.requests) == 1


def test_an_old_file_of_the_wrong_size_is_removed(server, tmp_path, dataset_zip):
    server.files["/a.zip"] = dataset_zip
    (tmp_path / "a.zip").write_bytes(b"an older, shorter download")
    entry = fetch.Entry("a.zip", len(dataset_zip), None)
    with pytest.raises(errors.ChecksumError, match="removed"):
        fetch.download(server.url + "/a.zip", tmp_path / "a.zip", entry)
    fetch.download(server.url + "/a.zip", tmp_path / "a.zip", entry)
    assert (tmp_path / "a.zip").read_bytes() == dataset_zip


def test_checksum_mismatch_is_refused_and_nothing_is_kept(server, tmp_path, dataset_zip):
    server.files["/a.zip"] = dataset_zip
    wrong = fetch.Entry("a.zip", None, "0" * 64)
    with pytest.raises(errors.ChecksumError, match="a.zip"):
        fetch.download(server.url + "/a.zip", tmp_path / "a.zip", wrong)
    assert list(tmp_path.iterdir()) == []


def test_more_bytes_than_the_manifest_says_is_refused(server, tmp_path, dataset_zip):
    server.files["/a.zip"] = dataset_zip
    entry = fetch.Entry("a.zip", len(dataset_zip) - 10, None)
    with pytest.raises(errors.ChecksumError, match="more than"):
        fetch.download(server.url + "/a.zip", tmp_path / "a.zip", entry)
    assert list(tmp_path.iterdir()) == []


def test_interrupted_transfer_is_resumed(server, tmp_path, dataset_zip):
    server.files["/a.zip"] = dataset_zip
    server.cut["/a.zip"] = 1000
    entry = fetch.Entry("a.zip", len(dataset_zip), sha(dataset_zip))
    with pytest.raises(errors.DownloadInterruptedError, match="run the same command again") as caught:
        fetch.download(server.url + "/a.zip", tmp_path / "a.zip", entry)
    part = tmp_path / "a.zip.part"
    # The message says what was kept, and where, for the reader who wonders.
    assert "after 1000 bytes" in str(caught.value) and str(part) in str(caught.value)
    assert part.stat().st_size == 1000 and not (tmp_path / "a.zip").exists()
    fetch.download(server.url + "/a.zip", tmp_path / "a.zip", entry)
    assert (tmp_path / "a.zip").read_bytes() == dataset_zip and not part.exists()
    assert server.requests[-1] == ("/a.zip", "bytes=1000-")


def test_resume_without_a_known_size_and_a_server_that_ignores_range(server, tmp_path, dataset_zip):
    server.files["/a.zip"] = dataset_zip
    server.cut["/a.zip"] = 500
    server.ignore_range.add("/a.zip")
    with pytest.raises(errors.DownloadInterruptedError):
        fetch.download(server.url + "/a.zip", tmp_path / "a.zip")
    fetch.download(server.url + "/a.zip", tmp_path / "a.zip")       # starts again from 0
    assert (tmp_path / "a.zip").read_bytes() == dataset_zip
    assert server.requests[-1] == ("/a.zip", "bytes=500-")


def test_a_complete_part_file_is_not_asked_for_again(server, tmp_path, dataset_zip):
    server.files["/a.zip"] = dataset_zip
    (tmp_path / "a.zip.part").write_bytes(dataset_zip)
    entry = fetch.Entry("a.zip", len(dataset_zip), sha(dataset_zip))
    fetch.download(server.url + "/a.zip", tmp_path / "a.zip", entry)
    assert server.requests == [] and (tmp_path / "a.zip").read_bytes() == dataset_zip


def test_a_stale_part_file_longer_than_the_file_starts_over(server, tmp_path, dataset_zip):
    server.files["/a.zip"] = dataset_zip
    (tmp_path / "a.zip.part").write_bytes(b"x" * (len(dataset_zip) + 5))
    fetch.download(server.url + "/a.zip", tmp_path / "a.zip")
    assert (tmp_path / "a.zip").read_bytes() == dataset_zip
    assert [r[1] for r in server.requests] == [f"bytes={len(dataset_zip) + 5}-", None]


def test_a_reply_that_cannot_be_placed_is_not_appended(server, tmp_path, dataset_zip):
    server.files["/a.zip"] = dataset_zip
    (tmp_path / "a.zip.part").write_bytes(dataset_zip[:300])
    server.bad_range.add("/a.zip")
    with pytest.raises(errors.ChecksumError, match="only part of the file"):
        fetch.download(server.url + "/a.zip", tmp_path / "a.zip")
    assert [r[1] for r in server.requests] == ["bytes=300-", None]     # tried again from 0
    assert not (tmp_path / "a.zip").exists()


def test_a_manifest_with_one_entry_applies_whatever_its_name(server, tmp_path, dataset_zip):
    server.files["/renamed.zip"] = dataset_zip
    manifest = tmp_path / "m.json"
    manifest.write_text(json.dumps({"files": [
        {"name": "ChestXRay2017.zip", "bytes": len(dataset_zip), "sha256": sha(dataset_zip)}]}))
    folder = fetch.fetch(server.url + "/renamed.zip", manifest=manifest,
                         target=tmp_path / "cx", downloads=tmp_path / "dl")
    assert (folder / "train").is_dir()


def test_a_short_reply_is_an_interruption(server, tmp_path, dataset_zip):
    server.files["/a.zip"] = dataset_zip[:100]
    with pytest.raises(errors.DownloadInterruptedError, match="less than expected"):
        fetch.download(server.url + "/a.zip", tmp_path / "a.zip",
                       fetch.Entry("a.zip", len(dataset_zip), None))
    assert (tmp_path / "a.zip.part").stat().st_size == 100


def test_no_server_is_an_interruption(tmp_path):
    with pytest.raises(errors.DownloadInterruptedError, match="after 0 bytes"):
        fetch.download("http://127.0.0.1:9/none.zip", tmp_path / "none.zip", timeout=2)


def test_missing_file_is_an_http_error(server, tmp_path):
    with pytest.raises(errors.DownloadError, match=r"missing\.zip.*404 Not Found.*URL"):
        fetch.download(server.url + "/missing.zip", tmp_path / "missing.zip")
    assert list(tmp_path.iterdir()) == []


# --- Safe unpacking ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["../evil.txt", "chest_xray/../../evil.txt", "/tmp/evil.txt",
                                  "C:/evil.txt", "..\\evil.txt"])
def test_zip_slip_is_refused_and_nothing_is_written(tmp_path, name):
    archive = tmp_path / "bad.zip"
    archive.write_bytes(zip_with({"chest_xray/train/NORMAL/IM-0001-0001.jpeg": b"x", name: b"x"}))
    with pytest.raises(errors.UnsafeArchiveError, match="outside the target"):
        fetch.unpack(archive, tmp_path / "out" / "chest_xray")
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []
    assert not (tmp_path / "evil.txt").exists()


def test_a_link_in_a_zip_is_refused(tmp_path):
    info = zipfile.ZipInfo("chest_xray/train/link")
    info.external_attr = (0o120777 << 16)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr(info, "/etc/passwd")
    (tmp_path / "link.zip").write_bytes(buffer.getvalue())
    with pytest.raises(errors.UnsafeArchiveError, match="link"):
        fetch.check_archive(tmp_path / "link.zip")


def test_tar_slip_and_tar_links_are_refused(tmp_path):
    climbing = tarfile.TarInfo("chest_xray/../../evil.txt")
    (tmp_path / "climb.tgz").write_bytes(tar_with([climbing]))
    with pytest.raises(errors.UnsafeArchiveError, match="outside"):
        fetch.unpack(tmp_path / "climb.tgz", tmp_path / "out")
    link = tarfile.TarInfo("chest_xray/train/passwd")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    (tmp_path / "link.tgz").write_bytes(tar_with([link]))
    with pytest.raises(errors.UnsafeArchiveError, match="link or device"):
        fetch.unpack(tmp_path / "link.tgz", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_safe_tar_is_unpacked(tmp_path):
    folder = tmp_path / "made"
    synthetic.make_replica(folder, SMALL, clutter=False)
    with tarfile.open(tmp_path / "ok.tar.gz", "w:gz") as tf:
        tf.add(folder / "chest_xray", arcname="chest_xray")
    assert "chest_xray/train" in fetch.check_archive(tmp_path / "ok.tar.gz")
    root = fetch.unpack(tmp_path / "ok.tar.gz", tmp_path / "data" / "chest_xray")
    assert len(dataset.index_dataset(root).images) == 15


def test_not_an_archive_is_refused(tmp_path):
    (tmp_path / "x.zip").write_bytes(b"<html>Sign in to download</html>")
    with pytest.raises(errors.UnsafeArchiveError, match="neither a zip nor a tar"):
        fetch.unpack(tmp_path / "x.zip", tmp_path / "out")


def test_an_archive_without_the_dataset_is_refused(tmp_path):
    (tmp_path / "other.zip").write_bytes(zip_with({"photos/cat.jpeg": b"x"}))
    with pytest.raises(errors.DatasetNotFoundError, match="no train/ and test/"):
        fetch.unpack(tmp_path / "other.zip", tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.zip"]


def test_an_existing_dataset_is_not_overwritten_unless_asked(tmp_path, dataset_zip):
    archive = tmp_path / "a.zip"
    archive.write_bytes(dataset_zip)
    target = tmp_path / "chest_xray"
    target.mkdir()
    (target / "mine.txt").write_text("my notes")
    with pytest.raises(FileExistsError, match="overwrite"):
        fetch.unpack(archive, target)
    assert (target / "mine.txt").read_text() == "my notes"
    fetch.unpack(archive, target, overwrite=True)
    assert not (target / "mine.txt").exists() and (target / "train").is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.zip", "chest_xray"]


# --- Manifests, fetch and the command line --------------------------------------------------------

def test_manifest_round_trip_and_verify(tmp_path):
    (tmp_path / "a.zip").write_bytes(b"hello")
    manifest = fetch.write_manifest(tmp_path / "manifest.json", [tmp_path / "a.zip"])
    entries = fetch.read_manifest(manifest)
    assert entries["a.zip"] == fetch.Entry("a.zip", 5, sha(b"hello"))
    fetch.verify(tmp_path / "a.zip", entries["a.zip"])
    (tmp_path / "a.zip").write_bytes(b"hellO")
    with pytest.raises(errors.ChecksumError, match="SHA-256"):
        fetch.verify(tmp_path / "a.zip", entries["a.zip"])
    with pytest.raises(errors.ChecksumError, match="6 bytes"):
        (tmp_path / "a.zip").write_bytes(b"hello!")
        fetch.verify(tmp_path / "a.zip", entries["a.zip"])


@pytest.mark.parametrize("text", ["not json", '{"files": [{"bytes": 3}]}', '{"other": 1}', "[]"])
def test_a_bad_manifest_is_named(tmp_path, text):
    (tmp_path / "m.json").write_text(text)
    with pytest.raises(errors.ManifestError, match="m.json"):
        fetch.read_manifest(tmp_path / "m.json")


def test_a_missing_manifest_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        fetch.read_manifest(tmp_path / "absent.json")


def test_fetch_end_to_end_with_a_manifest(server, tmp_path, dataset_zip, monkeypatch):
    monkeypatch.setenv(paths.DATA_ENV, str(tmp_path / "data"))
    monkeypatch.delenv(paths.DATASET_ENV, raising=False)
    server.files["/files/ChestXRay.zip"] = dataset_zip
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"files": [
        {"name": "ChestXRay.zip", "bytes": len(dataset_zip), "sha256": sha(dataset_zip)},
        {"name": "other.zip", "bytes": 1, "sha256": "0" * 64}]}))
    folder = fetch.fetch(server.url + "/files/ChestXRay.zip", manifest=manifest)
    assert folder == paths.dataset_dir() == tmp_path / "data" / "chest_xray"
    assert (tmp_path / "data" / "downloads" / "ChestXRay.zip").is_file()
    assert synthetic.dataset_or_synthetic() == folder
    with pytest.raises(FileExistsError):
        fetch.fetch(server.url + "/files/ChestXRay.zip", manifest=manifest)
    assert len(server.requests) == 1          # refused before downloading anything


def test_fetch_with_a_manifest_that_lacks_the_file(server, tmp_path):
    manifest = tmp_path / "m.json"
    manifest.write_text(json.dumps({"files": [{"name": "a", "bytes": 1, "sha256": None},
                                              {"name": "b", "bytes": 1, "sha256": None}]}))
    with pytest.raises(errors.ManifestError, match="no entry named 'c.zip'"):
        fetch.fetch(server.url + "/c.zip", manifest=manifest, target=tmp_path / "t",
                    downloads=tmp_path / "d")


def test_fetch_needs_exactly_one_source():
    with pytest.raises(ValueError, match="exactly one"):
        fetch.fetch()
    with pytest.raises(ValueError, match="exactly one"):
        fetch.fetch("http://127.0.0.1/a.zip", kaggle=True)


def test_command_line(server, tmp_path, dataset_zip, capsys, monkeypatch):
    monkeypatch.setenv(paths.DATA_ENV, str(tmp_path / "data"))  # downloads go in there
    server.files["/a.zip"] = dataset_zip
    target = tmp_path / "chest_xray"
    code = fetch.main(["--url", server.url + "/a.zip", "--sha256", sha(dataset_zip).upper(),
                       "--size", str(len(dataset_zip)), "--to", str(target)])
    assert code == 0 and str(target) in capsys.readouterr().out
    code = fetch.main(["--url", server.url + "/a.zip", "--to", str(target)])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("error: ") and str(target) in err


def test_kaggle_without_the_package_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "kaggle", None)
    with pytest.raises(errors.MissingDependencyError, match="pip install kaggle"):
        fetch.download_kaggle(tmp_path)


def test_kaggle_route_with_a_stand_in_api(monkeypatch, tmp_path, dataset_zip):
    calls = []

    def download_files(name, path, unzip, quiet):
        calls.append((name, unzip))
        (Path(path) / "chest-xray-pneumonia.zip").write_bytes(dataset_zip)
    fake = types.SimpleNamespace(api=types.SimpleNamespace(dataset_download_files=download_files))
    monkeypatch.setitem(sys.modules, "kaggle", fake)
    folder = fetch.fetch(kaggle=True, sha256=sha(dataset_zip), target=tmp_path / "cx",
                         downloads=tmp_path / "dl")
    assert calls == [(fetch.KAGGLE_DATASET, False)]
    assert len(dataset.index_dataset(folder).images) == 15
    with pytest.raises(errors.ChecksumError):
        fetch.fetch(kaggle=True, sha256="1" * 64, target=tmp_path / "cx2",
                    downloads=tmp_path / "dl2")


def test_kaggle_api_that_leaves_nothing(monkeypatch, tmp_path):
    fake = types.SimpleNamespace(api=types.SimpleNamespace(
        dataset_download_files=lambda *a, **k: None))
    monkeypatch.setitem(sys.modules, "kaggle", fake)
    with pytest.raises(FileNotFoundError, match="left no such file"):
        fetch.download_kaggle(tmp_path)


# --- Hostile servers and archives, and a swap that fails at each step -------------------------

@pytest.mark.parametrize("with_length", [True, False])
def test_a_body_longer_than_the_manifest_stops_at_the_expected_size(server, tmp_path,
                                                                   with_length):
    body = bytes(8 * 1024 * 1024)
    server.files["/big.zip"] = body
    if not with_length:
        server.no_length.add("/big.zip")
    seen = []
    entry = fetch.Entry("big.zip", 1024 * 1024, None)
    with pytest.raises(errors.ChecksumError, match=r"big\.zip.*more than the 1,048,576"):
        fetch.download(server.url + "/big.zip", tmp_path / "big.zip", entry,
                       progress=lambda got, total: seen.append(got))
    assert max(seen, default=0) <= entry.bytes          # never wrote past the expected size
    assert list(tmp_path.iterdir()) == []


def test_a_stream_of_unknown_size_stops_at_the_budget(server, tmp_path):
    server.files["/endless.zip"] = bytes(3 * 1024 * 1024)
    server.no_length.add("/endless.zip")
    with formats.limits(archive_bytes=1024 * 1024), \
            pytest.raises(errors.ChecksumError, match="budget"):
        fetch.download(server.url + "/endless.zip", tmp_path / "endless.zip")
    assert list(tmp_path.iterdir()) == []


def test_a_truncated_tar_gz_is_named_and_the_command_line_says_one_line(tmp_path, capsys):
    folder = tmp_path / "made"
    synthetic.make_replica(folder, SMALL, clutter=False)
    with tarfile.open(tmp_path / "ok.tar.gz", "w:gz") as tf:
        tf.add(folder / "chest_xray", arcname="chest_xray")
    whole = (tmp_path / "ok.tar.gz").read_bytes()
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(errors.TruncatedFileError, match=r"cut\.tar\.gz.*cut short"):
        fetch.unpack(cut, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_the_command_line_reports_http_and_archive_errors_in_one_line(server, tmp_path, capsys,
                                                                      monkeypatch):
    monkeypatch.setenv(paths.DATA_ENV, str(tmp_path / "data"))
    code = fetch.main(["--url", server.url + "/missing.zip", "--to", str(tmp_path / "x")])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "404" in err and "Traceback" not in err
    server.files["/cut.tar.gz"] = io.BytesIO(b"\x1f\x8b\x08\x00" + bytes(50)).getvalue()
    code = fetch.main(["--url", server.url + "/cut.tar.gz", "--to", str(tmp_path / "y")])
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1 and "cut short" in err


def test_a_zip_bomb_is_refused_before_anything_is_written(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("chest_xray/train/NORMAL/IM-0001-0001.jpeg", bytes(20 * 1024 * 1024))
    bomb = tmp_path / "bomb.zip"
    bomb.write_bytes(buffer.getvalue())
    assert bomb.stat().st_size < 100_000
    with pytest.raises(errors.ArchiveTooLargeError, match="decompression bomb"):
        fetch.unpack(bomb, tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bomb.zip"]


def test_archive_size_and_member_budgets(tmp_path, dataset_zip):
    archive = tmp_path / "a.zip"
    archive.write_bytes(dataset_zip)
    with formats.limits(archive_members=5), \
            pytest.raises(errors.ArchiveTooLargeError, match="more than 5 members"):
        fetch.unpack(archive, tmp_path / "out")
    with formats.limits(archive_bytes=100), \
            pytest.raises(errors.ArchiveTooLargeError, match="more than 100 bytes"):
        fetch.unpack(archive, tmp_path / "out")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.zip"]


def _old_dataset(target):
    target.mkdir(parents=True)
    (target / "mine.txt").write_text("my notes")


def _failing_rename(monkeypatch, fail_at: set[int]):
    """Make the n-th os.rename calls (counting from 1) fail, as a full disk or a lock would."""
    real_rename, calls = os.rename, []

    def rename(src, dst):
        calls.append((src, dst))
        if len(calls) in fail_at:
            raise OSError(28, "No space left on device (injected)")
        return real_rename(src, dst)

    monkeypatch.setattr(paths.os, "rename", rename)
    return calls


@pytest.mark.parametrize("step", ["unpacking", "moving the old copy aside",
                                  "moving the new copy in"])
def test_a_failure_at_any_step_of_the_swap_keeps_the_old_dataset(tmp_path, dataset_zip,
                                                                 monkeypatch, step):
    archive = tmp_path / "a.zip"
    archive.write_bytes(dataset_zip)
    target = tmp_path / "data" / "chest_xray"
    _old_dataset(target)
    if step == "unpacking":
        monkeypatch.setattr(fetch.zipfile.ZipFile, "extractall",
                            lambda self, path: (_ for _ in ()).throw(OSError("disk full")))
    else:
        _failing_rename(monkeypatch, {1} if step == "moving the old copy aside" else {2})
    with pytest.raises(OSError):
        fetch.unpack(archive, target, overwrite=True)
    assert (target / "mine.txt").read_text() == "my notes"        # the old copy, untouched
    assert sorted(p.name for p in target.iterdir()) == ["mine.txt"]
    assert sorted(p.name for p in target.parent.iterdir()) == ["chest_xray"]  # no leftovers


def test_when_even_putting_back_fails_the_old_dataset_is_kept_and_named(tmp_path, dataset_zip,
                                                                        monkeypatch):
    archive = tmp_path / "a.zip"
    archive.write_bytes(dataset_zip)
    target = tmp_path / "data" / "chest_xray"
    _old_dataset(target)
    _failing_rename(monkeypatch, {2, 3})        # the new copy cannot move in, nor the old back
    with pytest.raises(OSError, match="safe in") as caught:
        fetch.unpack(archive, target, overwrite=True)
    kept = Path(str(caught.value).split("safe in ")[1].split(": move it")[0])
    assert (kept / "mine.txt").read_text() == "my notes"


def test_overwrite_with_splits_at_the_top_of_the_archive_leaves_nothing_old_inside(tmp_path):
    archive = tmp_path / "top.zip"
    archive.write_bytes(zip_with({"train/NORMAL/IM-0001-0001.jpeg": b"x",
                                  "test/PNEUMONIA/person1_virus_1.jpeg": b"x"}))
    target = tmp_path / "chest_xray"
    _old_dataset(target)
    fetch.unpack(archive, target, overwrite=True)
    assert sorted(p.name for p in target.iterdir()) == ["test", "train"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chest_xray", "top.zip"]
