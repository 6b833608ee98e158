"""medimg.dicom: attributes, pixels, decoders from pydicom's table, and bad DICOM input."""

import subprocess
import sys

import numpy as np
import pydicom
import pytest
from medimg import data, dicom, errors, formats, headers
from pydicom.pixels import apply_modality_lut, get_decoder


def real(name):
    return data.real_file(name) if name in data.REAL_FILES else data.dicom_test_file(name)


# --- DICOM: attributes, Hounsfield units, photometric interpretation --------------------

def test_attributes_table_reads_values_from_both_files():
    ct = dicom.read_dicom(real("CT_small.dcm"))
    rg = dicom.read_dicom(real("RG1_UNCR.dcm"))
    table = headers.attributes_table("image", {"CT": ct, "CR": rg})
    rows = {row[1]: row for row in table.rows}
    assert rows["`Rows`"][2:] == ["(0028,0010)", "US", "128", "1955"]
    assert rows["`RescaleIntercept`"][4:] == ["-1024", "—"]
    patient = headers.attributes_table("patient", {"CR": rg})
    assert {row[1]: row[4] for row in patient.rows}["`BodyPartExamined`"] == "CHEST"
    for group in headers.LECTURE_GROUPS.values():  # every keyword is a real one
        for _, keyword in group:
            dicom.tag_text(keyword)
    with pytest.raises(KeyError):
        dicom.tag_text("NotAKeyword")


def test_long_values_are_shortened_and_empty_ones_named():
    assert dicom.value_text("x" * 100).endswith("…") and len(dicom.value_text("x" * 100)) == 32
    assert dicom.value_text("") == "(empty)"


def test_hounsfield_is_slope_times_stored_plus_intercept_as_pydicom_does():
    ds = dicom.read_dicom(real("CT_small.dcm"))
    hu = dicom.hounsfield(ds)
    assert np.allclose(hu, apply_modality_lut(ds.pixel_array, ds))
    assert hu.min() == ds.pixel_array.min() - 1024


def test_display_values_flip_monochrome1_only():
    rg = dicom.read_dicom(real("RG1_UNCR.dcm"))
    stored = dicom.dicom_pixels(rg)
    assert np.array_equal(dicom.display_values(rg), 2 ** 15 - 1 - stored)
    ct = dicom.read_dicom(real("CT_small.dcm"))
    assert np.array_equal(dicom.display_values(ct), dicom.dicom_pixels(ct))


def test_pixel_data_elements_come_from_pydicoms_dictionary():
    table = dicom.pixel_data_elements()
    assert table.rows[1] == ["(7FE0,0008)", "`FloatPixelData`", "Float Pixel Data", "OF"]
    assert table.rows[2] == ["(7FE0,0009)", "`DoubleFloatPixelData`",
                             "Double Float Pixel Data", "OD"]


def test_jpeg2000_copy_decodes_to_the_same_pixels_as_the_uncompressed_file():
    lossless = dicom.dicom_pixels(real("RG1_J2KR.dcm"))
    assert np.array_equal(lossless, dicom.dicom_pixels(real("RG1_UNCR.dcm")))



# --- decoders: pydicom's table, pip's names, what each plugin refuses ----------------------

def test_every_compressed_syntax_in_pydicoms_table_decodes_here():
    table = dicom.decoder_table()
    assert len(table.rows) >= 12
    for name, uid, here, would in table.rows:
        assert here != "none", f"{name} ({uid}): no decoder installed"
    jpeg_ext = {row[1]: row for row in table.rows}["1.2.840.10008.1.2.4.51"]
    assert "pylibjpeg" in jpeg_ext[2] and "pillow (8-bit samples only)" in jpeg_ext[2]


def test_pip_names_come_from_pydicoms_own_extras():
    from importlib.metadata import requires

    extras = " ".join(requires("pydicom"))
    for pip_name in dicom.PIP_NAMES.values():
        assert pip_name in extras            # pydicom's "pixeldata" extra names it so
    assert dicom._pip_requirement("gdcm>=3.0.10") == "python-gdcm>=3.0.10"
    assert dicom._pip_requirement("pyjpegls>=1.2") == "pyjpegls>=1.2"


@pytest.mark.parametrize("name,plugin", [("JPGExtended.dcm", "pillow")])
def test_plugin_limits_are_what_pydicom_does(name, plugin):
    """Pillow is listed for JPEG Extended, but pydicom's Pillow plugin refuses 12 bits."""
    ds = pydicom.dcmread(real(name))
    syntax = ds.file_meta.TransferSyntaxUID
    assert dicom._limited(plugin, syntax, ds) and int(ds.BitsStored) == 12
    with pytest.raises(RuntimeError, match="does not support"):
        get_decoder(syntax).as_array(ds, decoding_plugin=plugin)
    assert plugin not in dicom.installed_decoders(syntax, ds)
    assert plugin in dicom.installed_decoders(syntax)          # 8-bit files it does decode
    array = dicom.dicom_pixels(ds)                              # pylibjpeg does
    assert array.shape == (ds.Rows, ds.Columns) and array.dtype == np.uint16


def test_decoder_packages_for_known_and_unknown_syntaxes():
    jpeg_ls = dicom.missing_decoders("1.2.840.10008.1.2.4.80")
    assert set(jpeg_ls) <= {"gdcm", "pyjpegls"}                 # pylibjpeg is installed
    assert all("python-gdcm" in r for r in jpeg_ls.get("gdcm", []))
    assert dicom.decoder_packages("1.2.840.10008.1.2.1") == []  # native: nothing missing
    assert dicom.decoder_packages("1.2.3.4") == []


_HIDE = """
import sys
for name in {hidden!r}:
    sys.modules[name] = None          # as if the package were not installed
from medimg import data, dicom, errors
try:
    dicom.dicom_pixels(data.dicom_test_file({file!r}))
except errors.NoDecoderError as err:
    print(err)
"""


@pytest.mark.parametrize("file,hidden,advice", [
    ("MR_small_jpeg_ls_lossless.dcm", ["pylibjpeg", "libjpeg"], "pylibjpeg-libjpeg"),
    ("JPGExtended.dcm", ["pylibjpeg", "libjpeg"], "pillow decodes 8-bit samples only"),
    ("JPGExtended.dcm", ["pylibjpeg", "libjpeg"], "pylibjpeg-libjpeg"),
    ("MR_small_jp2klossless.dcm", ["pylibjpeg", "openjpeg", "PIL"], "pylibjpeg-openjpeg"),
])
def test_without_its_decoder_the_error_names_the_package(file, hidden, advice):
    """A fresh Python in which the decoder packages cannot be imported."""
    out = subprocess.run([sys.executable, "-c", _HIDE.format(hidden=hidden, file=file)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert file in out.stdout and advice in out.stdout and "pip install" in out.stdout


def test_no_decoder_error_when_pydicom_has_no_decoder_at_all(tmp_path):
    ds = pydicom.dcmread(real("MR_small_jpeg_ls_lossless.dcm"))
    ds.file_meta.TransferSyntaxUID = pydicom.uid.MPEG2MPML      # video: pydicom decodes none
    with pytest.raises(errors.NoDecoderError, match="MPEG2.*no decoder for it at all"):
        dicom.dicom_pixels(ds)
    ds.file_meta.TransferSyntaxUID = "1.2.3.4"
    with pytest.raises(errors.HeaderError, match="not a transfer syntax"):
        dicom.dicom_pixels(ds)


def test_damaged_compressed_data_are_not_blamed_on_a_missing_package():
    with pytest.raises(errors.DamagedFileError, match=r"JPEG-lossy\.dcm.*every installed "
                                                        r"decoder failed.*pylibjpeg.*pillow"):
        dicom.dicom_pixels(real("JPEG-lossy.dcm"))


# --- bad input: the header and the pixels -----------------------------------------------------

def test_not_dicom_says_what_the_file_is(tmp_path):
    fake = tmp_path / "scan.dcm"
    fake.write_bytes(data.real_file("anatomical.nii").read_bytes())
    with pytest.raises(errors.WrongFormatError, match=r"scan\.dcm.*NIfTI-1"):
        dicom.read_dicom(fake)
    with pytest.raises(errors.WrongFormatError, match=r"zipMR\.gz.*gzip-compressed.*gunzip"):
        dicom.read_dicom(real("zipMR.gz"))
    with pytest.raises(errors.WrongFormatError, match="without the 128-byte preamble.*force"):
        dicom.read_dicom(real("OT-PAL-8-face.dcm"))
    with pytest.raises(errors.MissingFileError):
        dicom.read_dicom(tmp_path / "absent.dcm")


@pytest.mark.parametrize("keep", [132, 200, 300, 1000, 5000, -1000, -1])
def test_truncated_dicom(tmp_path, keep):
    content = real("CT_small.dcm").read_bytes()
    cut = tmp_path / "cut.dcm"
    cut.write_bytes(content[:keep])
    with pytest.raises(errors.TruncatedFileError, match=r"cut\.dcm.*(cut short|truncated)"):
        dicom.dicom_pixels(cut)


def test_every_cut_of_a_real_file_is_truncated_or_not_dicom(tmp_path):
    """Cut the CT file at every byte of its header and at steps through its pixels."""
    content = real("CT_small.dcm").read_bytes()
    cut = tmp_path / "cut.dcm"
    for keep in [*range(0, 1900, 7), *range(1900, len(content), 2503)]:
        cut.write_bytes(content[:keep])
        with pytest.raises((errors.TruncatedFileError, errors.WrongFormatError,
                            errors.NoPixelDataError)) as caught:
            dicom.dicom_pixels(cut)
        if keep >= 132:
            # A cut that falls between two elements leaves a well-formed file without its
            # image: then the message names both causes.
            assert caught.type is errors.TruncatedFileError or \
                "or the file is cut short" in str(caught.value), (keep, caught.value)


def test_too_short_jpeg2000_is_truncated_not_imageless():
    with pytest.raises(errors.TruncatedFileError, match="too_short.*cut short"):
        dicom.read_dicom(real("emri_small_jpeg_2k_lossless_too_short.dcm"))


def test_dicom_without_pixel_data(tmp_path):
    ds = pydicom.dcmread(real("CT_small.dcm"))
    del ds.PixelData
    path = tmp_path / "no_pixels.dcm"
    ds.save_as(path)
    with pytest.raises(errors.NoPixelDataError, match=r"no_pixels\.dcm.*no image.*CT Image"):
        dicom.read_dicom(path)
    assert "Modality" in dicom.read_dicom(path, pixels=False)
    with pytest.raises(errors.NoPixelDataError, match="no image"):
        dicom.dicom_pixels(dicom.read_dicom(path, pixels=False))
    with pytest.raises(errors.NoPixelDataError, match="rtplan"):
        dicom.read_dicom(real("rtplan.dcm"))


@pytest.mark.parametrize("change,message", [
    (lambda ds: setattr(ds, "BitsAllocated", 12), "BitsAllocated 12 is not a value"),
    (lambda ds: delattr(ds, "SamplesPerPixel"), "lacks SamplesPerPixel"),
    (lambda ds: setattr(ds, "PhotometricInterpretation", "FOO"), "'FOO' is not one DICOM"),
    (lambda ds: setattr(ds, "Rows", ds.Rows // 2), "header and the pixels disagree"),
    (lambda ds: setattr(ds, "Rows", ds.Rows * 2), "fewer than the header's"),
    (lambda ds: delattr(ds.file_meta, "TransferSyntaxUID"), "lacks the Transfer Syntax UID"),
])
def test_a_header_that_contradicts_the_pixels_is_refused(tmp_path, change, message):
    ds = pydicom.dcmread(real("CT_small.dcm"))
    change(ds)
    with pytest.raises((errors.HeaderError, errors.TruncatedFileError), match=message):
        dicom.dicom_pixels(ds)


def test_pixels_over_the_budget_are_refused_before_decoding():
    ds = pydicom.dcmread(real("CT_small.dcm"))
    with formats.limits(pixels=100), pytest.raises(errors.TooLargeError, match="16,384 pixels"):
        dicom.dicom_pixels(ds)
    with formats.limits(bytes=1000), pytest.raises(errors.TooLargeError, match="32,768 bytes"):
        dicom.dicom_pixels(ds)


def test_errors_are_value_errors_with_the_path():
    for cls in (errors.WrongFormatError, errors.TruncatedFileError, errors.HeaderError,
                errors.NoPixelDataError, errors.NoDecoderError, errors.DimensionError):
        assert issubclass(cls, errors.MedimgError) and issubclass(cls, ValueError)
    assert issubclass(errors.TruncatedFileError, errors.DamagedFileError)
    assert issubclass(errors.DamagedImageError, errors.DamagedFileError)
