"""De-identification of DICOM files (PS3.15 Annex E, Basic Application Level
Confidentiality Profile): list what patient data a file carries, and write a copy
without it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from . import paths
from .dicom import read_dicom, tag_text, value_text
from .tables import Table

# ---------------------------------------------------------------------------------------
# De-identification (DICOM PS3.15 Annex E, Basic Application Level Confidentiality Profile)

#: Part of Table E.1-1 of PS3.15: the attributes that ordinary image files carry, with
#: the Basic Profile's action. X remove; Z make empty; D replace by a dummy value;
#: U replace the UID by a new one (consistently); "X/Z" etc. depend on the IOD.
BASIC_PROFILE: dict[str, str] = {
    # patient
    "PatientName": "Z", "PatientID": "Z/D", "PatientBirthDate": "Z", "PatientSex": "Z",
    "PatientBirthTime": "X", "PatientAge": "X", "PatientSize": "X", "PatientWeight": "X",
    "PatientAddress": "X", "PatientTelephoneNumbers": "X", "PatientBirthName": "X",
    "PatientMotherBirthName": "X", "OtherPatientIDs": "X", "OtherPatientIDsSequence": "X",
    "OtherPatientNames": "X", "IssuerOfPatientID": "X", "MedicalRecordLocator": "X",
    "EthnicGroup": "X", "Occupation": "X", "AdditionalPatientHistory": "X",
    "PatientComments": "X", "MilitaryRank": "X", "BranchOfService": "X",
    "CountryOfResidence": "X", "RegionOfResidence": "X", "MedicalAlerts": "X",
    "Allergies": "X", "PregnancyStatus": "X", "SmokingStatus": "X",
    "LastMenstrualDate": "X", "PatientReligiousPreference": "X", "PatientState": "X",
    # study, visit, request
    "AccessionNumber": "Z", "StudyID": "Z", "StudyDate": "Z", "StudyTime": "Z",
    "StudyDescription": "X", "ReferringPhysicianName": "Z",
    "ReferringPhysicianAddress": "X", "ReferringPhysicianTelephoneNumbers": "X",
    "PhysiciansOfRecord": "X", "NameOfPhysiciansReadingStudy": "X",
    "PerformingPhysicianName": "X", "RequestingPhysician": "X",
    "AdmittingDiagnosesDescription": "X", "AdmissionID": "X", "ReasonForStudy": "X",
    "RequestedProcedureDescription": "X/Z", "RequestedProcedureID": "X",
    "RequestAttributesSequence": "X", "ReferencedPatientSequence": "X",
    "ReferencedStudySequence": "X/Z", "PerformedProcedureStepID": "X",
    "PerformedProcedureStepDescription": "X", "PerformedProcedureStepStartDate": "X",
    "PerformedProcedureStepStartTime": "X",
    # series, equipment, image
    "SeriesDate": "X/D", "SeriesTime": "X/D", "SeriesDescription": "X",
    "AcquisitionDate": "X/Z", "AcquisitionTime": "X/Z", "AcquisitionDateTime": "X/Z/D",
    "ContentDate": "Z/D", "ContentTime": "Z/D", "InstanceCreationDate": "X/D",
    "InstanceCreationTime": "X/Z/D", "TimezoneOffsetFromUTC": "X",
    "InstitutionName": "X/Z/D", "InstitutionAddress": "X",
    "InstitutionalDepartmentName": "X", "StationName": "X/Z/D", "OperatorsName": "X/Z/D",
    "DeviceSerialNumber": "X/Z/D", "ProtocolName": "X/D", "DerivationDescription": "X",
    "ImageComments": "X", "AcquisitionComments": "X", "ContrastBolusAgent": "Z/D",
    "DateOfLastCalibration": "X", "TimeOfLastCalibration": "X", "DetectorID": "X/D",
    "PlateID": "X", "CassetteID": "X", "GantryID": "X", "GeneratorID": "X",
    "AcquisitionDeviceProcessingDescription": "X/D",
    # identifiers
    "StudyInstanceUID": "U", "SeriesInstanceUID": "U", "SOPInstanceUID": "U",
    "FrameOfReferenceUID": "U", "SynchronizationFrameOfReferenceUID": "U",
    "InstanceCreatorUID": "U", "ReferencedSOPInstanceUID": "U", "IrradiationEventUID": "U",
    "StorageMediaFileSetUID": "U", "UID": "U",
}

DEIDENTIFICATION_METHOD = "DICOM PS3.15 Annex E Basic Profile, as applied by medimg"


def _action(keyword: str) -> str:
    """Collapse an IOD-dependent action: Z when the profile allows it, else X (or U).

    Z keeps a Type 2 attribute present but empty, which is always allowed; a full
    implementation would look up each attribute's type in its IOD.
    """
    options = BASIC_PROFILE[keyword].split("/")
    for choice in ("Z", "X", "U"):
        if choice in options:
            return choice
    raise ValueError(f"unknown action {BASIC_PROFILE[keyword]!r} for {keyword}")


def _profile_elements(ds: Any, depth: int = 0) -> Iterable[tuple[int, Any]]:
    """Yield (depth, element) for every element of the profile, inside sequences too."""
    for element in ds:
        if element.keyword in BASIC_PROFILE and str(element.value).strip():
            yield depth, element
        if element.VR == "SQ":
            for item in element.value:
                yield from _profile_elements(item, depth + 1)


def patient_data_table(ds: Any) -> Table:
    """List the attributes of the Basic Profile that this file carries with a value.

    Attributes found inside a sequence are marked with "↳"; the last row counts the
    private elements (all of them go).
    """
    rows = []
    for depth, element in _profile_elements(ds):
        value = (f"sequence of {len(element.value)} item(s)" if element.VR == "SQ"
                 else value_text(element.value))
        rows.append(["↳ " * depth + f"`{element.keyword}`", tag_text(element.keyword),
                     value, BASIC_PROFILE[element.keyword]])
    private = sum(1 for element in ds.iterall() if element.tag.is_private)
    if private:
        rows.append(["(private tags)", "odd groups", f"{private} elements", "X"])
    return Table(["Keyword", "Tag", "Value", "Action"], rows)


def _new_uid(old: str) -> str:
    """A new UID made from the old one: the same old UID always gives the same new one.

    It is "2.25." followed by a 128-bit number, the form PS3.5 gives for UIDs made from a
    UUID; here the 128 bits come from a SHA-256 hash of the old UID instead.
    """
    digest = hashlib.sha256(f"medimg de-identification {old}".encode()).hexdigest()
    return f"2.25.{int(digest[:32], 16)}"


def _deidentify_dataset(ds: Any) -> None:
    """Apply the profile's actions, recursively, to a pydicom Dataset (in memory)."""
    from pydicom.sequence import Sequence

    def apply(dataset: Any, element: Any) -> None:
        keyword = element.keyword
        if keyword not in BASIC_PROFILE:
            return
        action = _action(keyword)
        if action == "X":
            del dataset[element.tag]
        elif action == "Z":
            element.value = Sequence() if element.VR == "SQ" else ""
        elif isinstance(element.value, (list, tuple)) or element.VM > 1:
            element.value = [_new_uid(str(v)) for v in element.value]
        elif str(element.value):
            element.value = _new_uid(str(element.value))

    ds.remove_private_tags()
    for tag in [t for t in ds.keys() if 0x5000 <= t.group <= 0x50FF
                or (0x6000 <= t.group <= 0x60FF and t.element in (0x3000, 0x4000))]:
        del ds[tag]  # curves, overlay data and overlay comments
    ds.walk(apply)


def deidentify(source: str | os.PathLike, target: str | os.PathLike | None = None) -> Path:
    """Write a de-identified copy of a DICOM file; the source file is never modified.

    Follows the Basic Profile (:data:`BASIC_PROFILE`): names, IDs, dates and
    descriptions are emptied or removed, UIDs replaced consistently, private tags,
    curves and overlays removed, the 128-byte preamble zeroed. The pixel data are kept
    byte for byte. Patient Identity Removed (0012,0062) is set to YES and the method is
    recorded. The default target is ``<generated>/formats/<name>_deid.dcm``. The file
    is written beside the target and renamed into place.
    """
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence

    source = Path(source)
    target = Path(target) if target is not None else \
        paths.generated_dir("formats") / f"{source.stem}_deid.dcm"
    if target.exists() and target.resolve() == source.resolve():
        raise ValueError(f"{target}: the target must be a new file, not the source")
    ds = read_dicom(source)
    _deidentify_dataset(ds)
    ds.preamble = b"\x00" * 128
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = DEIDENTIFICATION_METHOD
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator = "113100", "DCM"
    code.CodeMeaning = "Basic Application Confidentiality Profile"
    ds.DeidentificationMethodCodeSequence = Sequence([code])
    return paths.write_atomically(target, lambda tmp: ds.save_as(tmp, enforce_file_format=True))
