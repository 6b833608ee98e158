"""A first classifier on the real chest X-rays, at 64 × 64: data, splits, models, fits.

- :func:`load_chest_64` reads the committed 64 × 64 images of Kermany et al. (2018)
  (:func:`medimg.data.kermany_64`), names each image's patient from its file name
  (:func:`medimg.dataset.parse_name`) and gives every image a *role*: train, val or test,
  with no patient in two roles (:func:`medimg.dataset.patient_split`).
- :func:`make_model` and :func:`fit` build and train a logistic regression
  (scikit-learn), timing the fit.
- :func:`random_split` and :func:`grouped_split` split a pool of images by image or by
  patient, for the chapter's comparison of the two; :func:`nearest_same_patient` asks
  how often an image's nearest neighbour is another image of the same patient.
- :func:`learning_curve` trains on more and more patients.

The evaluation itself (metrics, intervals, ROC) is in :mod:`medimg.evaluate`; the
features the models see are made by :mod:`medimg.features`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import data, dataset

#: Labels as numbers for the models: pneumonia is the "positive" class.
POSITIVE = "PNEUMONIA"

#: The roles an image can have in the chapter's split.
ROLES = ("train", "val", "test", "kaggle-val", "excluded")


@dataclass
class ChestData:
    """The 5,856 images at 64 × 64, one row of ``table`` per image, in the same order.

    ``table`` has the columns ``split`` (the Kaggle folder), ``label``, ``path``
    (``split/LABEL/name``), ``patient``, ``subtype`` and ``role`` (the split the chapter
    uses). ``y`` is 1 for pneumonia, 0 for normal; ``groups`` the patient of each image
    (:func:`medimg.dataset.group_key`), which every split and every bootstrap follows.
    """

    images: np.ndarray
    table: pd.DataFrame
    y: np.ndarray = field(init=False)
    groups: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.y = (self.table["label"] == POSITIVE).to_numpy().astype(np.int8)
        self.groups = dataset.group_key(self.table).to_numpy()

    def role(self, name: str) -> np.ndarray:
        """A boolean mask of the images that have role ``name`` (see :data:`ROLES`)."""
        if name not in ROLES:
            raise ValueError(f"unknown role {name!r}; choose from {', '.join(ROLES)}")
        return (self.table["role"] == name).to_numpy()

    def counts(self) -> pd.DataFrame:
        """Images per role and label, and the number of patients in each role."""
        table = pd.crosstab(self.table["role"], self.table["label"])
        table["patients"] = pd.Series(self.groups).groupby(self.table["role"].to_numpy()).nunique()
        order = [r for r in ROLES if r in table.index]
        return table.reindex(order).rename_axis(index="role", columns=None)


def name_table(names: Sequence[str]) -> pd.DataFrame:
    """One row per ``split/LABEL/file`` name: split, label, path, and what the file name says.

    The columns ``patient`` and ``subtype`` come from :func:`medimg.dataset.parse_name`,
    so a split made from this table keeps a patient's images together exactly as the
    dataset chapter's does.
    """
    rows = []
    for name in names:
        parts = str(name).split("/")
        if len(parts) != 3 or parts[0] not in dataset.SPLITS or parts[1] not in dataset.LABELS:
            raise ValueError(f"{name!r}: expected split/LABEL/file with a Kaggle split and label")
        info = dataset.parse_name(parts[2])
        rows.append((parts[0], parts[1], str(name), info.patient, info.subtype))
    return pd.DataFrame(rows, columns=["split", "label", "path", "patient", "subtype"])


def assign_roles(table: pd.DataFrame, val_fraction: float = 0.2,
                 seed: int = 0) -> pd.Series:
    """Give every image a role, never splitting a patient between two roles.

    The roles are train, val, test, kaggle-val and excluded. The Kaggle test
    folder stays the test set; the Kaggle val folder (16 images) is kept
    aside as "kaggle-val". The Kaggle train folder is split by patient into
    train and val, stratified by label, with the dataset chapter's
    ``patient_split``; it excludes the training images whose patient also
    occurs in test or kaggle-val.
    """
    kaggle = table["split"].replace({"val": "kaggle-val"})
    renamed = table.assign(split=kaggle)
    roles = dataset.patient_split(renamed, val_fraction=val_fraction,
                                  seed=seed, pool=("train",))
    return roles.rename("role")


def load_chest_64(val_fraction: float = 0.2, seed: int = 0) -> ChestData:
    """Read the committed 64 × 64 set, name the patients, assign roles (see :func:`assign_roles`)."""
    images, names = data.kermany_64()
    table = name_table(names)
    table["role"] = assign_roles(table, val_fraction, seed).to_numpy()
    return ChestData(images, table)


# --- Models ----------------------------------------------------------------------------

def make_model(C: float = 0.01, max_iter: int = 2000):
    """A logistic regression behind a standardisation, as one scikit-learn pipeline.

    Standardising each input (subtract its mean, divide by its spread, both learnt on the
    training images) puts all inputs on one scale, so that one penalty ``C`` suits them
    all; a smaller ``C`` is a stronger penalty on large coefficients (more regularised).
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=max_iter))


@dataclass
class Fit:
    """A trained model, how long training took, and on how many images and patients."""

    model: object
    seconds: float
    images: int
    patients: int

    def scores(self, features: np.ndarray) -> np.ndarray:
        """The model's estimated probability of pneumonia for each row of ``features``."""
        return self.model.predict_proba(features)[:, 1]

    def __repr__(self) -> str:
        return (f"Fit({type(self.model[-1]).__name__}: {self.images:,} images of "
                f"{self.patients:,} patients, {self.seconds:.2f} s)")


def fit(features: np.ndarray, y: np.ndarray, groups: np.ndarray | None = None,
        C: float = 0.01) -> Fit:
    """Train :func:`make_model` on ``features`` and labels ``y``; time the training."""
    features, y = np.asarray(features), np.asarray(y)
    if len(features) != len(y):
        raise ValueError(f"{len(features)} rows of features but {len(y)} labels")
    if len(np.unique(y)) < 2:
        raise ValueError("the training images must include both labels")
    model = make_model(C)
    start = time.perf_counter()
    model.fit(features, y)
    seconds = time.perf_counter() - start
    patients = len(np.unique(groups)) if groups is not None else len(y)
    return Fit(model, seconds, len(y), patients)


def choose_C(features: np.ndarray, y: np.ndarray, train: np.ndarray, val: np.ndarray,
             grid: Sequence[float] = (1e-4, 1e-3, 1e-2, 1e-1, 1.0),
             tolerance: float = 0.002) -> tuple[float, pd.DataFrame]:
    """Choose the penalty ``C`` on the validation set, never on the test set.

    Fits one model per value of ``grid`` on ``train`` and scores its AUC on ``val``
    (boolean masks or index arrays). Returns the *smallest* C (the simplest model, and
    the fastest to fit) whose validation AUC is within ``tolerance`` of the best, and
    the table of every try. The default tolerance, 0.002, is about the sampling
    noise of an AUC near 0.99 measured on a thousand validation images (its 95 %
    interval is about ±0.002 wide there): a difference that small is not worth a
    more complex, slower model.
    """
    from .evaluate import auc

    rows = []
    for C in sorted(grid):
        fitted = fit(features[train], y[train], C=C)
        rows.append({"C": C, "AUC val": auc(y[val], fitted.scores(features[val])),
                     "seconds": fitted.seconds})
    table = pd.DataFrame(rows)
    good = table[table["AUC val"] >= table["AUC val"].max() - tolerance]
    return float(good["C"].iloc[0]), table


def coefficient_image(fitted: Fit, shape: tuple[int, int] = (64, 64)) -> np.ndarray:
    """The coefficients of a model trained on pixels, drawn back as an image.

    Each pixel's coefficient (on the standardised pixel) says how much a brighter than
    usual value there pushes the answer towards pneumonia (positive) or normal (negative).
    """
    weights = np.asarray(fitted.model[-1].coef_).ravel()
    if weights.size != shape[0] * shape[1]:
        raise ValueError(f"the model has {weights.size} coefficients, not one per pixel of {shape}")
    return weights.reshape(shape)


def largest_on_border(weights: np.ndarray, count: int = 20, width: int = 2) -> int:
    """How many of the ``count`` largest coefficients (by size) lie on the image's border.

    The border is the outer ``width`` pixels of each side (:func:`medimg.features.border_mask`),
    where a chest X-ray shows no lung.
    """
    from .features import border_mask

    weights = np.asarray(weights)
    if not 0 < count <= weights.size:
        raise ValueError(f"count must be between 1 and {weights.size}, got {count}")
    largest = np.argsort(np.abs(weights), axis=None)[::-1][:count]
    return int(border_mask(weights.shape, width).ravel()[largest].sum())


# --- Splits of a pool: by image or by patient -------------------------------------------

def random_split(indices: np.ndarray, test_fraction: float = 0.2,
                 seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Split image indices at random into (train, test), ignoring who the patients are."""
    from sklearn.model_selection import ShuffleSplit

    splitter = ShuffleSplit(n_splits=1, test_size=test_fraction, random_state=seed)
    train, test = next(splitter.split(indices))
    return np.asarray(indices)[train], np.asarray(indices)[test]


def grouped_split(indices: np.ndarray, groups: np.ndarray, test_fraction: float = 0.2,
                  seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Split image indices into (train, test) by patient: all of a patient's images go together.

    ``groups`` holds the patient of every image of the dataset (indexed like the images).
    ``test_fraction`` is the share of *patients* in test (scikit-learn's
    GroupShuffleSplit), so the share of images is near it but not exact.
    """
    from sklearn.model_selection import GroupShuffleSplit

    indices = np.asarray(indices)
    splitter = GroupShuffleSplit(n_splits=1, test_size=test_fraction, random_state=seed)
    train, test = next(splitter.split(indices, groups=np.asarray(groups)[indices]))
    return indices[train], indices[test]


def nearest_same_patient(features: np.ndarray, groups: np.ndarray, train: np.ndarray,
                         test: np.ndarray) -> dict[str, float]:
    """How often the training image nearest to a test image belongs to the same patient.

    Only test images whose patient *has* images in train count. "Nearest" is the
    straight-line (Euclidean) distance between the feature rows. Returns the share of
    test images with their patient in train, and among those the share whose nearest
    training image is the same patient's.
    """
    from sklearn.neighbors import NearestNeighbors

    groups = np.asarray(groups)
    shared = np.isin(groups[test], groups[train])
    if not shared.any():
        return {"test images with their patient in train": 0.0, "nearest is the same patient": float("nan")}
    finder = NearestNeighbors(n_neighbors=1).fit(features[train])
    _, nearest = finder.kneighbors(features[test][shared])
    same = groups[train][nearest[:, 0]] == groups[test][shared]
    return {"test images with their patient in train": float(shared.mean()),
            "nearest is the same patient": float(same.mean())}


def learning_curve(features: np.ndarray, y: np.ndarray, groups: np.ndarray,
                   train: np.ndarray, scored: Mapping[str, np.ndarray],
                   patients: Sequence[int], seed: int = 0, C: float = 0.01) -> pd.DataFrame:
    """Train on the images of the first ``k`` patients (shuffled once) for each k; score each set.

    The patients of ``train`` (image indices) are put in one random order (seeded), so
    each larger training set contains the smaller ones. ``scored`` names the image
    indices to score, e.g. ``{"val": ..., "test": ...}``. Returns one row per k: the
    number of patients and images, the AUC on each scored set, and the fit time.
    """
    from .evaluate import auc

    train = np.asarray(train)
    order = np.random.default_rng(seed).permutation(np.unique(groups[train]))
    rows = []
    for k in patients:
        if not 0 < k <= len(order):
            raise ValueError(f"cannot train on {k} patients: train has {len(order)}")
        chosen = train[np.isin(groups[train], order[:k])]
        if len(np.unique(y[chosen])) < 2:
            raise ValueError(f"the first {k} patients all have one label; use more patients")
        fitted = fit(features[chosen], y[chosen], groups[chosen], C=C)
        row = {"patients": k, "images": len(chosen)}
        for name, index in scored.items():
            row[f"AUC {name}"] = auc(y[index], fitted.scores(features[index]))
        row["seconds"] = fitted.seconds
        rows.append(row)
    return pd.DataFrame(rows)
