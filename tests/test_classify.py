"""medimg.classify: the 64 × 64 images with patients and roles, models, splits, curves."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medimg import classify, dataset


@pytest.fixture(scope="module")
def chest():
    return classify.load_chest_64()


def test_every_image_has_a_role_and_the_counts_are_the_real_ones(chest):
    assert chest.images.shape == (5856, 64, 64)
    counts = chest.counts()
    assert list(counts.index) == ["train", "val", "test", "kaggle-val", "excluded"]
    assert counts.loc["test", "NORMAL"] == 234 and counts.loc["test", "PNEUMONIA"] == 390
    assert counts.loc["kaggle-val", "NORMAL"] == 8 == counts.loc["kaggle-val", "PNEUMONIA"]
    assert counts[["NORMAL", "PNEUMONIA"]].to_numpy().sum() == 5856
    assert counts.loc["test", "patients"] == 427
    assert chest.y.sum() == 3875 + 390 + 8


def test_no_patient_is_in_two_roles(chest):
    assert dataset.shared_patients(chest.table, chest.table["role"]) == []


def test_the_kaggle_test_and_val_folders_are_untouched(chest):
    table = chest.table
    assert (table.loc[table["split"] == "test", "role"] == "test").all()
    assert (table.loc[table["split"] == "val", "role"] == "kaggle-val").all()
    assert set(table.loc[table["split"] == "train", "role"]) == {"train", "val", "excluded"}


def test_the_validation_set_is_about_a_fifth_of_each_label(chest):
    table = chest.table[chest.table["role"].isin(["train", "val"])]
    shares = (table["role"] == "val").groupby(table["label"]).mean()
    assert shares.between(0.18, 0.22).all()


def test_excluded_images_are_those_whose_patient_is_elsewhere(chest):
    table = chest.table
    keys = dataset.group_key(table)
    outside = set(keys[table["split"] != "train"])
    assert (keys[table["role"] == "excluded"].isin(outside)).all()
    assert not (keys[table["role"].isin(["train", "val"])].isin(outside)).any()


def test_roles_are_reproducible_and_depend_on_the_seed(chest):
    again = classify.assign_roles(chest.table, seed=0)
    assert (again.to_numpy() == chest.table["role"].to_numpy()).all()
    other = classify.assign_roles(chest.table, seed=1)
    assert (other != again).any()


def test_role_refuses_unknown_names(chest):
    with pytest.raises(ValueError, match="unknown role"):
        chest.role("training")


def test_name_table_reads_patients_from_file_names():
    table = classify.name_table(["train/PNEUMONIA/person5_virus_11.jpeg",
                                 "test/NORMAL/NORMAL2-IM-0588-0001.jpeg"])
    assert table["patient"].tolist() == ["person5", "NORMAL2-IM-0588"]
    assert table["subtype"].iloc[0] == "virus" and pd.isna(table["subtype"].iloc[1])
    with pytest.raises(ValueError, match="split/LABEL/file"):
        classify.name_table(["NORMAL/IM-0001-0001.jpeg"])


# --- Fits -------------------------------------------------------------------------------

def separable(n: int = 200, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    features = rng.normal(size=(n, 5)) + y[:, None] * np.array([2.0, 0, 0, 0, 0])
    return features, y


def test_fit_trains_a_standardised_logistic_regression_and_times_it():
    features, y = separable()
    fitted = classify.fit(features, y, groups=np.arange(200) // 2, C=1.0)
    assert fitted.images == 200 and fitted.patients == 100 and fitted.seconds > 0
    assert fitted.scores(features).shape == (200,)
    coef = fitted.model[-1].coef_.ravel()
    assert abs(coef[0]) > 5 * np.abs(coef[1:]).max()        # it found the informative input
    assert "200 images of 100 patients" in repr(fitted)


def test_fit_refuses_one_class_and_mismatched_rows():
    features, y = separable()
    with pytest.raises(ValueError, match="both labels"):
        classify.fit(features, np.zeros(200, int))
    with pytest.raises(ValueError, match="rows of features"):
        classify.fit(features, y[:10])


def test_coefficient_image_puts_each_weight_on_its_pixel():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    images = rng.normal(size=(300, 4, 4))
    images[:, 1, 2] += 3 * y                               # only pixel (1, 2) matters
    fitted = classify.fit(images.reshape(300, -1), y, C=1.0)
    weights = classify.coefficient_image(fitted, (4, 4))
    assert np.unravel_index(np.argmax(np.abs(weights)), weights.shape) == (1, 2)
    with pytest.raises(ValueError, match="one per pixel"):
        classify.coefficient_image(fitted, (5, 5))


def test_largest_on_border_counts_edge_coefficients():
    weights = np.zeros((8, 8))
    weights[0, 3], weights[7, 7], weights[4, 4] = 5, -4, 3   # two on the edge, one inside
    assert classify.largest_on_border(weights, count=3, width=1) == 2
    assert classify.largest_on_border(weights, count=1, width=1) == 1
    with pytest.raises(ValueError, match="count"):
        classify.largest_on_border(weights, count=0)


def test_choose_c_keeps_the_smallest_c_close_enough_to_the_best():
    features, y = separable(400, seed=2)
    train, val = np.arange(400) < 300, np.arange(400) >= 300
    chosen, table = classify.choose_C(features, y, train, val, grid=(1e-4, 1e-2, 1.0),
                                      tolerance=0.002)
    assert list(table["C"]) == [1e-4, 1e-2, 1.0]
    best = table["AUC val"].max()
    row = table[table["C"] == chosen].iloc[0]
    assert row["AUC val"] >= best - 0.002
    smaller = table[table["C"] < chosen]
    assert (smaller["AUC val"] < best - 0.002).all()


# --- Splits ------------------------------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=10, max_size=80), st.integers(0, 1000))
def test_a_grouped_split_never_splits_a_patient(patients, seed):
    groups = np.array(patients)
    indices = np.arange(len(groups))
    if len(np.unique(groups)) < 2:
        return
    train, test = classify.grouped_split(indices, groups, 0.3, seed)
    assert not set(groups[train]) & set(groups[test])
    assert sorted(np.r_[train, test]) == list(indices)


def test_a_random_split_ignores_patients():
    groups = np.repeat(np.arange(50), 4)
    train, test = classify.random_split(np.arange(200), 0.2, seed=0)
    assert len(test) == 40 and len(set(train) | set(test)) == 200
    assert set(groups[train]) & set(groups[test])          # patients shared, as expected


def test_nearest_same_patient_finds_near_copies():
    rng = np.random.default_rng(0)
    base = rng.normal(size=(20, 6))
    features = np.r_[base, base + 0.01]                    # each patient twice, nearly equal
    groups = np.r_[np.arange(20), np.arange(20)]
    train, test = np.arange(20), np.arange(20, 40)
    found = classify.nearest_same_patient(features, groups, train, test)
    assert found == {"test images with their patient in train": 1.0,
                     "nearest is the same patient": 1.0}
    none = classify.nearest_same_patient(features, np.arange(40), train, test)
    assert none["test images with their patient in train"] == 0.0


def test_learning_curve_grows_nested_training_sets():
    features, y = separable(300, seed=4)
    groups = np.arange(300) // 3
    table = classify.learning_curve(features, y, groups, np.arange(240),
                                    {"held out": np.arange(240, 300)}, patients=[10, 40, 80])
    assert list(table["patients"]) == [10, 40, 80]
    assert list(table["images"]) == [30, 120, 240]
    assert table["AUC held out"].between(0.5, 1).all()
    with pytest.raises(ValueError, match="cannot train on 81"):
        classify.learning_curve(features, y, groups, np.arange(240),
                                {"held out": np.arange(240, 300)}, patients=[81])


@pytest.mark.slow
def test_the_chapters_models_are_chosen_on_validation(chest):
    """The C values the chapter uses are the ones choose_C picks, as the text says:
    0.01 for the filters from 1e-4 ... 1, 0.001 for the pixels from 1e-4 ... 1e-2."""
    from medimg import features
    train, val = chest.role("train"), chest.role("val")
    chosen, _ = classify.choose_C(features.filter_features(chest.images), chest.y, train, val,
                                  grid=(1e-4, 1e-3, 1e-2, 1e-1, 1.0))
    assert chosen == 1e-2
    chosen, _ = classify.choose_C(features.as_vectors(chest.images), chest.y, train, val,
                                  grid=(1e-4, 1e-3, 1e-2))
    assert chosen == 1e-3
    # The border model keeps C = 0.01 untuned; tuning would only raise its validation AUC.
    chosen, table = classify.choose_C(features.border_pixels(chest.images), chest.y, train,
                                      val, grid=(1e-2, 1e-1))
    assert chosen == 1e-1 and table["AUC val"].iloc[1] > table["AUC val"].iloc[0]


def test_counts_table_is_a_dataframe(chest):
    assert isinstance(chest.counts(), pd.DataFrame)
