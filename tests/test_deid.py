"""medimg.deid: the full Basic Profile of PS3.15 Annex E, applied to real files."""

import pydicom
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medimg import data, deid, dicom, errors, paths


def real(name):
    return data.dicom_test_file(name)


def _filled(ds, tag):
    return [e for e in ds.iterall() if int(e.tag) == tag and
            (len(e.value) if e.VR == "SQ" else str(e.value).strip())]


# --- the table --------------------------------------------------------------------------------

def test_the_profile_is_the_full_table_from_a_maintained_source():
    release, tags, masked = deid.basic_profile()
    assert release >= "2026c"                   # the newest release dicom-anonymizer ships
    assert 600 <= len(tags) + len(masked) <= 700   # Table E.1-1 has about 650 rows
    named = {pydicom.datadict.keyword_for_tag(t): a for t, a in tags.items()}
    assert named["PatientName"] == "Z" and named["SOPInstanceUID"] == "U"
    assert named["IconImageSequence"] == "X" and named["StudyComments"] == "X"
    assert named["RequestingService"] == "X" and named["DimensionOrganizationUID"] == "U"
    assert named["CommentsOnThePerformedProcedureStep"] == "X"
    assert named["ClinicalTrialCoordinatingCenterName"] in ("X", "Z", "X/Z")
    assert named["PaletteColorLookupTableUID"] == "U"
    assert set(tags.values()) <= {"X", "Z", "D", "U", "Z/D", "X/Z", "X/D", "X/Z/D", "X/Z/U*"}
    assert deid.profile_action(0x60003000) == "X"          # overlay data, a repeating group
    assert deid.profile_action(0x00091001) == "X"          # private
    assert deid.profile_action(0x00280010) is None         # Rows: kept


# --- de-identifying real files ------------------------------------------------------------

REAL = ["CT_small.dcm", "MR_small.dcm", "RG1_UNCR.dcm", "MR-SIEMENS-DICOM-WithOverlays.dcm",
        "examples_overlay.dcm", "liver_1frame.dcm", "gdcm-US-ALOKA-16.dcm",
        "JPGLosslessP14SV1_1s_1f_8b.dcm", "J2K_pixelrep_mismatch.dcm", "nested_priv_SQ.dcm",
        "rtplan.dcm"]


@pytest.mark.parametrize("name", REAL)
def test_nothing_the_profile_names_survives(tmp_path, name):
    source = real(name)
    before = paths.sha256(source)
    target = deid.deidentify(source, tmp_path / "clean.dcm")
    assert paths.sha256(source) == before                  # the original is unchanged
    old, new = pydicom.dcmread(source), pydicom.dcmread(target)
    if "PixelData" in old:
        assert old.PixelData == new.PixelData              # byte-identical pixels
    _, tags, _ = deid.basic_profile()
    for tag, action in tags.items():
        for element in _filled(old, tag):
            kept = [e for e in _filled(new, tag) if e.VR != "SQ" and e.value == element.value]
            assert not kept, f"{element.keyword} ({action}) survived in {name}"
    for keyword in ("IconImageSequence", "StudyComments", "RequestingService",
                    "CommentsOnThePerformedProcedureStep", "ClinicalTrialCoordinatingCenterName"):
        assert not _filled(new, pydicom.datadict.tag_for_keyword(keyword))
    assert not any(e.tag.is_private for e in new.iterall())
    assert not [t for t in new.keys() if t.group & 0xFF00 == 0x5000            # curves
                or t.group & 0xFF00 == 0x6000 and t.element in (0x3000, 0x4000)]  # overlays
    # what PS3.15 E.1.1 and E.2 ask the result to say about itself
    assert new.PatientIdentityRemoved == "YES"
    assert new.DeidentificationMethodCodeSequence[0].CodeValue == "113100"
    assert new.LongitudinalTemporalInformationModified == "REMOVED"
    assert new.preamble == bytes(128)
    # a file meta header made afresh: no AE title of the sender
    for keyword in ("SourceApplicationEntityTitle", "SendingApplicationEntityTitle"):
        assert keyword not in new.file_meta
    if "SOPInstanceUID" in new:
        assert new.file_meta.MediaStorageSOPInstanceUID == new.SOPInstanceUID
    assert dicom.read_dicom(target, pixels=False)          # a valid file medimg reads back


def test_the_station_name_in_the_file_meta_does_not_survive(tmp_path):
    ds = pydicom.dcmread(real("CT_small.dcm"))
    ds.file_meta.SourceApplicationEntityTitle = "RADIOLOGY_CT3"
    path = tmp_path / "sent.dcm"
    ds.save_as(path)
    assert "`SourceApplicationEntityTitle`" in deid.patient_data_table(ds).column("Keyword")
    new = pydicom.dcmread(deid.deidentify(path, tmp_path / "clean.dcm"))
    assert b"RADIOLOGY_CT3" not in (tmp_path / "clean.dcm").read_bytes()
    assert "SourceApplicationEntityTitle" not in new.file_meta


def test_uids_are_consistent_in_a_run_and_unlinkable_without_the_key(tmp_path):
    source = real("CT_small.dcm")
    first = pydicom.dcmread(deid.deidentify(source, tmp_path / "a.dcm"))
    second = pydicom.dcmread(deid.deidentify(source, tmp_path / "b.dcm"))
    assert first.StudyInstanceUID == second.StudyInstanceUID  # same run: same new UID
    old = pydicom.dcmread(source).StudyInstanceUID
    other_key = pydicom.dcmread(deid.deidentify(source, tmp_path / "c.dcm", key=b"another"))
    assert other_key.StudyInstanceUID != first.StudyInstanceUID
    assert first.StudyInstanceUID == deid.new_uid(old)
    assert first.StudyInstanceUID != deid.new_uid(old, key=b"guess")
    assert old not in (tmp_path / "a.dcm").read_bytes().decode("latin-1")


def test_a_reference_inside_a_sequence_gets_the_same_new_uid(tmp_path):
    ds = pydicom.dcmread(real("MR-SIEMENS-DICOM-WithOverlays.dcm"))
    referenced = ds.ReferencedImageSequence[0].ReferencedSOPInstanceUID
    new = pydicom.dcmread(deid.deidentify(real("MR-SIEMENS-DICOM-WithOverlays.dcm"),
                                          tmp_path / "clean.dcm"))
    assert new.ReferencedImageSequence[0].ReferencedSOPInstanceUID == deid.new_uid(referenced)


def test_never_writes_over_an_existing_file(tmp_path, data_dir):
    source = real("CT_small.dcm")
    unrelated = tmp_path / "report.dcm"
    unrelated.write_bytes(b"somebody's report")
    with pytest.raises(errors.TargetExistsError, match=r"report\.dcm.*already exists"):
        deid.deidentify(source, unrelated)
    assert unrelated.read_bytes() == b"somebody's report"
    assert deid.deidentify(source, unrelated, overwrite=True) == unrelated
    copy = tmp_path / "ct.dcm"
    copy.write_bytes(source.read_bytes())
    with pytest.raises(errors.TargetExistsError, match="new file, not the source"):
        deid.deidentify(copy, copy, overwrite=True)
    # the default target: an earlier copy made here is replaced, anything else refused
    first = deid.deidentify(source)
    assert first.parent == data_dir / "generated" / "formats"
    assert deid.deidentify(source) == first
    first.write_bytes(b"not ours")
    with pytest.raises(errors.TargetExistsError):
        deid.deidentify(source)
    assert not [p for p in first.parent.iterdir() if p.name.endswith(".part")]


def test_patient_data_table_marks_nested_ids_and_counts_private_tags():
    table = deid.patient_data_table(pydicom.dcmread(real("CT_small.dcm")))
    keys = table.column("Keyword")
    assert "↳ `PatientID`" in keys and "`PatientName`" in keys
    assert "`SourceApplicationEntityTitle`" in keys
    assert table.rows[-1][0] == "(private tags)"


@settings(max_examples=20, deadline=None)
@given(st.text(alphabet="0123456789.", min_size=1, max_size=40))
def test_new_uids_are_valid_and_stable(old):
    new = deid.new_uid(old)
    assert new == deid.new_uid(old) and len(new) <= 64 and new != old
    assert pydicom.uid.UID(new).is_valid


def test_a_copy_made_by_an_earlier_medimg_is_replaced_at_the_default_target(tmp_path,
                                                                            monkeypatch):
    """A reader who updates the book keeps data/generated/: the old copy must not block."""
    monkeypatch.setenv(paths.DATA_ENV, str(tmp_path / "data"))
    source = real("CT_small.dcm")
    first = deid.deidentify(source)
    old = pydicom.dcmread(first)
    old.DeidentificationMethod = "DICOM PS3.15 Annex E Basic Profile, as applied by medimg"
    old.save_as(first)
    again = deid.deidentify(source)
    assert again == first
    assert pydicom.dcmread(again).DeidentificationMethod.endswith("(medimg)")
    old.DeidentificationMethod = "someone else's tool"
    old.save_as(first)
    with pytest.raises(errors.TargetExistsError, match="not a de-identified copy made by medimg"):
        deid.deidentify(source)


def test_the_table_can_leave_the_tags_out_for_a_narrow_page():
    ds = dicom.read_dicom(real("CT_small.dcm"))
    wide, narrow = deid.patient_data_table(ds), deid.patient_data_table(ds, tags=False)
    assert narrow.columns == ["Keyword", "Value", "Action"]
    assert narrow.column("Keyword") == wide.column("Keyword")
    assert narrow.column("Action") == wide.column("Action")
