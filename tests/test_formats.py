"""medimg.formats: real files read with real libraries, header bytes, bad input, de-identification."""

import gzip
import os
import struct

import nibabel
import nrrd
import numpy as np
import pydicom
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydicom.pixels import apply_modality_lut, get_decoder

from medimg import data, deid, dicom, errors, formats, headers, paths, tables, volumes


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """Give each test its own data folder, so generated files start from scratch."""
    monkeypatch.setenv(paths.DATA_ENV, str(tmp_path / "data"))
    return tmp_path / "data"


def real(name):
    return data.real_file(name)


# --- the real files ---------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(data.REAL_FILES))
def test_every_real_file_is_installed_and_from_the_package_named(name):
    path = data.real_file(name)
    package = data.REAL_FILES[name]
    folder = {"nibabel": "nibabel", "pydicom": "pydicom", "pydicom-data": "data_store"}[package]
    assert path.is_file() and folder in path.parts


def test_real_files_table_lists_every_file_with_its_size():
    table = data.real_files_table()
    assert len(table.rows) == len(data.REAL_FILES)
    assert table.rows[0][0] == "`CT_small.dcm`" and table.rows[0][2] == "39,206"


def test_missing_nibabel_file_is_a_clear_error():
    with pytest.raises(FileNotFoundError, match="nibabel"):
        data.nibabel_test_file("no_such.nii")


# --- the formats table and the bytes behind it -----------------------------------------

def test_formats_table_has_the_lectures_formats_and_more():
    names = formats.formats_table().column("Format")
    for name in ("Analyze 7.5", "NIfTI-1", "MINC", "DICOM", "NRRD", "HDF5", "Raw"):
        assert name in names
    assert "float" in formats.format_facts("DICOM").data_types  # the lecture's slip, fixed
    with pytest.raises(KeyError):
        formats.format_facts("JPEG")


def test_table_markdown_escapes_bars_and_has_one_line_per_row():
    table = tables.Table(["a", "b"], [["x|y", "1\n2"]])
    text = table._repr_markdown_()
    assert text.splitlines() == ["| a | b |", "|---|---|", "| x\\|y | 1 2 |"]
    assert str(table) == text
    assert tables.Table(["a"], [["----"]]).to_markdown().endswith("| `----` |")


@pytest.mark.parametrize("name,expected", [
    ("CT_small.dcm", "DICOM"), ("RG1_UNCR.dcm", "DICOM"), ("anatomical.nii", "NIfTI-1"),
    ("example4d.nii.gz", "NIfTI-1"), ("example_nifti2.nii.gz", "NIfTI-2"),
    ("analyze.hdr", "Analyze 7.5"), ("tiny.mnc", "MINC"), ("small.mnc", "HDF5"),
])
def test_identify_reads_the_format_from_the_bytes(name, expected):
    assert formats.identify(data.real_file(name)) == expected


def test_identify_other_cases(tmp_path):
    raw = tmp_path / "x.raw"
    raw.write_bytes(bytes(2000))
    assert formats.identify(raw) == "Raw"
    pair = tmp_path / "pair.hdr"
    pair.write_bytes(struct.pack("<i", 348) + bytes(340) + b"ni1\x00")
    assert formats.identify(pair) == "NIfTI-1"
    block = tmp_path / "user_block.h5"
    block.write_bytes(bytes(512) + b"\x89HDF\r\n\x1a\n" + bytes(100))
    assert formats.identify(block) == "HDF5"
    with pytest.raises(FileNotFoundError):
        formats.identify(tmp_path / "absent.dcm")


def test_nifti_and_analyze_data_types_are_those_nibabel_knows():
    from nibabel.analyze import AnalyzeHeader
    from nibabel.nifti1 import Nifti1Header

    for name, header in (("NIfTI-1", Nifti1Header), ("Analyze 7.5", AnalyzeHeader)):
        known = set(header._data_type_codes.value_set("label")) - {"none", "all", "binary"}
        assert set(formats.format_facts(name).dtypes) == known


def test_fixed_header_sizes_agree_with_real_files(data_dir):
    hdr, _ = volumes.analyze_pair()
    assert hdr.stat().st_size == formats.format_facts("Analyze 7.5").header_bytes
    nifti1 = nibabel.load(data.real_file("anatomical.nii")).header
    nifti2 = nibabel.load(data.real_file("example_nifti2.nii.gz")).header
    assert int(nifti1["sizeof_hdr"]) == formats.format_facts("NIfTI-1").header_bytes
    assert int(nifti2["sizeof_hdr"]) == formats.format_facts("NIfTI-2").header_bytes


def test_format_evidence_agrees_on_every_row(data_dir):
    table = headers.format_evidence()
    assert table.column("Agree") == ["yes"] * len(table.rows)
    assert set(table.column("Format")) == {"DICOM", "NIfTI-1", "NIfTI-2", "Analyze 7.5",
                                          "MINC", "HDF5", "NRRD"}


def test_dicom_preamble_agrees_with_pydicom():
    path = real("CT_small.dcm")
    head = formats.dicom_preamble(path)
    ds = pydicom.dcmread(path, stop_before_pixels=True)
    assert head["prefix"] == b"DICM"
    assert head["preamble"] == ds.preamble and len(head["preamble"]) == 128
    assert (head["group"], head["element"], head["vr"]) == (0x0002, 0x0000, "UL")
    assert head["value"] == ds.file_meta.FileMetaInformationGroupLength


def test_dicom_preamble_refuses_other_files():
    with pytest.raises(errors.WrongFormatError, match="DICM"):
        formats.dicom_preamble(data.real_file("anatomical.nii"))


@pytest.mark.parametrize("name", ["anatomical.nii", "example4d.nii.gz", "example_nifti2.nii.gz"])
def test_nifti_header_by_struct_agrees_with_nibabel(name):
    path = data.real_file(name)
    fields = formats.nifti_header_fields(path)
    image = nibabel.load(path)
    header = image.header
    assert fields["sizeof_hdr"] == int(header["sizeof_hdr"])
    assert fields["dim"] == [int(d) for d in header["dim"]]
    assert fields["datatype"] == int(header["datatype"])
    assert fields["bitpix"] == int(header["bitpix"])
    assert fields["magic"].rstrip(b"\x00").startswith(header["magic"].item())
    assert np.allclose(fields["pixdim"], header["pixdim"])
    assert fields["vox_offset"] == image.dataobj.offset  # nibabel resets the field on load
    assert fields["endian"] == header.endianness


def test_nifti_header_refuses_non_nifti_and_short_files(tmp_path):
    with pytest.raises(errors.WrongFormatError, match="348 or 540"):
        formats.nifti_header_fields(real("CT_small.dcm"))
    short = tmp_path / "short.nii"
    short.write_bytes(struct.pack("<i", 348) + bytes(100))
    with pytest.raises(errors.TruncatedFileError, match="348"):
        formats.nifti_header_fields(short)


def test_nrrd_text_header_agrees_with_pynrrd(data_dir):
    files = volumes.nrrd_files()
    for key in ("attached", "detached header"):
        text = formats.nrrd_text_header(files[key])
        assert text.startswith("NRRD000")
        header = nrrd.read_header(str(files[key]))
        fields = dict(line.split(": ", 1) for line in text.splitlines()[1:]
                      if not line.startswith("#"))
        assert fields["sizes"] == " ".join(str(s) for s in header["sizes"])
        assert fields["space"] == header["space"]
    assert "data file: anatomical_detached.raw" in formats.nrrd_text_header(
        files["detached header"])


def test_hdf5_tree_lists_the_minc2_image_as_h5py_sees_it():
    import h5py

    path = data.real_file("small.mnc")
    tree = formats.hdf5_tree(path)
    with h5py.File(path) as fh:
        shape = fh["minc-2.0/image/0/image"].shape
    assert tree[0] == "minc-2.0/"
    assert f"            image  dataset {shape} int16" in tree
    with pytest.raises(errors.WrongFormatError, match="HDF5"):
        formats.hdf5_tree(data.real_file("tiny.mnc"))


def test_hex_dump_shows_offsets_hex_and_text():
    dump = formats.hex_dump(b"DICM\x00\x01", start=128)
    assert dump == "00000080  44 49 43 4d 00 01" + " " * 32 + "DICM.."


# --- files the chapter writes -------------------------------------------------------------

def test_analyze_pair_holds_the_real_volume_and_is_made_once(data_dir):
    hdr, img = volumes.analyze_pair()
    assert hdr.parent == data_dir / "generated" / "formats" / "analyze"
    source = nibabel.load(data.real_file(volumes.SOURCE_VOLUME))
    values, affine = volumes.load_volume(hdr)
    assert np.array_equal(values, np.asanyarray(source.dataobj))
    assert np.allclose(affine[:3, :3], source.affine[:3, :3])  # voxel sizes and the x flip
    assert not np.allclose(affine[:3, 3], source.affine[:3, 3])  # Analyze has no origin
    stamps = (hdr.stat().st_mtime_ns, img.stat().st_mtime_ns)
    assert volumes.analyze_pair() == (hdr, img)
    assert (hdr.stat().st_mtime_ns, img.stat().st_mtime_ns) == stamps
    assert not [p for p in hdr.parent.iterdir() if p.name.startswith(".")]  # no leftovers


def test_nrrd_files_hold_the_real_volume_in_lps_and_are_reproducible(data_dir, tmp_path,
                                                                     monkeypatch):
    files = volumes.nrrd_files()
    source = nibabel.load(data.real_file(volumes.SOURCE_VOLUME))
    for key in ("attached", "detached header"):
        values, affine = volumes.load_volume(files[key])
        assert np.array_equal(values, np.asanyarray(source.dataobj))
        assert np.allclose(affine, source.affine)  # LPS in the file, RAS once read
    header = nrrd.read_header(str(files["attached"]))
    directions = np.asarray(header["space directions"], dtype=float)
    assert np.allclose(directions.T, (volumes.LPS_TO_RAS @ source.affine)[:3, :3])
    first = {k: p.read_bytes() for k, p in files.items()}
    monkeypatch.setenv(paths.DATA_ENV, str(tmp_path / "again"))
    second = {k: p.read_bytes() for k, p in volumes.nrrd_files().items()}
    assert first == second  # no date or time inside: byte-identical


def test_header_knowledge_reads_spacing_orientation_and_patient_data(data_dir):
    table = headers.header_knowledge()
    by_file = {row[1]: row for row in table.rows}
    assert by_file["`CT_small.dcm`"][2] == "0.661468, 0.661468"
    assert "PatientName" in by_file["`RG1_UNCR.dcm`"][4]
    assert "LAS" in by_file["`anatomical.nii`"][3]
    assert "no patient fields" in by_file["`anatomical.nii`"][4]
    assert "MRI" in by_file["`tiny.mnc`"][4]
    assert by_file["`small.mnc`"][2] == "9, 8, 7"
    # FSL's descrip has a NUL byte inside: shown as \x00, never as a control character.
    assert "'FSL3.3\\x00 v2.25" in by_file["`example_nifti2.nii.gz`"][4]
    assert not any(ch in cell for row in table.rows for cell in row for ch in "\x00\ufffd")


# --- DICOM: attributes, Hounsfield units, photometric interpretation --------------------

def test_attributes_table_reads_values_from_both_files():
    ct = dicom.read_dicom(real("CT_small.dcm"))
    rg = dicom.read_dicom(real("RG1_UNCR.dcm"))
    table = dicom.attributes_table("image", {"CT": ct, "CR": rg})
    rows = {row[1]: row for row in table.rows}
    assert rows["`Rows`"][2:] == ["(0028,0010)", "US", "128", "1955"]
    assert rows["`RescaleIntercept`"][4:] == ["-1024", "—"]
    patient = dicom.attributes_table("patient", {"CR": rg})
    assert {row[1]: row[4] for row in patient.rows}["`BodyPartExamined`"] == "CHEST"
    for group in dicom.LECTURE_GROUPS.values():  # every keyword is a real one
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


def test_installed_decoders_name_pillow_for_jpeg2000_and_nothing_for_jpeg_ls():
    assert "pillow" in dicom.installed_decoders("1.2.840.10008.1.2.4.90")
    assert dicom.installed_decoders("1.2.840.10008.1.2.4.80") == []
    assert dicom.installed_decoders("1.2.3.4") == []


def test_jpeg2000_copy_decodes_to_the_same_pixels_as_the_uncompressed_file():
    lossless = dicom.dicom_pixels(real("RG1_J2KR.dcm"))
    assert np.array_equal(lossless, dicom.dicom_pixels(real("RG1_UNCR.dcm")))


# --- orientation ------------------------------------------------------------------------------

def test_dicom_affine_puts_the_first_pixel_at_image_position():
    ds = dicom.read_dicom(real("CT_small.dcm"))
    affine = dicom.dicom_affine(ds)
    assert np.allclose(affine @ [0, 0, 0, 1], [*ds.ImagePositionPatient, 1])
    step = affine @ [0, 1, 0, 1] - affine @ [0, 0, 0, 1]   # one column to the right
    assert np.allclose(step[:3], np.array(ds.ImageOrientationPatient[:3]) * ds.PixelSpacing[1])
    assert volumes.axis_codes(affine, "LPS") == "PLS"


@given(st.lists(st.floats(-500, 500), min_size=3, max_size=3))
def test_lps_to_ras_flips_x_and_y_and_is_its_own_inverse(point):
    p = np.array([*point, 1.0])
    assert np.allclose(volumes.LPS_TO_RAS @ p, [-p[0], -p[1], p[2], 1])
    assert np.allclose(volumes.LPS_TO_RAS @ volumes.LPS_TO_RAS @ p, p)


def test_axis_codes_same_in_both_spaces():
    affine = nibabel.load(data.real_file("anatomical.nii")).affine
    assert volumes.axis_codes(affine) == "LAS"
    assert volumes.axis_codes(volumes.LPS_TO_RAS @ affine, "LPS") == "LAS"
    with pytest.raises(ValueError, match="space"):
        volumes.axis_codes(affine, "XYZ")


# --- bad input ----------------------------------------------------------------------------------

def test_not_the_format_claimed(tmp_path):
    fake = tmp_path / "scan.dcm"
    fake.write_bytes(data.real_file("anatomical.nii").read_bytes())
    with pytest.raises(errors.WrongFormatError, match=r"scan\.dcm.*NIfTI-1"):
        dicom.read_dicom(fake)
    fake_nii = tmp_path / "brain.nii"
    fake_nii.write_bytes(real("CT_small.dcm").read_bytes())
    with pytest.raises(errors.WrongFormatError, match=r"brain\.nii.*DICOM"):
        volumes.load_volume(fake_nii)
    fake_gz = tmp_path / "brain.nii.gz"
    fake_gz.write_bytes(b"not gzip at all" * 10)
    with pytest.raises(errors.WrongFormatError, match="gzip"):
        volumes.load_volume(fake_gz)
    with pytest.raises(errors.WrongFormatError, match="NRRD"):
        formats.nrrd_text_header(fake_nii)
    with pytest.raises(FileNotFoundError):
        dicom.read_dicom(tmp_path / "absent.dcm")


@pytest.mark.parametrize("keep", [200, 1000, 5000, -1000, -1])
def test_truncated_dicom(tmp_path, keep):
    content = real("CT_small.dcm").read_bytes()
    cut = tmp_path / "cut.dcm"
    cut.write_bytes(content[:keep])
    with pytest.raises(errors.TruncatedFileError, match=r"cut\.dcm"):
        dicom.dicom_pixels(cut)


@pytest.mark.parametrize("name,keep", [("anatomical.nii", 1000), ("anatomical.nii", -10),
                                       ("example_nifti2.nii.gz", 5000)])
def test_truncated_nifti(tmp_path, name, keep):
    content = data.real_file(name).read_bytes()
    cut = tmp_path / ("cut" + "".join(data.real_file(name).suffixes))
    cut.write_bytes(content[:keep])
    with pytest.raises(errors.TruncatedFileError, match="cut"):
        volumes.load_volume(cut, max_dims=4)


def test_truncated_nifti_header_when_gzip_stream_ends_early(tmp_path):
    content = data.real_file("example4d.nii.gz").read_bytes()
    cut = tmp_path / "cut.nii.gz"
    cut.write_bytes(content[:100])
    with pytest.raises(errors.TruncatedFileError, match="cut"):
        formats.identify(cut)


def test_truncated_nrrd(tmp_path, data_dir):
    content = volumes.nrrd_files()["attached"].read_bytes()
    cut = tmp_path / "cut.nrrd"
    cut.write_bytes(content[:-100])
    with pytest.raises(errors.TruncatedFileError, match="cut"):
        volumes.load_volume(cut)


def test_dicom_without_pixel_data(tmp_path):
    ds = pydicom.dcmread(real("CT_small.dcm"))
    del ds.PixelData
    path = tmp_path / "no_pixels.dcm"
    ds.save_as(path)
    with pytest.raises(errors.NoPixelDataError, match=r"no_pixels\.dcm.*no image"):
        dicom.read_dicom(path)
    assert "Modality" in dicom.read_dicom(path, pixels=False)
    with pytest.raises(errors.NoPixelDataError, match="no image"):
        dicom.dicom_pixels(dicom.read_dicom(path, pixels=False))
    rtplan = real("rtdose.dcm").with_name("rtplan.dcm")
    with pytest.raises(errors.NoPixelDataError, match="rtplan"):
        dicom.read_dicom(rtplan)


def test_compressed_dicom_without_decoder_names_the_packages():
    path = real("MR_small_jpeg_ls_lossless.dcm")
    syntax = pydicom.dcmread(path, stop_before_pixels=True).file_meta.TransferSyntaxUID
    assert not get_decoder(syntax).is_available  # the book's environment has none
    with pytest.raises(errors.NoDecoderError, match=r"JPEG-LS.*pylibjpeg-libjpeg.*gdcm|"
                                                      r"JPEG-LS.*gdcm.*pylibjpeg-libjpeg"):
        dicom.dicom_pixels(path)


def test_decoder_packages_for_known_and_unknown_syntaxes():
    assert any("pylibjpeg" in p for p in dicom.decoder_packages("1.2.840.10008.1.2.4.80"))
    assert dicom.decoder_packages("1.2.840.10008.1.2.1") == []  # native: nothing missing
    assert dicom.decoder_packages("1.2.3.4") == []


def test_no_decoder_error_when_pydicom_has_no_decoder_at_all(monkeypatch):
    import pydicom.pixels as pixels

    ds = pydicom.dcmread(real("MR_small_jpeg_ls_lossless.dcm"))

    def none(uid):
        raise NotImplementedError(uid)

    monkeypatch.setattr(pixels, "get_decoder", none)
    with pytest.raises(errors.NoDecoderError, match="none known to pydicom"):
        dicom.dicom_pixels(ds)


def test_four_d_nifti_where_3d_is_expected():
    path = data.real_file("example4d.nii.gz")
    with pytest.raises(errors.DimensionError, match=r"example4d\.nii\.gz.*4 axes"):
        volumes.load_volume(path)
    values, _ = volumes.load_volume(path, max_dims=4)
    assert values.shape == (128, 96, 24, 2)


def test_trailing_length_one_axes_are_dropped():
    values, _ = volumes.load_volume(data.real_file("tiny.mnc"))
    assert values.shape == (10, 20, 20)
    with pytest.raises(FileNotFoundError, match="img"):
        volumes.load_volume(data.real_file("analyze.hdr"))  # nibabel ships the header only


def test_errors_are_value_errors_with_the_path():
    for cls in (errors.WrongFormatError, errors.TruncatedFileError,
                errors.NoPixelDataError, errors.NoDecoderError, errors.DimensionError):
        assert issubclass(cls, errors.MedimgError) and issubclass(cls, ValueError)
    assert issubclass(errors.TruncatedFileError, errors.DamagedFileError)
    assert issubclass(errors.DamagedImageError, errors.DamagedFileError)


# --- de-identification --------------------------------------------------------------------

def _filled(ds, keyword):
    return [str(e.value) for e in ds.iterall() if e.keyword == keyword and str(e.value).strip()]


@pytest.mark.parametrize("name", ["CT_small.dcm", "MR_small.dcm", "RG1_UNCR.dcm"])
def test_deidentify_removes_the_profile_keeps_pixels_and_leaves_original(data_dir, name):
    source = real(name)
    before = paths.sha256(source)
    target = deid.deidentify(source)
    assert paths.sha256(source) == before  # the original is unchanged
    assert target != source and target.parent == data_dir / "generated" / "formats"
    old, new = pydicom.dcmread(source), pydicom.dcmread(target)
    assert old.PixelData == new.PixelData  # byte-identical pixels
    assert new.PatientIdentityRemoved == "YES"
    assert new.DeidentificationMethodCodeSequence[0].CodeValue == "113100"
    assert new.preamble == bytes(128)
    assert not any(e.tag.is_private for e in new.iterall())
    for keyword, action in deid.BASIC_PROFILE.items():
        survivors = set(_filled(old, keyword)) & set(_filled(new, keyword))
        assert not survivors, f"{keyword} ({action}) survived: {survivors}"
        if action == "U" and _filled(old, keyword):
            assert len(_filled(new, keyword)) == len(_filled(old, keyword))
    assert new.file_meta.MediaStorageSOPInstanceUID == new.SOPInstanceUID
    assert not deid.patient_data_table(new).column("Action").count("Z")


def test_deidentify_is_deterministic_and_consistent(data_dir, tmp_path):
    source = real("CT_small.dcm")
    first = deid.deidentify(source, tmp_path / "a.dcm")
    second = deid.deidentify(source, tmp_path / "b.dcm")
    assert first.read_bytes() == second.read_bytes()
    new = pydicom.dcmread(first)
    assert new.StudyInstanceUID == deid._new_uid(pydicom.dcmread(source).StudyInstanceUID)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_deidentify_refuses_to_overwrite_its_source(tmp_path):
    copy = tmp_path / "ct.dcm"
    copy.write_bytes(real("CT_small.dcm").read_bytes())
    with pytest.raises(ValueError, match="new file"):
        deid.deidentify(copy, copy)


def test_deidentify_removes_overlays_and_curves(tmp_path):
    ds = pydicom.dcmread(real("CT_small.dcm"))
    ds.add_new(0x60003000, "OW", b"\x00\x01" * 8)   # overlay data
    ds.add_new(0x60004000, "LT", "drawn by Dr X")   # overlay comments
    ds.add_new(0x50000010, "US", 2)                 # a retired curve element
    path = tmp_path / "overlay.dcm"
    ds.save_as(path)
    new = pydicom.dcmread(deid.deidentify(path, tmp_path / "clean.dcm"))
    assert not [t for t in new.keys() if t.group in (0x5000, 0x6000)]


def test_every_profile_action_resolves():
    assert {deid._action(k) for k in deid.BASIC_PROFILE} <= {"X", "Z", "U"}
    deid.BASIC_PROFILE["_Bogus"] = "D"
    try:
        with pytest.raises(ValueError, match="unknown action"):
            deid._action("_Bogus")
    finally:
        del deid.BASIC_PROFILE["_Bogus"]


def test_patient_data_table_marks_nested_ids_and_counts_private_tags():
    table = deid.patient_data_table(pydicom.dcmread(real("CT_small.dcm")))
    keys = table.column("Keyword")
    assert "↳ `PatientID`" in keys and "`PatientName`" in keys
    assert table.rows[-1][0] == "(private tags)"


@settings(max_examples=20, deadline=None)
@given(st.text(alphabet="0123456789.", min_size=1, max_size=40))
def test_new_uids_are_valid_and_stable(old):
    new = deid._new_uid(old)
    assert new == deid._new_uid(old) and new.startswith("2.25.") and len(new) <= 64
    assert new != old
