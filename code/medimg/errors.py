"""Every error that medimg raises on purpose, in one place.

All of them derive from :class:`MedimgError`, so ``except MedimgError`` catches whatever
the book's code refuses, and nothing else. Each one also derives from the built-in
exception a Python programmer would expect (a missing folder is still a
``FileNotFoundError``, a bad value still a ``ValueError``), so ordinary ``except`` clauses
keep working. Every message starts with the file or folder it is about, then says what is
wrong and, where there is one, what to do.
"""

from __future__ import annotations


class MedimgError(Exception):
    """Something medimg refused, with a message that names the file and the reason."""


# --- Paths: no file, or not a regular file --------------------------------------------------

class MissingFileError(MedimgError, FileNotFoundError):
    """There is no file at the path given."""


class NotAFileError(MedimgError, OSError):
    """The path names something that is not a regular file (a pipe, a device, …)."""


class IsAFolderError(NotAFileError, IsADirectoryError):
    """The path names a folder where a file was expected."""


class TargetExistsError(MedimgError, FileExistsError):
    """A file would be written where one already is; medimg never writes over a file
    unless asked to."""


class TooLargeError(MedimgError, ValueError):
    """A file or archive claims more pixels or bytes than the budget allows.

    It is refused before anything is allocated, decompressed or written, so a small
    hostile file cannot fill the memory or the disk. The budget is
    :data:`medimg.formats.LIMITS`.
    """


# --- Files: what they are, and whether they are whole -----------------------------------

class FormatError(MedimgError, ValueError):
    """A medical image file cannot be used as it is (wrong format, no image, …)."""


class WrongFormatError(FormatError):
    """The file is not in the format it claims (by its name or by the caller)."""


class NoPixelDataError(FormatError):
    """A DICOM file holds no image: no (7FE0,0010), (7FE0,0008) or (7FE0,0009)."""


class NoDecoderError(FormatError):
    """The DICOM pixels are compressed in a way no installed package can decode."""


class DimensionError(FormatError):
    """The image has more axes than the caller can use (e.g. a 4-D fMRI series)."""


class HeaderError(FormatError):
    """The header lacks a value the pixels need, or says something the data contradict."""


class MissingDataFileError(FormatError, FileNotFoundError):
    """A header file whose data file (e.g. the ``.img`` of an ``.hdr``) is not beside it."""


class DamagedFileError(MedimgError, ValueError):
    """The file starts like what it claims to be, but its content is cut short or corrupt."""


class TruncatedFileError(DamagedFileError):
    """The file ends before the data its header announces."""


# --- Ordinary images (JPEG, PNG, …) -------------------------------------------------------

class ImageLoadError(MedimgError, ValueError):
    """A file exists but cannot be used as an image."""


class NotAnImageError(ImageLoadError):
    """The file is not in an image format that Pillow recognises."""


class DamagedImageError(ImageLoadError, DamagedFileError):
    """The file starts like an image but its pixel data are truncated or corrupt."""


class ImageTooLargeError(ImageLoadError, TooLargeError):
    """The image has more pixels than the stated limit."""


class CropOutsideImageError(MedimgError, IndexError):
    """A crop asks for rows or columns the image does not have (or for nothing at all)."""


# --- The chest X-ray dataset and its download ---------------------------------------------

class DatasetNotFoundError(MedimgError, FileNotFoundError):
    """No folder in the Kaggle layout (train/test/val) was found where one was expected."""


class DataFileError(MedimgError, ValueError):
    """A data file the book ships is missing or not the file it should be (wrong hash)."""


class ChecksumError(MedimgError, ValueError):
    """A downloaded file's size or SHA-256 is not what the manifest says."""


class DownloadError(MedimgError, ConnectionError):
    """The server refused the download (an HTTP error such as 404) or could not be reached."""


class DownloadInterruptedError(DownloadError):
    """The transfer stopped early; the part already received is kept for a resume."""


class UnsafeArchiveError(MedimgError, ValueError):
    """An archive member would land outside the target folder, or is a link or device."""


class ArchiveTooLargeError(UnsafeArchiveError, TooLargeError):
    """An archive would unpack to more bytes or more members than the budget allows."""


class ManifestError(MedimgError, ValueError):
    """A manifest file is not the JSON that :mod:`medimg.fetch` expects."""


class MissingDependencyError(MedimgError, ImportError):
    """An optional package is needed and not installed; the message names it."""


# --- Figures ---------------------------------------------------------------------------

class MissingGlyphError(MedimgError, ValueError):
    """A figure has text with a character that none of the book's fonts can draw."""
