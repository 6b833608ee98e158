"""medimg: the code behind the book *AI in Medical Image Classification — Warmup*.

One module per idea; a chapter imports the ones it uses (``from medimg import dicom``).
Importing any of them changes nothing in the running process.

Files and data
    ``paths``     where the book's data lives; atomic writes; SHA-256 of a file
    ``data``      the real files the book uses (pydicom, nibabel, Kermany et al. 2018)
    ``errors``    every error medimg raises on purpose, all under ``MedimgError``
    ``tables``    tables that show as tables on the page, live, and in print
    ``doctor``    a setup self-check (``python -m medimg.doctor``): what is missing, how to fix

Images
    ``images``    load any image safely; crop, invert, window, stretch, gamma, histogram
    ``samples``   the book's small images: the radiograph, test.jpeg, the lecture's matrix
    ``hearing``   the lecture's table of hearing ranges

Medical image formats
    ``formats``   what a file is: the formats table, identify(), header bytes
    ``dicom``     read DICOM, pixels, Hounsfield units, display values, attributes
    ``volumes``   NIfTI, Analyze, MINC and NRRD volumes; axis codes; writers
    ``headers``   what real headers say, side by side
    ``deid``      de-identification (PS3.15 Annex E)

The chest X-ray dataset
    ``dataset``   index a copy in the Kaggle layout (or its listing); counts, checks, split
    ``survey``    looking across the whole dataset: patients, pictures, identical images
    ``synthetic`` a synthetic copy and a full-size replica, for when the real one is absent
    ``fetch``     download, verify and unpack the full dataset

A first classifier
    ``features``  pixels as vectors, a 3 × 3 convolution by hand, filters and pooling
    ``classify``  the 64 × 64 images with patients and roles; models, fits, splits
    ``evaluate``  confusion counts, ROC/AUC, Wilson and patient-bootstrap intervals,
                  thresholds, PPV/NPV at another prevalence, calibration

Figures
    ``plots``     one function per figure (``plots.style`` holds what they share)
"""

__version__ = "0.1.0"
