"""De-identification of DICOM files by the Basic Application Level Confidentiality Profile
of DICOM PS3.15 Annex E: list what patient data a file carries, and write a copy without.

The profile is a table (Table E.1-1): about 650 attributes, each with an action. It is
not copied here by hand. It is read from the package ``dicom-anonymizer``, which ships
the table of several releases of the standard as data, extracted from the standard's
own pages; :func:`basic_profile` takes the newest. medimg applies the actions itself,
because the standard asks for more than that package does: actions inside sequences
too, new UIDs that are consistent within a run but cannot be linked to the old ones
without a secret key, the attributes that record what was done, and a file meta header
made afresh (so no application entity title of the original survives).
"""

from __future__ import annotations

import functools
import importlib.util
import os
import secrets
from pathlib import Path
from typing import Any

from . import paths
from .dicom import read_dicom, value_text
from .errors import TargetExistsError
from .tables import Table

_ACTION_LISTS = {"D_TAGS": "D", "Z_TAGS": "Z", "X_TAGS": "X", "U_TAGS": "U",
                 "Z_D_TAGS": "Z/D", "X_Z_TAGS": "X/Z", "X_D_TAGS": "X/D",
                 "X_Z_D_TAGS": "X/Z/D", "X_Z_U_STAR_TAGS": "X/Z/U*"}


@functools.cache
def basic_profile() -> tuple[str, dict[int, str], tuple[tuple[int, int, int, int, str], ...]]:
    """Table E.1-1 of PS3.15 as data: ``(release, {tag: action}, masked entries)``.

    Read from the newest release that ``dicom-anonymizer`` ships (its module
    ``dicom_anonymization_databases.dicomfields_<release>``), loaded as a plain data file
    so that importing it changes nothing else. Masked entries are the repeating groups
    (curves 50xx, overlay data and comments 60xx): ``(group, element, group mask,
    element mask, action)``. Actions: X remove, Z empty, D dummy value, U new UID, and
    choices such as Z/D that depend on the attribute's type in its IOD.
    """
    spec = importlib.util.find_spec("dicomanonymizer")
    if spec is None or not spec.submodule_search_locations:
        from .errors import MissingDependencyError

        raise MissingDependencyError("dicom-anonymizer is needed for its copy of PS3.15 "
                                     "Table E.1-1: pip install -r requirements.txt")
    folder = Path(list(spec.submodule_search_locations)[0]) / "dicom_anonymization_databases"
    newest = max(folder.glob("dicomfields_*.py"), key=lambda f: f.stem)
    module_spec = importlib.util.spec_from_file_location(f"_medimg_{newest.stem}", newest)
    table = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(table)
    tags: dict[int, str] = {}
    masked = []
    for name, action in _ACTION_LISTS.items():
        for entry in getattr(table, name):
            if len(entry) == 2:
                tags[(entry[0] << 16) | entry[1]] = action
            else:
                masked.append((*entry, action))
    return newest.stem.removeprefix("dicomfields_"), tags, tuple(masked)


def profile_action(tag: int) -> str | None:
    """The Basic Profile's action for a tag: "X", "Z", "D", "U", "Z/D", …, or None (keep).

    Private tags (odd groups) are removed (X), as the profile asks without the Retain
    Safe Private Option.
    """
    _, tags, masked = basic_profile()
    if tag in tags:
        return tags[tag]
    group, element = tag >> 16, tag & 0xFFFF
    for g, e, gmask, emask, action in masked:
        if group & gmask == g & gmask and element & emask == e & emask:
            return action
    return "X" if group % 2 == 1 else None


def _choose(action: str) -> str:
    """Pick one action where the table offers a choice.

    Which one an IOD needs depends on the attribute's type there (Z for Type 2, D for
    Type 1, X for Type 3). Without the IOD at hand: an empty value (Z) where the table
    allows it, since it discloses nothing and keeps a Type 2 attribute present; else
    removal (X); for the reference sequences marked U*, keep the sequence and give the
    instances it refers to their new UIDs.
    """
    options = action.split("/")
    for choice in ("U*", "Z", "X", "U", "D"):
        if choice in options:
            return choice
    return "K"


# --- What a file carries -------------------------------------------------------------------

def _carried(ds: Any, depth: int = 0):
    """Yield (depth, element, action) for every element the profile acts on, with a value."""
    for element in ds:
        action = profile_action(int(element.tag))
        if element.tag.is_private:
            continue
        if action is not None and (element.VR == "SQ" and len(element.value)
                                   or element.VR != "SQ" and str(element.value).strip()):
            yield depth, element, action
        if element.VR == "SQ":
            for item in element.value:
                yield from _carried(item, depth + 1)


def patient_data_table(ds: Any, *, tags: bool = True) -> Table:
    """List the attributes of the Basic Profile that this file carries with a value.

    Attributes found inside a sequence are marked with "↳"; the file meta information
    is listed too (its application entity titles name the sending machine); the last row
    counts the private elements (all of them go). ``tags=False`` leaves the Tag column
    out, for a narrow page.
    """
    rows = []
    meta = getattr(ds, "file_meta", None)
    for source in ([meta] if meta is not None else []) + [ds]:
        for depth, element, action in _carried(source):
            value = (f"sequence of {len(element.value)} item(s)" if element.VR == "SQ"
                     else f"{len(element.value):,} bytes" if isinstance(element.value, bytes)
                     else value_text(element.value))
            rows.append(["↳ " * depth + f"`{element.keyword or element.name}`",
                         _tag(element.tag), value, action])
        if meta is not None and source is meta:
            for keyword in _META_TITLES:
                if str(meta.get(keyword, "")).strip():
                    rows.append([f"`{keyword}`", _tag(meta[keyword].tag),
                                 value_text(meta[keyword].value), "file meta: made anew"])
    private = sum(1 for element in ds.iterall() if element.tag.is_private)
    if private:
        rows.append(["(private tags)", "odd groups", f"{private} elements", "X"])
    table = Table(["Keyword", "Tag", "Value", "Action"], rows)
    if not tags:
        table = Table(["Keyword", "Value", "Action"], [[k, v, a] for k, _, v, a in rows])
    return table


_META_TITLES = ("SourceApplicationEntityTitle", "SendingApplicationEntityTitle",
                "ReceivingApplicationEntityTitle", "SourcePresentationAddress",
                "SendingPresentationAddress", "ReceivingPresentationAddress")


def _tag(tag: Any) -> str:
    return f"({tag.group:04X},{tag.element:04X})"


# --- De-identifying ------------------------------------------------------------------------

_RUN_KEY: bytes | None = None


def run_key() -> bytes:
    """The secret key of this run (this Python process), made at first use.

    New UIDs are derived from the old ones *and* this key: the same old UID gets the
    same new UID throughout a run, so the images of one study stay together; without the
    key, nobody holding the original files can link them. To keep UIDs consistent across
    runs (more files of the same study tomorrow), pass your own ``key`` to
    :func:`deidentify` and keep it as secret as the original data.
    """
    global _RUN_KEY
    if _RUN_KEY is None:
        _RUN_KEY = secrets.token_bytes(32)
    return _RUN_KEY


def new_uid(old: str, key: bytes | None = None) -> str:
    """The new UID for ``old``: pydicom's ``generate_uid`` fed with the key and the old UID.

    pydicom hashes its "entropy sources" with SHA-512 under its own UID root, so the
    result is a valid UID; with a secret key among the sources, it is unlinkable.
    """
    from pydicom.uid import generate_uid

    return str(generate_uid(entropy_srcs=[(key or run_key()).hex(), str(old)]))


_DUMMY = {"DA": "19000101", "TM": "000000", "DT": "19000101000000", "AS": "000D",
          "IS": "0", "DS": "0", "UR": "", "PN": "ANONYMIZED"}


def _dummy(element: Any, key: bytes) -> Any:
    """A value of the right VR that says nothing (the profile's D)."""
    vr = element.VR
    if vr == "UI":
        return _new_uids(element.value, key)
    if vr in _DUMMY:
        return _DUMMY[vr]
    if vr in ("AE", "CS", "LO", "LT", "SH", "ST", "UC", "UT"):
        return "ANONYMIZED"
    if vr in ("US", "SS", "UL", "SL", "UV", "SV", "FL", "FD", "AT"):
        return 0
    return b"\x00\x00"                               # OB, OW, UN, …: two zero bytes


def _new_uids(value: Any, key: bytes) -> Any:
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        return [new_uid(v, key) for v in value if str(v)]
    return new_uid(value, key) if str(value) else value


def _clean(ds: Any, key: bytes) -> None:
    """Apply the profile to a pydicom Dataset in memory, inside sequences too."""
    for tag in list(ds.keys()):
        element = ds[tag]
        action = profile_action(int(tag))
        choice = _choose(action) if action is not None else "K"
        if choice == "X":
            del ds[tag]
        elif choice == "Z":
            element.value = element.empty_value
        elif choice == "U":
            element.value = _new_uids(element.value, key)
        elif choice == "D" and element.VR != "SQ":
            element.value = _dummy(element, key)
        elif element.VR == "SQ":                     # K, U*, or D on a sequence: clean inside
            for item in element.value:
                _clean(item, key)


DEIDENTIFICATION_METHOD = "DICOM PS3.15 Annex E Basic Profile, Table E.1-1 {} (medimg)"


def _record(ds: Any) -> None:
    """Add what PS3.15 E.1.1 and E.2 require a de-identified file to say about itself."""
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence

    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = DEIDENTIFICATION_METHOD.format(basic_profile()[0])
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator = "113100", "DCM"
    code.CodeMeaning = "Basic Application Confidentiality Profile"
    ds.DeidentificationMethodCodeSequence = Sequence([code])
    # No Retain Longitudinal Temporal Information option: dates are emptied or removed.
    ds.LongitudinalTemporalInformationModified = "REMOVED"


def _new_file_meta(ds: Any, old: Any, key: bytes) -> Any:
    """A file meta header made afresh: no AE title or address of the original remains."""
    import pydicom
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import PYDICOM_IMPLEMENTATION_UID

    meta = FileMetaDataset()
    meta.FileMetaInformationVersion = b"\x00\x01"
    meta.MediaStorageSOPClassUID = ds.get("SOPClassUID") or old.get("MediaStorageSOPClassUID") \
        or pydicom.uid.SecondaryCaptureImageStorage
    instance = ds.get("SOPInstanceUID") or old.get("MediaStorageSOPInstanceUID")
    meta.MediaStorageSOPInstanceUID = instance if "SOPInstanceUID" in ds \
        else new_uid(instance, key) if instance else pydicom.uid.generate_uid()
    meta.TransferSyntaxUID = old.get("TransferSyntaxUID") or pydicom.uid.ExplicitVRLittleEndian
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    meta.ImplementationVersionName = f"PYDICOM {pydicom.__version__}"[:16]
    return meta


def deidentify(source: str | os.PathLike, target: str | os.PathLike | None = None, *,
               key: bytes | None = None, overwrite: bool = False) -> Path:
    """Write a de-identified copy of a DICOM file; the source file is never modified.

    Follows the Basic Profile (:func:`basic_profile`, the full Table E.1-1): names, IDs,
    dates, comments and descriptions are emptied or removed, icon images removed, UIDs
    replaced (:func:`new_uid`, keyed by ``key`` or :func:`run_key`), private tags,
    curves and overlays removed, the 128-byte preamble zeroed and the file meta header
    made afresh. The pixel data are kept byte for byte. Patient Identity Removed
    (0012,0062) is YES, the method is recorded as text and as code 113100, and
    Longitudinal Temporal Information Modified (0028,0303) is REMOVED.

    The default target is ``<generated>/formats/<name>_deid.dcm``; there, an earlier
    de-identified copy made by medimg is replaced, anything else is refused. An
    existing ``target`` you name is never written over unless ``overwrite`` is true
    (:class:`~medimg.errors.TargetExistsError`); the file is written beside the target
    and renamed into place.
    """
    source = Path(source)
    named = target is not None
    target = Path(target) if named else \
        paths.generated_dir("formats") / f"{source.stem}_deid.dcm"
    if target.exists() and source.exists() and target.resolve() == source.resolve():
        raise TargetExistsError(f"{target}: the target must be a new file, not the source")
    ds = read_dicom(source, pixels=False)
    if target.exists() and not (overwrite or not named and _made_here(target)):
        raise TargetExistsError(
            f"{target}: already exists and is not a de-identified copy made by medimg; "
            "choose another target, or pass overwrite=True to replace it")
    key = key or run_key()
    old_meta = ds.file_meta
    _clean(ds, key)
    _record(ds)
    ds.file_meta = _new_file_meta(ds, old_meta, key)
    ds.preamble = b"\x00" * 128
    return paths.write_atomically(
        target, lambda tmp: ds.save_as(tmp, enforce_file_format=True))


def _made_here(path: Path) -> bool:
    """Whether ``path`` is a de-identified copy that medimg wrote (read its header only)."""
    import pydicom

    try:
        ds = pydicom.dcmread(path, stop_before_pixels=True,
                             specific_tags=["PatientIdentityRemoved", "DeidentificationMethod"])
    except Exception:  # noqa: BLE001 - any file pydicom cannot read is not ours
        return False
    method = str(ds.get("DeidentificationMethod", ""))
    # Any medimg release's method text ends in "medimg" or "(medimg)": a copy made by an
    # earlier version of the book is replaced too, not refused.
    return ds.get("PatientIdentityRemoved") == "YES" and method.rstrip(")").endswith("medimg")
