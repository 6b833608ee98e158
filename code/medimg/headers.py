"""What the headers of real files say, side by side, and whether their bytes agree.

These tables read real files with the real libraries (through :mod:`medimg.dicom` and
:mod:`medimg.volumes`) and put the answers beside the formats table of
:mod:`medimg.formats`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .data import nibabel_test_file, real_file
from .dicom import LECTURE_GROUPS, dicom_pixels, read_dicom, value_text
from .formats import identify
from .tables import Table
from .volumes import analyze_pair, axis_codes, load_volume, nrrd_files


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
        # A NUL byte inside the text (FSL writes one) is shown as \x00, not as a box or "�".
        descrip = (image.header["descrip"].item().decode("latin-1").strip("\x00 ")
                   .replace("\x00", "\\x00"))
        rows.append([label, f"`{name}`", zooms,
                     f"affine (sform code {int(code)}), RAS, {axis_codes(image.affine)}",
                     f"no patient fields; free text `descrip`: '{descrip}'"])
    hdr, _ = analyze_pair()
    analyze = nibabel.load(hdr)
    patient_id = analyze.header["patient_id"].item().decode("latin-1").strip("\x00 ")
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
