"""The production install: the wheel carries the compiled catalogues, templates, static files and
migrations, and the installed package serves the site in Finnish from any folder.

The end-to-end test (build the wheel from a clean copy of the checkout, install it in a fresh
virtualenv, ``flask --app pb.wsgi:app db upgrade`` and ``gunicorn 'pb.wsgi:app'`` from another
folder) takes about half a minute and installs the dependencies from the package index, so it runs
only with PB_PACKAGING_TEST=1, as CI's last step does (.ci/run).
"""

import os
import runpy
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo

from pb.config import PROJECT_ROOT

ROOT = Path(__file__).resolve().parents[2]


def _setup_module():
    return runpy.run_path(str(ROOT / "setup.py"), run_name="setup_under_test")


def test_in_the_checkout_the_site_files_are_at_the_top():
    assert PROJECT_ROOT == ROOT
    assert all((PROJECT_ROOT / name).is_dir() for name in ("templates", "static", "migrations"))


def test_the_build_compiles_every_catalogue(tmp_path):
    _setup_module()["compile_catalogues"](ROOT / "pb" / "translations", tmp_path)
    with open(tmp_path / "fi" / "LC_MESSAGES" / "messages.mo", "rb") as mo:
        assert read_mo(mo).get("Log in").string == "Kirjaudu sisään"
    with open(tmp_path / "sv" / "LC_MESSAGES" / "messages.mo", "rb") as mo:
        assert read_mo(mo).get("Log in").string == "Logga in"


def test_a_broken_catalogue_fails_the_build(tmp_path):
    source = tmp_path / "source" / "fi" / "LC_MESSAGES"
    source.mkdir(parents=True)
    (source / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "%(count)s ideas"\nmsgstr "%(maara)s ideaa"\n', encoding="utf-8")
    with pytest.raises(SystemExit, match="could not compile"):
        _setup_module()["compile_catalogues"](tmp_path / "source", tmp_path / "built")


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, check=False, **kwargs)
    assert result.returncode == 0, f"{command} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _clean_copy_of_the_checkout(target):
    """The files a fresh clone has (tracked and new, not ignored): no .mo, no build/, no instance/."""
    listed = _run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT)
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)


@pytest.mark.skipif(os.environ.get("PB_PACKAGING_TEST") != "1", reason="CI's packaging step (PB_PACKAGING_TEST=1)")
def test_the_installed_wheel_serves_the_site_in_finnish_from_another_folder(tmp_path):
    source, wheels, elsewhere = tmp_path / "source", tmp_path / "wheels", tmp_path / "elsewhere"
    elsewhere.mkdir()
    _clean_copy_of_the_checkout(source)
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", str(wheels), str(source)])
    (wheel,) = wheels.glob("pb-*.whl")
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    _run([str(venv / "bin" / "pip"), "install", "--quiet", str(wheel)])

    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("PB_", "FLASK_", "PYTHON")) and name not in ("REDIS_URL", "DATABASE_URL")}
    env.update(SECRET_KEY="packaging-test-secret", DATABASE_URL=f"sqlite:///{tmp_path / 'pb.sqlite'}")
    where = _run([str(venv / "bin" / "python"), "-c", "import pb; print(pb.__file__)"], cwd=elsewhere, env=env)
    assert Path(where.strip()).is_relative_to(venv), where
    _run([str(venv / "bin" / "flask"), "--app", "pb.wsgi:app", "db", "upgrade"], cwd=elsewhere, env=env)
    _run([str(venv / "bin" / "pb-worker"), "--help"], cwd=elsewhere, env=env)

    port = _free_port()
    with open(tmp_path / "gunicorn.log", "w+") as log:
        server = subprocess.Popen([str(venv / "bin" / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1",
                                   "pb.wsgi:app"], cwd=elsewhere, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            home = _get_when_up(port, "/", server, log)
            assert '<html lang="fi">' in home
            assert "Kirjaudu sisään" in home and "Siirry pääsisältöön" in home  # "Log in", "Skip to main content"
            assert "body" in _get_when_up(port, "/static/css/pb.css", server, log)
        finally:
            server.terminate()
            server.wait(timeout=30)


def _get_when_up(port, path, server, log, seconds=60):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Accept-Language": "fi"})
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.status == 200
                return response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            log.seek(0)
            pytest.fail(f"{path} answered {error.code}:\n{log.read()}")
        except OSError:
            log.seek(0)
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not serve {path}:\n{log.read()}")
            time.sleep(0.2)
