"""Facts the chapters state, pinned on the real files and data they come from.

Each test here holds one sentence of a chapter to what the code prints, so that an update
of a library or a file that changes the fact fails a test instead of leaving a false
sentence on the page (issue 12's editor's list).
"""

import re
from pathlib import Path

import nibabel
import numpy as np
import pytest

from medimg import data, dicom, formats, headers, images, samples, volumes

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
#: The chapters and pages whose text these tests read.
EDITED = ("motivation", "images-as-numbers", "formats", "pixel-operations", "glossary",
          "index", "setup")


def page(name: str) -> str:
    return (BOOK / f"{name}.md").read_text(encoding="utf-8")


# --- formats: what headers say ----------------------------------------------------------

def test_mr_small_claims_pixel_values_it_does_not_have():
    """formats: "The header claims 0 to 4000; the pixels run from 127 to 2145."""
    mr = dicom.read_dicom(data.real_file("MR_small.dcm"))
    pixels = dicom.dicom_pixels(mr)
    assert (mr.SmallestImagePixelValue, mr.LargestImagePixelValue) == (0, 4000)
    assert (pixels.min(), pixels.max()) == (127, 2145)
    for name in ("CT_small.dcm", "RG1_UNCR.dcm"):  # "only the MR file fills them in"
        ds = dicom.read_dicom(data.real_file(name), pixels=False)
        assert "SmallestImagePixelValue" not in ds and "LargestImagePixelValue" not in ds


def test_the_radiographs_image_comments_describe_the_file_not_the_film():
    cr = dicom.read_dicom(data.real_file("RG1_UNCR.dcm"), pixels=False)
    assert cr.ImageComments == "Uncompressed"


def test_text_fields_end_at_the_first_nul():
    """The NIfTI-2 example's descrip holds bytes after a NUL: they are not text."""
    raw = nibabel.load(data.real_file("example_nifti2.nii.gz")).header["descrip"].item()
    assert raw.startswith(b"FSL3.3\x00")
    assert headers.c_string(raw) == "FSL3.3"
    assert headers.c_string(b"spm - 3D normalized\x00\x00") == "spm - 3D normalized"
    assert headers.c_string(b"\x00junk") == ""


def test_header_knowledge_prints_no_replacement_or_nul_characters(data_dir):
    table = headers.header_knowledge()
    text = table.to_markdown() + table.to_html()
    assert "\ufffd" not in text and "\x00" not in text
    by_file = {row[1]: row for row in table.rows}
    assert by_file["`example_nifti2.nii.gz`"][4].endswith("'FSL3.3'")


def test_analyze_keeps_no_origin_so_only_z_moves(data_dir):
    """formats: x and y come back unchanged by luck; z moves by 8 mm (−16 to −24)."""
    hdr, _ = volumes.analyze_pair()
    header = nibabel.load(hdr).header
    assert type(header).__name__ == "Spm2AnalyzeHeader"
    assert header["origin"].tolist() == [0, 0, 0, 0, 0]  # SPM's originator field left empty
    original = nibabel.load(data.real_file("anatomical.nii"))
    _, back = volumes.load_volume(hdr)
    assert original.shape == (33, 41, 25)
    assert np.array_equal(back[:3, :3], original.affine[:3, :3])
    assert np.array_equal(back[:2, 3], original.affine[:2, 3])
    assert (original.affine[2, 3], back[2, 3]) == (-16, -24)
    centre = (np.array(original.shape) - 1) / 2
    assert np.allclose(back @ [*centre, 1], [0, 0, 0, 1])      # the centre voxel at 0 mm


def test_nifti_magic_and_the_352_byte_offset():
    """348 at byte 0 marks Analyze and NIfTI-1 alike; the magic at 344 tells them apart."""
    single = data.real_file("anatomical.nii").read_bytes()
    assert int.from_bytes(single[:4], "big") == 348  # this file is big-endian
    assert single[344:348] == b"n+1\x00" and single[348:352] == b"\x00\x00\x00\x00"
    assert nibabel.load(data.real_file("anatomical.nii")).dataobj.offset == 352 == 348 + 4
    fields = formats.nifti_header_fields(data.real_file("example4d.nii.gz"))
    assert fields["magic"] == b"n+1\x00" and fields["vox_offset"] == 416  # extensions follow
    fields2 = formats.nifti_header_fields(data.real_file("example_nifti2.nii.gz"))
    assert fields2["sizeof_hdr"] == 540 and fields2["magic"].startswith(b"n+2\x00")


def test_an_analyze_header_has_348_but_no_magic(data_dir):
    hdr, _ = volumes.analyze_pair()
    head = hdr.read_bytes()
    assert len(head) == 348 and int.from_bytes(head[:4], "little") == 348
    assert head[344:348] not in (b"n+1\x00", b"ni1\x00")
    assert formats.identify(hdr) == "Analyze 7.5"


def test_nifti_extensions_have_a_code_for_dicom():
    codes = nibabel.nifti1.extension_codes
    assert codes.code["dicom"] == 2 and codes.label[2] == "dicom"
    header = nibabel.load(data.real_file("example4d.nii.gz")).header
    assert [codes.label[e.get_code()] for e in header.extensions] == ["comment", "comment"]


def test_fat_is_dark_grey_not_black_in_the_soft_tissue_window():
    shown = images.window(np.array([[-1000.0, -160.0, -100.0, 40.0, 240.0, 1000.0]]), 40, 400)
    air, low_end, fat, middle, high_end, bone = shown[0]
    assert air == low_end == 0 and high_end == bone == 255
    assert 20 < fat < 64           # dark grey
    assert 120 < middle < 135


def test_ras_x_is_measured_from_the_origin():
    """formats exercise: voxel (10, 20, 5) of anatomical.nii is 12 mm right of the origin."""
    affine = nibabel.load(data.real_file("anatomical.nii")).affine
    ras = affine @ [10, 20, 5, 1]
    assert ras[:3].tolist() == [12, 0, -6]
    assert nibabel.load(data.real_file("anatomical.nii")).header["descrip"].item() \
        .startswith(b"spm - 3D normalized")


# --- pixel values: bits stored ----------------------------------------------------------

def test_invert_with_the_bits_stored_maximum():
    """pixel-operations: 65535 − x is wrong for 12-bit values in uint16; 4095 − x is right."""
    twelve_bit = np.array([0, 1000, 4095], dtype=np.uint16)
    assert images.invert(twelve_bit).tolist() == [65535, 64535, 61440]
    assert images.invert(twelve_bit, high=2**12 - 1).tolist() == [4095, 3095, 0]
    cr = dicom.read_dicom(data.real_file("RG1_UNCR.dcm"))
    stored = dicom.dicom_pixels(cr)
    assert cr.BitsStored == 15 and stored.dtype == np.uint16
    assert np.array_equal(dicom.display_values(cr), (2**15 - 1) - stored)


def test_radiograph_uint8_clips_at_percentiles_not_min_and_max():
    pixels = samples.chest_radiograph()
    x = samples.radiograph_uint8()
    assert 0.008 < (x == 0).mean() < 0.012          # about the darkest 1 %
    assert 0.004 < (x == 255).mean() < 0.007        # about the brightest 0.5 %
    plain = images.to_uint8(pixels)                  # a min-max stretch clips nothing
    assert (plain == 0).mean() < 0.001 and (plain == 255).mean() < 0.001


# --- images as numbers: what the eye can tell apart ------------------------------------

def gsdf_jnd_index(luminance):
    """The JND index j(L) of DICOM PS3.14's Grayscale Standard Display Function (sect. 7)."""
    a, b, c, d, e, f, g, h, i = (71.498068, 94.593053, 41.912053, 9.8247004, 0.28175407,
                                 -1.1878455, -0.18014349, 0.14710899, -0.017046845)
    x = np.log10(luminance)
    return a + b * x + c * x**2 + d * x**3 + e * x**4 + f * x**5 + g * x**6 + h * x**7 + i * x**8


@pytest.mark.parametrize("low, high, jnds", [(0.05, 4000, 1022), (0.5, 250, 558),
                                             (1, 1000, 739)])
def test_displays_span_more_than_256_just_noticeable_differences(low, high, jnds):
    """images-as-numbers: 1023 JNDs in all, about 560 on an office screen, 740 on a
    diagnostic monitor: more than 256 greys can be told apart."""
    assert round(gsdf_jnd_index(high) - gsdf_jnd_index(low)) == jnds
    assert jnds > 256


# --- the dataset facts the motivation chapter quotes ------------------------------------

def test_a_third_of_the_training_pneumonia_images_are_viral():
    listing = data.kermany_listing()
    pneumonia = [n for n in listing if n.startswith("train/PNEUMONIA/")]
    viral = [n for n in pneumonia if "_virus_" in n]
    assert (len(viral), len(pneumonia)) == (1345, 3875) and round(100 * 1345 / 3875) == 35
    val = [n for n in listing if n.startswith("val/PNEUMONIA/")]
    assert len(val) == 8 and all("_bacteria_" in n for n in val)


# --- the words on the pages -------------------------------------------------------------

@pytest.mark.parametrize("name", EDITED)
def test_taiwan_usage(name):
    text = page(name)
    for mainland, taiwan in (("校驗和", "檢查碼"), ("成像模態", "影像模態")):
        assert mainland not in text, f"{name}: write {taiwan}, not {mainland}"


def test_pattern_recognition_has_its_taiwan_name():
    for name in ("motivation", "glossary"):
        assert "模式識別" in page(name) and "圖形識別" in page(name)


def test_the_book_radiograph_is_never_called_normal():
    banned = re.compile(r"normal \(as far as we know\)|simulated opacity|with_simulated_opacity")
    for name in EDITED:
        assert not banned.search(page(name)), name


def test_glossary_has_the_formats_and_signs():
    glossary = page("glossary")
    for term in ("NRRD", "Analyze 7.5", "MINC", "HDF5", "Silhouette sign", "Air bronchogram",
                 "Satisfaction of search"):
        assert re.search(rf"^{re.escape(term)}$", glossary, re.M), term
    assert "(Nearly Raw Raster Data)" in glossary
    assert "**N**early **R**aw **R**aster **D**ata" in page("formats")


@pytest.mark.parametrize("name", ("formats", "pixel-operations", "images-as-numbers",
                                  "motivation"))
def test_the_books_plumbing_is_hidden(name):
    """Cells that only feed the page's text (glue) are tagged remove-input; no magics."""
    cells = re.findall(r"```\{code-cell\} ipython3\n(.*?)```", page(name), flags=re.S)
    for cell in cells:
        if "glue" in cell and "{glue" not in cell:
            assert cell.startswith(":tags: [remove-input]"), cell[:80]
        assert "%matplotlib" not in cell
        assert "JPY_SESSION_NAME" not in cell
