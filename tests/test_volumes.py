"""medimg.volumes: orientation, and volumes read (or refused by name) whatever the format."""

import gzip
import shutil

import nibabel
import nrrd
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from medimg import data, dicom, errors, formats, volumes


def real(name):
    return data.real_file(name)


def nib(name):
    return data.nibabel_test_file(name)


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


# --- bad input: truncated, too many axes ------------------------------------------------

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


def test_four_d_nifti_where_3d_is_expected():
    path = data.real_file("example4d.nii.gz")
    with pytest.raises(errors.DimensionError, match=r"example4d\.nii\.gz.*4 axes"):
        volumes.load_volume(path)
    values, _ = volumes.load_volume(path, max_dims=4)
    assert values.shape == (128, 96, 24, 2)


def test_trailing_length_one_axes_are_dropped():
    values, _ = volumes.load_volume(data.real_file("tiny.mnc"))
    assert values.shape == (10, 20, 20)
    with pytest.raises(errors.MissingDataFileError, match=r"analyze\.hdr.*\.img"):
        volumes.load_volume(data.real_file("analyze.hdr"))  # nibabel ships the header only


# --- two-file images, other formats nibabel reads -----------------------------------------

def _nifti_pair(folder, version):
    """Write the real volume as a NIfTI .hdr/.img pair (version 1 or 2)."""
    source = nibabel.load(real("anatomical.nii"))
    kind = nibabel.Nifti1Pair if version == 1 else nibabel.Nifti2Pair
    pair = kind(np.asanyarray(source.dataobj), source.affine)
    nibabel.save(pair, folder / f"pair{version}.img")
    return folder / f"pair{version}.hdr", folder / f"pair{version}.img", source


@pytest.mark.parametrize("version", [1, 2])
def test_a_nifti_pair_reads_by_either_file(tmp_path, version):
    hdr, img, source = _nifti_pair(tmp_path, version)
    assert formats.identify(hdr) == f"NIfTI-{version}"
    for path in (hdr, img):
        values, affine = volumes.load_volume(path)
        assert np.array_equal(values, np.asanyarray(source.dataobj))
        assert np.allclose(affine, source.affine)
    img.unlink()
    with pytest.raises(errors.MissingDataFileError, match=r"pair.\.hdr.*\.img.*together"):
        volumes.load_volume(hdr)


def test_an_img_without_its_header_is_named(tmp_path):
    lonely = tmp_path / "lonely.img"
    lonely.write_bytes(bytes(1000))
    with pytest.raises(errors.MissingDataFileError, match=r"lonely\.img.*\.hdr"):
        volumes.load_volume(lonely)


@pytest.mark.parametrize("name,shape", [
    ("test.mgz", (3, 4, 5)), ("phantom_EPI_asc_CLEAR_2_1.PAR", (64, 64, 9, 3)),
    ("phantom_EPI_asc_CLEAR_2_1.REC", (64, 64, 9, 3)), ("scaled+tlrc.HEAD", (47, 54, 43)),
    ("scaled+tlrc.BRIK", (47, 54, 43)), ("tinypet.v", (10, 10, 3)),
])
def test_other_formats_read_through_nibabel(name, shape):
    values, affine = volumes.load_volume(nib(name), max_dims=4)
    image = nibabel.load(nib(name)) if not name.endswith(".v") else nibabel.ecat.load(nib(name))
    assert values.shape[:3] == image.shape[:3] == shape[:3] and affine.shape == (4, 4)


def test_cifti_is_refused_by_name():
    with pytest.raises(errors.WrongFormatError, match=r"dconn\.nii.*CIFTI-2.*no affine"):
        volumes.load_volume(nib("row_major.dconn.nii"))


@pytest.mark.parametrize("name,message", [
    ("simple.trk", "TrackVis streamlines"), ("nifti1.hdr", "partner"),
    ("bad_datatype+orig.HEAD", "partner"), ("T1.PAR", "partner"),
    ("README.rst", "no format medimg knows"),
])
def test_files_that_are_not_volumes_are_named(name, message):
    with pytest.raises(errors.MedimgError, match=message):
        volumes.load_volume(nib(name))


def test_a_header_claiming_a_huge_volume_is_refused_before_reading(tmp_path):
    """An 83-byte .nii.gz whose header claims 30000³ int16 values (54 TB)."""
    header = nibabel.Nifti1Header()
    header.set_data_shape((30000, 30000, 30000))
    header.set_data_dtype(np.int16)
    bomb = tmp_path / "bomb.nii.gz"
    bomb.write_bytes(gzip.compress(header.binaryblock + bytes(4)))
    assert bomb.stat().st_size < 200
    with pytest.raises(errors.TooLargeError, match=r"bomb\.nii\.gz.*54,000,000,000,000 bytes"):
        volumes.load_volume(bomb)


def test_a_gzip_stream_that_ends_early_is_truncated(tmp_path):
    content = gzip.compress(real("anatomical.nii").read_bytes())
    cut = tmp_path / "cut.nii.gz"
    cut.write_bytes(content[: len(content) // 2])
    with pytest.raises(errors.TruncatedFileError, match=r"cut\.nii\.gz"):
        volumes.load_volume(cut)


# --- NRRD without space fields, vector NRRD ---------------------------------------------------

def test_nrrd_without_space_fields_reads_with_its_spacings(tmp_path):
    values = np.arange(24, dtype=np.int16).reshape(2, 3, 4)
    path = tmp_path / "plain.nrrd"
    nrrd.write(str(path), values, {"spacings": [0.5, 2.0, 3.0]})
    read, affine = volumes.load_volume(path)
    assert np.array_equal(read, values)
    assert np.allclose(affine, np.diag([0.5, 2.0, 3.0, 1.0]))
    nrrd.write(str(tmp_path / "bare.nrrd"), values)
    assert np.allclose(volumes.load_volume(tmp_path / "bare.nrrd")[1], np.eye(4))


def test_vector_nrrd_puts_the_vector_last_or_names_the_axes(tmp_path):
    values = np.arange(3 * 4 * 5 * 6, dtype=np.float32).reshape(3, 4, 5, 6)
    header = {"kinds": ["vector", "domain", "domain", "domain"], "space": "left-posterior-superior",
              "space directions": [[np.nan] * 3, [1, 0, 0], [0, 2, 0], [0, 0, 3]],
              "space origin": [10, 20, 30]}
    path = tmp_path / "vectors.nrrd"
    nrrd.write(str(path), values, header)
    with pytest.raises(errors.DimensionError, match=r"vectors\.nrrd.*4 axes.*vector"):
        volumes.load_volume(path)
    read, affine = volumes.load_volume(path, max_dims=4)
    assert read.shape == (4, 5, 6, 3) and np.array_equal(read[..., 1], values[1])
    assert np.allclose(affine, volumes.LPS_TO_RAS @ np.array(
        [[1, 0, 0, 10], [0, 2, 0, 20], [0, 0, 3, 30], [0, 0, 0, 1]]))


def test_detached_nrrd_without_its_data_file(tmp_path, data_dir):
    files = volumes.nrrd_files()
    header = tmp_path / files["detached header"].name
    shutil.copy(files["detached header"], header)
    with pytest.raises(errors.MissingDataFileError, match=r"anatomical_detached\.raw"):
        volumes.load_volume(header)
