"""medimg.doctor: the setup self-check, here and with each thing broken in turn."""

import subprocess
import sys

import pytest

from medimg import doctor, paths


@pytest.fixture
def no_dataset(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.DATASET_ENV, str(tmp_path / "nowhere"))


def test_this_environment_has_everything_the_book_needs(no_dataset):
    result = doctor.report()
    assert result.ok, str(result)
    names = {check.name for check in result.checks}
    assert {"Python", "numpy", "pydicom", "pylibjpeg-libjpeg", "dicom-anonymizer"} <= names
    assert "JPEG-LS Lossless Image Compression" in names
    assert any(name.startswith("font ") for name in names)
    text = doctor.summary(result)
    assert "packages at the pinned versions" in text and "numpy 2." in text
    assert "pillow (8-bit samples only)" in str(result)   # not counted for 12-bit JPEG
    assert max(len(line) for line in text.splitlines()) <= 76     # fits a printed page
    assert "/work/" not in text and str(paths.data_dir()) not in text   # no machine paths


def test_a_missing_and_a_mismatched_package_are_flagged_with_the_command(tmp_path,
                                                                         no_dataset):
    pins = tmp_path / "requirements.txt"
    pins.write_text("numpy==0.0.1\nno-such-package-here==1.0  # a comment\n-e ./code\n")
    result = doctor.report(pins)
    checks = {c.name: c for c in result.checks}
    assert not checks["no-such-package-here"].ok and "not installed" in \
        checks["no-such-package-here"].found
    assert "but the book pins 0.0.1" in checks["numpy"].found
    assert not result.ok
    assert result.fixes()[0] == \
        'python -m pip install "numpy==0.0.1" "no-such-package-here==1.0"'
    assert str(result).splitlines()[-3] == "To fix what is missing, run:"


def test_no_font_says_how_to_install_it(monkeypatch, no_dataset):
    from matplotlib import font_manager

    def not_found(*args, **kwargs):
        raise ValueError("no font")

    monkeypatch.setattr(font_manager, "findfont", not_found)
    result = doctor.report()
    assert not result.ok
    assert "sudo apt-get install fonts-noto-cjk && rm -rf ~/.cache/matplotlib" in result.fixes()


def test_no_dataset_is_optional_and_says_how_to_fetch_it(no_dataset):
    result = doctor.report()
    check = {c.name: c for c in result.checks}["full dataset"]
    assert not check.ok and not check.required and result.ok
    assert "python -m medimg.fetch --kaggle" in result.fixes()


def test_a_dataset_found_says_where(tmp_path, monkeypatch):
    for split in ("train", "test"):
        (tmp_path / "copy" / "chest_xray" / split / "NORMAL").mkdir(parents=True)
    monkeypatch.setenv(paths.DATASET_ENV, str(tmp_path / "copy"))
    check = {c.name: c for c in doctor.report().checks}["full dataset"]
    assert check.ok and "chest_xray" in check.found


_HIDDEN = """
import sys
sys.modules["pylibjpeg"] = sys.modules["libjpeg"] = None      # as if not installed
from medimg import doctor
result = doctor.report()
print(result)
"""


def test_a_missing_decoder_names_the_pinned_package_to_install():
    out = subprocess.run([sys.executable, "-c", _HIDDEN], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "!! JPEG-LS Lossless Image Compression: no decoder installed" in out.stdout
    assert 'python -m pip install "pylibjpeg==2.1.0" "pylibjpeg-libjpeg==2.5.0"' in out.stdout


def test_the_command_line_prints_the_report_and_exits_by_it(tmp_path):
    env = {"PATH": "/usr/bin:/bin", paths.DATASET_ENV: str(tmp_path / "nowhere"),
           "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-m", "medimg.doctor"], capture_output=True,
                         text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.splitlines()[-2] == "To fix what is missing, run:"
    assert out.stdout.splitlines()[-1] == "  python -m medimg.fetch --kaggle"


def test_the_page_summary_names_medimg_s_own_packages_not_all_of_them():
    from medimg import doctor
    text = doctor.summary(doctor.report())
    assert "packages at the pinned versions, among them:" in text
    assert "pydicom 3" in text and "scikit-learn" in text       # medimg's own dependencies
    assert "argon2-cffi" not in text and "click" not in text   # pins of the tools around it
