"""The built wheel carries everything the library reads at run time."""

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (whl,) = out.glob("*.whl")
    return whl


def test_wheel_holds_the_bundled_data(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for f in ("complaints.csv", "emergencies.csv", "user_dict.txt", "stopwords.txt"):
        assert f"hotline_classify/data/{f}" in names


def test_wheel_routes_in_a_fresh_environment(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    subprocess.run([py, "-m", "pip", "install", "-q", str(wheel)], check=True, capture_output=True)
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    env = {
        "PATH": f"{env_dir / 'bin'}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "HOTLINE_CLASSIFY_CACHE": str(tmp_path / "cache"),
    }
    code = (
        "import hotline_classify, pathlib;"
        "assert 'site-packages' in hotline_classify.__file__;"
        "from hotline_classify import HotlineClassifier as H;"
        "print(H.default().route('在网店买的手机是假货，商家拒绝退款').hotline)"
    )
    out = subprocess.run([py, "-c", code], cwd=workdir, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "12315"
    cli = subprocess.run(
        [env_dir / "bin" / "hotline-classify", "route", "小区停水三天"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
    )
    assert cli.returncode == 0, cli.stderr
    assert cli.stdout.startswith("12345")
