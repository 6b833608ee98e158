"""What the headers of real files say, side by side, and whether their bytes agree.

:data:`LECTURE_GROUPS` holds the lecture's three groups of data in a medical image as
DICOM keywords, and :func:`attributes_table` shows each attribute's value in real files.
These tables read real files with the real libraries (through :mod:`medimg.dicom` and
:mod:`medimg.volumes`) and put the answers beside the formats table of
:mod:`medimg.formats`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .data import nibabel_test_file, real_file
from .dicom import dicom_pixels, read_dicom, tag_text, value_text
from .formats import identify
from .tables import Table
from .volumes import analyze_pair, axis_codes, load_volume, nrrd_files

#: The lecture's three groups of data in a medical image, as DICOM keywords.
LECTURE_GROUPS: dict[str, list[tuple[str, str]]] = {
    "acquisition": [
        ("掃描者姓名 operator's name", "OperatorsName"),
        ("掃描模組 modality", "Modality"),
        ("掃描序號 series number", "SeriesNumber"),
        ("掃描日期 study date", "StudyDate"),
        ("資料日期 acquisition date", "AcquisitionDate"),
        ("掃描時間 acquisition time", "AcquisitionTime"),
        ("掃描時間長 exposure time (ms)", "ExposureTime"),
        ("影像種類 image type", "ImageType"),
        ("機器製造商 manufacturer", "Manufacturer"),
    ],
    "image": [
        ("掃描序號 instance number", "InstanceNumber"),
        ("影像厚度 slice thickness", "SliceThickness"),
        ("影像位置 image position", "ImagePositionPatient"),
        ("影像角度 image orientation", "ImageOrientationPatient"),
        ("索引UID SOP instance UID", "SOPInstanceUID"),
        ("Slice位置 slice location", "SliceLocation"),
        ("欄 columns", "Columns"),
        ("列 rows", "Rows"),
        ("像素Spacing pixel spacing", "PixelSpacing"),
        ("Bits Allocated", "BitsAllocated"),
        ("Bits Stored", "BitsStored"),
        ("最小影像像素值 smallest pixel value", "SmallestImagePixelValue"),
        ("最大影像像素值 largest pixel value", "LargestImagePixelValue"),
        ("Window 中央位置 window centre", "WindowCenter"),
        ("Window寬 window width", "WindowWidth"),
        ("Rescale截距 rescale intercept", "RescaleIntercept"),
        ("Rescale斜率 rescale slope", "RescaleSlope"),
    ],
    "patient": [
        ("姓名 name", "PatientName"),
        ("生日 birth date", "PatientBirthDate"),
        ("性別 sex", "PatientSex"),
        ("年齡 age", "PatientAge"),
        ("體重 weight (kg)", "PatientWeight"),
        ("病歷號 patient ID", "PatientID"),
        ("掃描號 accession number", "AccessionNumber"),
        ("掃描部位 body part examined", "BodyPartExamined"),
    ],
}


def attributes_table(group: str, files: dict[str, Any]) -> Table:
    """The lecture's list for one group, with each attribute's value in each file.

    ``files`` maps a column title to a pydicom Dataset. "—" means the file does not have
    the attribute; "(empty)" means it has it with no value.
    """
    from pydicom.datadict import dictionary_VR

    rows = []
    for lecture, keyword in LECTURE_GROUPS[group]:
        row = [lecture, f"`{keyword}`", tag_text(keyword), dictionary_VR(keyword)]
        row += [value_text(ds.get(keyword)) if keyword in ds else "—" for ds in files.values()]
        rows.append(row)
    return Table(["Lecture 講義", "Keyword", "Tag", "VR", *files], rows)


def _minc1_groups(path: Path) -> str:
    """Name the MINC1 standard variables about the patient and study, with attributes."""
    from nibabel.externals.netcdf import netcdf_file

    found = []
    with netcdf_file(str(path), "r", mmap=False) as fh:
        for name in ("patient", "study", "acquisition"):
            if name in fh.variables:
                attrs = {k: v.decode("latin-1").strip("_") for k, v in
                         fh.variables[name]._attributes.items()
                         if k in ("modality", "full_name", "identification", "birthdate")}
                found.append(f"`{name}` {attrs}" if attrs else f"`{name}`")
    return ", ".join(found) or "none"


def c_string(raw: bytes) -> str:
    """Read a fixed-size text field of a binary header as C does: up to the first NUL byte.

    Analyze and NIfTI text fields (``descrip``, ``patient_id``, …) are C strings in a
    fixed number of bytes: the text ends at the first zero byte, and whatever follows it
    is left-over memory, not text (nibabel's NIfTI-2 example holds ``b'FSL3.3\\x00 v2.25
    …'``).
    """
    return bytes(raw).split(b"\x00", 1)[0].decode("latin-1").strip()


def header_knowledge() -> Table:
    """What each header knows, read from real files: spacing, orientation, patient data."""
    import nibabel
    import nrrd

    rows = []
    for name in ("CT_small.dcm", "RG1_UNCR.dcm"):
        ds = read_dicom(real_file(name), pixels=False)
        spacing = ", ".join(str(v) for v in ds.get("PixelSpacing", [])) or "—"
        orient = ("Image Orientation (Patient), LPS" if "ImageOrientationPatient" in ds
                  else f"only Patient Orientation {value_text(ds.get('PatientOrientation', '—'))}")
        patient = [k for _, k in LECTURE_GROUPS["patient"] if str(ds.get(k, "")).strip()]
        rows.append(["DICOM", f"`{name}`", spacing, orient, ", ".join(patient)])
    for name, label in (("anatomical.nii", "NIfTI-1"), ("example_nifti2.nii.gz", "NIfTI-2")):
        image = nibabel.load(nibabel_test_file(name))
        zooms = ", ".join(f"{z:g}" for z in image.header.get_zooms()[:3])
        _, code = image.header.get_sform(coded=True)
        descrip = c_string(image.header["descrip"].item())
        rows.append([label, f"`{name}`", zooms,
                     f"affine (sform code {int(code)}), RAS, {axis_codes(image.affine)}",
                     f"no patient fields; free text `descrip`: '{descrip}'"])
    hdr, _ = analyze_pair()
    analyze = nibabel.load(hdr)
    patient_id = c_string(analyze.header["patient_id"].item())
    rows.append(["Analyze 7.5", f"`{hdr.name}` (made here)",
                 ", ".join(f"{z:g}" for z in analyze.header.get_zooms()[:3]),
                 f"no affine: an `orient` code; nibabel assumes {axis_codes(analyze.affine)}",
                 f"a 10-byte `patient_id` field ('{patient_id}'), `exp_date`, `exp_time`"])
    tiny = nibabel.load(nibabel_test_file("tiny.mnc"))
    rows.append(["MINC1", "`tiny.mnc`", ", ".join(f"{z:g}" for z in tiny.header.get_zooms()),
                 f"direction cosines, RAS, {axis_codes(tiny.affine)}",
                 f"standard variables: {_minc1_groups(nibabel_test_file('tiny.mnc'))}"])
    import h5py

    with h5py.File(nibabel_test_file("small.mnc"), "r") as fh:
        info = sorted(fh["minc-2.0/info"].keys()) if "minc-2.0/info" in fh else []
    minc = nibabel.load(nibabel_test_file("small.mnc"))
    rows.append(["MINC2", "`small.mnc`", ", ".join(f"{z:g}" for z in minc.header.get_zooms()),
                 f"direction cosines, RAS, {axis_codes(minc.affine)}",
                 f"group `info`: {', '.join(info) or 'empty'}"])
    header = nrrd.read_header(str(nrrd_files()["attached"]))
    spacing = np.linalg.norm(np.asarray(header["space directions"], dtype=float), axis=1)
    rows.append(["NRRD", "`anatomical.nrrd` (made here)", ", ".join(f"{s:g}" for s in spacing),
                 f"space directions, {header['space']}", "none unless someone adds a field"])
    return Table(["Format", "File", "Spacing (mm)", "Orientation", "Patient data"], rows)


def format_evidence() -> Table:
    """Check the formats table on real files: what the bytes say and what the library reads."""
    import nibabel

    hdr, _ = analyze_pair()
    nrrd_path = nrrd_files()["attached"]
    cases = [
        ("DICOM", real_file("CT_small.dcm"), "pydicom"),
        ("NIfTI-1", real_file("example4d.nii.gz"), "nibabel"),
        ("NIfTI-2", real_file("example_nifti2.nii.gz"), "nibabel"),
        ("Analyze 7.5", hdr, "made by medimg with nibabel"),
        ("MINC", real_file("tiny.mnc"), "nibabel"),
        ("HDF5", real_file("small.mnc"), "nibabel"),
        ("NRRD", nrrd_path, "made by medimg with pynrrd"),
    ]
    rows = []
    for claimed, path, origin in cases:
        found = identify(path)
        if claimed == "DICOM":
            ds = read_dicom(path)
            read = f"{ds.Modality}, {dicom_pixels(ds).dtype}, {ds.Rows} × {ds.Columns}"
        elif claimed == "NRRD":
            data, _ = load_volume(path)
            read = f"{data.dtype}, shape {data.shape}"
        else:
            image = nibabel.load(path)
            read = f"{type(image).__name__}, {image.get_data_dtype()}, shape {image.shape}"
        rows.append([claimed, f"`{path.name}`", origin, found, read,
                     "yes" if found == claimed else "no"])
    return Table(["Format", "File", "From", "Bytes say", "Library reads", "Agree"], rows)
