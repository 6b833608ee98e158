"""medimg.formats: the real files, the formats table, identify, header bytes, paths and budget."""

import gzip
import os
import struct

import nibabel
import nrrd
import numpy as np
import pydicom
import pytest

from medimg import data, errors, formats, headers, paths, tables, volumes


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
    pair2 = tmp_path / "pair2.hdr"
    pair2.write_bytes(struct.pack("<i", 540) + b"ni2\x00\r\n\x1a\n" + bytes(600))
    assert formats.identify(pair2) == "NIfTI-2"
    inside = tmp_path / "no_gz_suffix"
    inside.write_bytes(gzip.compress(data.real_file("anatomical.nii").read_bytes()[:2000]))
    assert formats.identify(inside) == "NIfTI-1"      # gzip told by its bytes, not its name


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
    # FSL's descrip has a NUL byte inside: the text is cut there (C strings end at NUL).
    assert "'FSL3.3'" in by_file["`example_nifti2.nii.gz`"][4]
    assert not any(ch in cell for row in table.rows for cell in row for ch in "\x00\ufffd")




# --- other kinds, paths and the budget -----------------------------------------------------

@pytest.mark.parametrize("name,kind", [
    ("test.mgz", "MGH"), ("phantom_EPI_asc_CLEAR_2_1.PAR", "PAR/REC"),
    ("scaled+tlrc.HEAD", "AFNI"), ("tinypet.v", "ECAT"), ("simple.trk", "TrackVis"),
    ("simple.tck", "MRtrix tracks"), ("nifti2.hdr", "NIfTI-2"), ("nifti1.hdr", "NIfTI-1"),
])
def test_identify_names_the_other_kinds_nibabel_ships(name, kind):
    assert formats.identify(data.nibabel_test_file(name)) == kind
    assert kind in formats.OTHER_KINDS or kind in [f.name for f in formats.FORMATS]


def test_identify_names_dicom_without_preamble_and_plain_images(tmp_path):
    face = data.dicom_test_file("OT-PAL-8-face.dcm")
    assert formats.identify(face) == "DICOM (no preamble)"
    assert "preamble" in formats.describe("DICOM (no preamble)")
    png = tmp_path / "scan.dcm"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    assert formats.identify(png) == "PNG"
    assert "no format medimg knows" in formats.describe("Raw")


def test_check_file_names_what_is_wrong(tmp_path):
    with pytest.raises(errors.MissingFileError, match="absent.*no such file"):
        formats.check_file(tmp_path / "absent")
    with pytest.raises(errors.IsAFolderError, match="folder"):
        formats.check_file(tmp_path)
    fifo = tmp_path / "pipe.jpeg"
    os.mkfifo(fifo)
    with pytest.raises(errors.NotAFileError, match="pipe"):
        formats.check_file(fifo)
    (tmp_path / "ok").write_bytes(b"x")
    assert formats.check_file(tmp_path / "ok") == tmp_path / "ok"
    assert issubclass(errors.MissingFileError, FileNotFoundError)
    assert issubclass(errors.IsAFolderError, IsADirectoryError)


def test_limits_change_inside_a_block_only():
    before = formats.LIMITS.bytes
    with formats.limits(bytes=100) as budget:
        assert budget.bytes == formats.LIMITS.bytes == 100
        with pytest.raises(errors.TooLargeError, match=r"x\.nii.*1,000 bytes.*budget of 100"):
            formats.check_budget("x.nii", (10, 10, 10), 1)
        formats.check_budget("x.nii", (10, 10), 1)
    assert formats.LIMITS.bytes == before
    with pytest.raises(TypeError, match="no limit called"), formats.limits(nonsense=1):
        pass
