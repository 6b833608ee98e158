"""medimg.evaluate: checked against scikit-learn, SciPy and cases worked by hand."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sklearn.calibration import calibration_curve
from sklearn.metrics import confusion_matrix, roc_auc_score, roc_curve

from medimg import evaluate

# --- Small cases worked by hand -----------------------------------------------------------

# Six cases: truth and score. At threshold 0.5: tp = 2 (0.9, 0.6), fn = 1 (0.4),
# tn = 2 (0.1, 0.3), fp = 1 (0.7).
TRUTH = np.array([1, 1, 1, 0, 0, 0])
SCORES = np.array([0.9, 0.6, 0.4, 0.7, 0.1, 0.3])


def test_confusion_counts_a_small_case_by_hand():
    counts = evaluate.confusion(TRUTH, SCORES, threshold=0.5)
    assert (counts.tp, counts.fn, counts.tn, counts.fp) == (2, 1, 2, 1)
    assert counts.sensitivity == pytest.approx(2 / 3)
    assert counts.specificity == pytest.approx(2 / 3)
    assert counts.ppv == pytest.approx(2 / 3)
    assert counts.npv == pytest.approx(2 / 3)
    assert counts.accuracy == pytest.approx(4 / 6)
    assert counts.prevalence == 0.5


def test_a_score_equal_to_the_threshold_is_positive():
    assert evaluate.confusion([1, 0], [0.5, 0.5], threshold=0.5).rates()["sensitivity"] == 1
    assert evaluate.confusion([1, 0], [0.5, 0.5], threshold=0.5).fp == 1


def test_the_confusion_table_puts_truth_in_rows():
    table = evaluate.confusion(TRUTH, SCORES).table()
    assert list(table.index) == ["normal", "pneumonia"]
    assert list(table.columns) == ["called normal", "called pneumonia"]
    assert table.to_numpy().tolist() == [[2, 1], [1, 2]]


def test_rates_without_a_denominator_are_nan_not_an_error():
    counts = evaluate.confusion([1, 1], [0.9, 0.8])        # no healthy case, no negative call
    assert math.isnan(counts.specificity) and math.isnan(counts.npv)
    assert counts.sensitivity == 1


def test_bad_labels_and_shapes_are_refused():
    with pytest.raises(ValueError, match="0 .* and 1"):
        evaluate.confusion([2, 0], [0.1, 0.2])
    with pytest.raises(ValueError, match="one length"):
        evaluate.confusion([1, 0, 1], [0.1, 0.2])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.floats(0, 1)), min_size=2, max_size=60),
       st.floats(0, 1))
def test_confusion_agrees_with_scikit_learn(cases, threshold):
    truth = np.array([int(t) for t, _ in cases])
    scores = np.array([s for _, s in cases])
    counts = evaluate.confusion(truth, scores, threshold)
    (tn, fp), (fn, tp) = confusion_matrix(truth, (scores >= threshold).astype(int),
                                          labels=[0, 1])
    assert (counts.tn, counts.fp, counts.fn, counts.tp) == (tn, fp, fn, tp)


# --- ROC and AUC --------------------------------------------------------------------------

def test_auc_of_the_small_case_counts_pairs_by_hand():
    # 9 (sick, healthy) pairs; the sick score higher in 7: (0.9 > all three),
    # (0.6 > 0.1, 0.3), (0.4 > 0.1, 0.3).
    assert evaluate.auc(TRUTH, SCORES) == pytest.approx(7 / 9)
    assert evaluate.rank_auc(TRUTH, SCORES) == pytest.approx(7 / 9)


def test_a_constant_score_has_auc_one_half():
    assert evaluate.auc(TRUTH, np.ones(6)) == 0.5
    assert evaluate.rank_auc(TRUTH, np.ones(6)) == 0.5


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 20)), min_size=2, max_size=80))
def test_rank_auc_equals_scikit_learn_with_ties(cases):
    truth = np.array([int(t) for t, _ in cases])
    assume(0 < truth.sum() < len(truth))
    scores = np.array([s / 20 for _, s in cases])               # many ties
    assert evaluate.rank_auc(truth, scores) == pytest.approx(roc_auc_score(truth, scores))
    assert evaluate.auc(truth, scores) == pytest.approx(roc_auc_score(truth, scores))


def test_rank_auc_is_nan_with_one_class():
    assert math.isnan(evaluate.rank_auc([1, 1, 1], [0.2, 0.5, 0.9]))


def test_roc_is_scikit_learns_curve_with_every_point():
    curve = evaluate.roc(TRUTH, SCORES)
    fpr, tpr, thresholds = roc_curve(TRUTH, SCORES, drop_intermediate=False)
    assert np.allclose(curve["fpr"], fpr) and np.allclose(curve["sensitivity"], tpr)
    assert np.allclose(curve["specificity"], 1 - fpr)
    assert curve["threshold"].iloc[0] == np.inf and len(curve) == len(thresholds)


def test_thresholds_for_a_use_reach_their_targets():
    rng = np.random.default_rng(3)
    truth = rng.integers(0, 2, 400)
    scores = np.clip(0.3 * truth + rng.normal(0.35, 0.2, 400), 0, 1)
    for target in (0.8, 0.9, 0.99):
        t = evaluate.threshold_for_sensitivity(truth, scores, target)
        assert evaluate.confusion(truth, scores, t).sensitivity >= target
        # The highest such threshold: the next higher score would fall short.
        higher = scores[scores > t]
        if higher.size:
            assert evaluate.confusion(truth, scores, higher.min()).sensitivity < target
        t = evaluate.threshold_for_specificity(truth, scores, target)
        assert evaluate.confusion(truth, scores, t).specificity >= target
        lower = scores[scores < t]
        if lower.size:
            assert evaluate.confusion(truth, scores, lower.max()).specificity < target


def test_threshold_targets_outside_zero_one_are_refused():
    with pytest.raises(ValueError, match="target"):
        evaluate.threshold_for_sensitivity(TRUTH, SCORES, 1.5)


# --- The Wilson interval ------------------------------------------------------------------

def wilson_by_hand(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


@pytest.mark.parametrize("k, n", [(12, 16), (0, 10), (10, 10), (388, 390), (1, 2)])
def test_wilson_interval_matches_the_formula(k, n):
    interval = evaluate.wilson_interval(k, n)
    low, high = wilson_by_hand(k, n)
    assert interval.low == pytest.approx(low, abs=1e-9)
    assert interval.high == pytest.approx(high, abs=1e-9)
    assert interval.estimate == k / n


def test_wilson_interval_of_twelve_in_sixteen_as_the_chapter_prints_it():
    assert str(evaluate.wilson_interval(12, 16)) == "0.750 (0.505 to 0.898)"


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 2000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
       st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_a_wilson_interval_contains_its_estimate_and_stays_in_zero_one(kn, confidence):
    k, n = kn
    interval = evaluate.wilson_interval(k, n, confidence)
    assert 0 <= interval.low <= interval.estimate <= interval.high <= 1


def test_wilson_refuses_impossible_counts():
    with pytest.raises(ValueError, match="successes"):
        evaluate.wilson_interval(5, 4)


# --- The patient bootstrap ----------------------------------------------------------------

groups_strategy = st.lists(st.sampled_from("abcdefgh"), min_size=1, max_size=40)


@settings(max_examples=80, deadline=None)
@given(groups_strategy, st.integers(0, 2**16))
def test_a_resample_never_splits_a_patient(groups, seed):
    """Every patient in a resample brings all of their images, as many times as drawn."""
    groups = np.array(groups)
    sizes = Counter(groups)
    for index in evaluate.bootstrap_indices(groups, 5, seed):
        drawn = Counter(groups[index])
        for patient, count in drawn.items():
            assert count % sizes[patient] == 0
        # As many patients are drawn as there are (with replacement).
        assert sum(count // sizes[p] for p, count in drawn.items()) == len(sizes)


@settings(max_examples=40, deadline=None)
@given(groups_strategy, st.integers(0, 2**16))
def test_the_same_seed_gives_the_same_resamples_so_comparisons_are_paired(groups, seed):
    first = list(evaluate.bootstrap_indices(groups, 4, seed))
    second = list(evaluate.bootstrap_indices(groups, 4, seed))
    assert all(np.array_equal(a, b) for a, b in zip(first, second))


def test_with_one_image_per_patient_it_is_the_ordinary_bootstrap():
    """Then resampling patients is resampling cases: compare with SciPy's bootstrap."""
    from scipy.stats import bootstrap

    values = np.random.default_rng(0).normal(10, 2, 300)
    ours = evaluate.patient_bootstrap(np.mean, np.arange(300), values, n_resamples=4000)
    scipys = bootstrap((values,), np.mean, n_resamples=4000, method="percentile",
                       random_state=np.random.default_rng(1)).confidence_interval
    assert ours.low == pytest.approx(scipys.low, abs=0.05)
    assert ours.high == pytest.approx(scipys.high, abs=0.05)


def test_clustered_images_widen_the_interval():
    """If each patient's images are copies, the patient bootstrap sees fewer cases."""
    rng = np.random.default_rng(5)
    per_patient = rng.integers(0, 2, 100)                  # 100 patients
    values = np.repeat(per_patient, 5)                     # five identical images each
    groups = np.repeat(np.arange(100), 5)
    by_patient = evaluate.patient_bootstrap(np.mean, groups, values)
    by_image = evaluate.patient_bootstrap(np.mean, np.arange(500), values)
    assert by_patient.width > 1.8 * by_image.width


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**16))
def test_a_bootstrap_interval_contains_its_estimate(seed):
    rng = np.random.default_rng(seed)
    groups = rng.integers(0, 40, 120)
    truth = (groups % 2).astype(int)
    scores = truth * 0.3 + rng.random(120)
    boot = evaluate.patient_bootstrap(evaluate.rank_auc, groups, truth, scores,
                                      n_resamples=200, seed=seed)
    assert boot.low <= boot.estimate <= boot.high
    assert len(boot.samples) == 200


def test_undefined_resamples_are_reported():
    # Two patients, one of each class: about half the resamples hold one class only.
    with pytest.raises(ValueError, match="undefined"):
        evaluate.patient_bootstrap(evaluate.rank_auc, ["a", "b"], [1, 0], [0.9, 0.1],
                                   n_resamples=100)


def test_patient_bootstrap_checks_its_arrays():
    with pytest.raises(ValueError, match="as long as groups"):
        evaluate.patient_bootstrap(np.mean, [1, 2, 3], [1.0, 2.0])


def test_a_paired_difference_is_narrower_than_an_unpaired_one():
    rng = np.random.default_rng(2)
    groups = np.arange(300)
    truth = rng.integers(0, 2, 300)
    common = rng.normal(size=300)                          # what both models see
    first = truth + common + rng.normal(0, 0.3, 300)
    second = truth + common + rng.normal(0, 0.3, 300)
    a = evaluate.patient_bootstrap(evaluate.rank_auc, groups, truth, first, seed=1)
    b = evaluate.patient_bootstrap(evaluate.rank_auc, groups, truth, second, seed=1)
    c = evaluate.patient_bootstrap(evaluate.rank_auc, groups, truth, second, seed=2)
    paired, unpaired = evaluate.difference(a, b), evaluate.difference(a, c)
    assert paired.estimate == pytest.approx(a.estimate - b.estimate)
    assert paired.width < 0.7 * unpaired.width


def test_difference_needs_matching_bootstraps():
    a = evaluate.patient_bootstrap(np.mean, np.arange(20), np.arange(20.0), n_resamples=50)
    b = evaluate.patient_bootstrap(np.mean, np.arange(20), np.arange(20.0), n_resamples=60)
    with pytest.raises(ValueError, match="same number"):
        evaluate.difference(a, b)


def test_rate_intervals_puts_wilson_beside_the_bootstrap():
    rng = np.random.default_rng(4)
    groups = np.repeat(np.arange(150), 2)
    truth = np.repeat(rng.integers(0, 2, 150), 2)
    scores = np.clip(truth * 0.4 + rng.random(300) * 0.7, 0, 1)
    table = evaluate.rate_intervals(truth, scores, groups, threshold=0.5, n_resamples=300)
    counts = evaluate.confusion(truth, scores, 0.5)
    assert list(table.index) == ["sensitivity", "specificity", "accuracy"]
    assert table.loc["sensitivity", "estimate"] == pytest.approx(counts.sensitivity)
    assert table.loc["specificity", "cases"] == counts.tn + counts.fp
    low, high = wilson_by_hand(counts.tn, counts.tn + counts.fp)
    assert table.loc["specificity", "Wilson low"] == pytest.approx(low)
    for rate, row in table.iterrows():
        assert row["Wilson low"] <= row["estimate"] <= row["Wilson high"], rate
        assert row["bootstrap low"] <= row["estimate"] <= row["bootstrap high"], rate


# --- Another prevalence -------------------------------------------------------------------

def test_predictive_values_by_hand():
    # 1,000 people, 10 % sick, sensitivity 0.9, specificity 0.8: 90 true positives,
    # 180 false positives, 720 true negatives, 10 false negatives.
    ppv, npv = evaluate.predictive_values(0.9, 0.8, 0.1)
    assert ppv == pytest.approx(90 / 270)
    assert npv == pytest.approx(720 / 730)


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 60), st.integers(0, 60), st.integers(1, 60), st.integers(0, 60))
def test_ppv_at_the_test_prevalence_is_the_plain_ppv(tp, fn, tn, fp):
    """Bayes' rule at the sample's own prevalence gives back the sample's PPV and NPV."""
    counts = evaluate.Counts(tp=tp, fn=fn, tn=tn, fp=fp)
    assume(tp + fp > 0 and tn + fn > 0)
    ppv, npv = evaluate.predictive_values(counts.sensitivity, counts.specificity,
                                          counts.prevalence)
    assert ppv == pytest.approx(counts.ppv)
    assert npv == pytest.approx(counts.npv)


def test_ppv_rises_and_npv_falls_with_prevalence():
    p = np.linspace(0.01, 0.99, 50)
    ppv, npv = evaluate.predictive_values(0.94, 0.70, p)
    assert np.all(np.diff(ppv) > 0) and np.all(np.diff(npv) < 0)


def test_predictive_values_refuse_impossible_inputs():
    with pytest.raises(ValueError, match="prevalence"):
        evaluate.predictive_values(0.9, 0.9, 1.2)
    with pytest.raises(ValueError, match="specificity"):
        evaluate.predictive_values(0.9, -0.1, 0.5)


# --- Calibration --------------------------------------------------------------------------

def test_calibration_table_agrees_with_scikit_learn():
    rng = np.random.default_rng(8)
    scores = rng.random(500)
    truth = (rng.random(500) < scores).astype(int)
    scores[:3] = [0.0, 1.0, 0.5]                            # the edges of the bins
    table = evaluate.calibration_table(truth, scores, bins=10)
    observed, predicted = calibration_curve(truth, scores, n_bins=10, strategy="uniform")
    assert np.allclose(table["observed"], observed)
    assert np.allclose(table["mean score"], predicted)
    assert table["cases"].sum() == 500


def test_calibration_table_refuses_scores_that_are_not_probabilities():
    with pytest.raises(ValueError, match="probabilities"):
        evaluate.calibration_table([0, 1], [0.2, 1.5])
