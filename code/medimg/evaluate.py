"""Judging a classifier honestly: counts, rates, curves and their uncertainty.

A classifier gives each image a *score* (here the model's estimated probability of
pneumonia); a *threshold* turns scores into decisions (positive when score ≥ threshold).
This module measures such decisions against the truth:

- :func:`confusion` counts true and false positives and negatives (:class:`Counts`, which
  also gives sensitivity, specificity, PPV, NPV and accuracy);
- :func:`roc` and :func:`auc` describe every threshold at once (scikit-learn);
- :func:`threshold_for_sensitivity` and :func:`threshold_for_specificity` choose a
  threshold for a use (screening or confirming);
- :func:`wilson_interval` (through SciPy) and :func:`patient_bootstrap` give 95 %
  confidence intervals, the second by resampling *patients*, so that several images of
  one child count as what they are: one child; :func:`difference` compares two
  bootstrapped numbers;
- :func:`predictive_values` applies Bayes' rule to move PPV and NPV to another
  prevalence; :func:`calibration_table` checks whether the probabilities mean what they
  say.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd


def _labels_and_scores(y_true, scores) -> tuple[np.ndarray, np.ndarray]:
    truth = np.asarray(y_true)
    values = np.asarray(scores, dtype=float)
    if truth.shape != values.shape or truth.ndim != 1:
        raise ValueError(f"y_true and scores must be 1-D and of one length, got shapes "
                         f"{truth.shape} and {values.shape}")
    if not np.isin(truth, (0, 1)).all():
        raise ValueError("y_true must hold 0 (negative) and 1 (positive) only")
    return truth.astype(bool), values


# --- Counts at a threshold ---------------------------------------------------------------

def _ratio(part: int, whole: int) -> float:
    return part / whole if whole else float("nan")


@dataclass(frozen=True)
class Counts:
    """The four counts of a confusion matrix, and the rates made from them.

    tp: sick and called positive; fn: sick but called negative (a missed case);
    tn: healthy and called negative; fp: healthy but called positive (a false alarm).
    A rate whose denominator is 0 is NaN.
    """

    tp: int
    fn: int
    tn: int
    fp: int

    @property
    def sensitivity(self) -> float:
        """Of the sick, the share found: tp / (tp + fn)."""
        return _ratio(self.tp, self.tp + self.fn)

    @property
    def specificity(self) -> float:
        """Of the healthy, the share called healthy: tn / (tn + fp)."""
        return _ratio(self.tn, self.tn + self.fp)

    @property
    def ppv(self) -> float:
        """Positive predictive value: of those called positive, the share who are sick."""
        return _ratio(self.tp, self.tp + self.fp)

    @property
    def npv(self) -> float:
        """Negative predictive value: of those called negative, the share who are healthy."""
        return _ratio(self.tn, self.tn + self.fn)

    @property
    def accuracy(self) -> float:
        """The share of all cases called correctly."""
        return _ratio(self.tp + self.tn, self.tp + self.fn + self.tn + self.fp)

    @property
    def prevalence(self) -> float:
        """The share of cases that are sick."""
        return _ratio(self.tp + self.fn, self.tp + self.fn + self.tn + self.fp)

    def rates(self) -> dict[str, float]:
        """Sensitivity, specificity, PPV, NPV and accuracy, by name."""
        return {name: getattr(self, name)
                for name in ("sensitivity", "specificity", "ppv", "npv", "accuracy")}

    def table(self, negative: str = "normal", positive: str = "pneumonia") -> pd.DataFrame:
        """The confusion matrix: rows are the truth, columns the decision."""
        return pd.DataFrame([[self.tn, self.fp], [self.fn, self.tp]],
                            index=pd.Index([negative, positive], name="truth"),
                            columns=pd.Index([f"called {negative}", f"called {positive}"]))


def confusion(y_true, scores, threshold: float = 0.5) -> Counts:
    """Count the decisions "positive when score ≥ threshold" against the truth (1 = sick)."""
    truth, values = _labels_and_scores(y_true, scores)
    called = values >= threshold
    return Counts(tp=int(np.sum(truth & called)), fn=int(np.sum(truth & ~called)),
                  tn=int(np.sum(~truth & ~called)), fp=int(np.sum(~truth & called)))


# --- Every threshold at once: ROC and AUC (scikit-learn) ----------------------------------

def roc(y_true, scores) -> pd.DataFrame:
    """The ROC curve: for each threshold, the false positive rate and the sensitivity.

    One row per distinct score (scikit-learn's ``roc_curve`` without dropping points),
    thresholds from high to low, starting at "nobody positive" (threshold ∞).
    """
    from sklearn.metrics import roc_curve

    truth, values = _labels_and_scores(y_true, scores)
    fpr, tpr, thresholds = roc_curve(truth, values, drop_intermediate=False)
    return pd.DataFrame({"threshold": thresholds, "fpr": fpr, "sensitivity": tpr,
                         "specificity": 1 - fpr})


def auc(y_true, scores) -> float:
    """The area under the ROC curve (scikit-learn's ``roc_auc_score``).

    It is the probability that a randomly chosen sick case scores higher than a randomly
    chosen healthy one (ties count one half): 0.5 is guessing, 1 a perfect ranking.
    """
    from sklearn.metrics import roc_auc_score

    truth, values = _labels_and_scores(y_true, scores)
    return float(roc_auc_score(truth, values))


def rank_auc(y_true, scores) -> float:
    """The AUC from ranks (the Mann–Whitney statistic), equal to :func:`auc` and much faster.

    Rank all scores together (ties share the mean rank). The positives' ranks, minus the
    smallest sum they could have, count the (positive, negative) pairs in which the
    positive scores higher, ties counting one half (Hanley & McNeil 1982); divided by
    the number of pairs, that is the AUC. The bootstrap recomputes an AUC a thousand
    times, where the speed matters. Returns NaN when a class is missing.
    """
    from scipy.stats import rankdata

    truth = np.asarray(y_true, dtype=bool)
    positives = int(truth.sum())
    negatives = len(truth) - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = rankdata(scores)
    return float((ranks[truth].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def threshold_for_sensitivity(y_true, scores, target: float) -> float:
    """The highest threshold whose sensitivity on these cases is at least ``target``.

    Choose it on the validation set, then report what it gives on the test set: a
    threshold tuned on the test set makes the test set's numbers too good.
    """
    if not 0 < target <= 1:
        raise ValueError(f"target sensitivity must be in (0, 1], got {target}")
    curve = roc(y_true, scores)
    reached = curve[curve["sensitivity"] >= target]
    return float(reached["threshold"].iloc[0])


def threshold_for_specificity(y_true, scores, target: float) -> float:
    """The lowest threshold whose specificity on these cases is at least ``target``."""
    if not 0 < target <= 1:
        raise ValueError(f"target specificity must be in (0, 1], got {target}")
    curve = roc(y_true, scores)
    kept = curve[curve["specificity"] >= target]
    return float(kept["threshold"].iloc[-1])


# --- Confidence intervals --------------------------------------------------------------

@dataclass(frozen=True)
class Estimate:
    """A number with its confidence interval: ``estimate`` in [``low``, ``high``]."""

    estimate: float
    low: float
    high: float
    method: str = ""
    confidence: float = 0.95

    def __str__(self) -> str:
        return f"{self.estimate:.3f} ({self.low:.3f} to {self.high:.3f})"

    @property
    def width(self) -> float:
        return self.high - self.low


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> Estimate:
    """The Wilson score interval for a proportion ``successes / n`` (Wilson 1927), via SciPy.

    It assumes that the ``n`` cases are independent. Unlike the textbook "p ± 1.96 × SE"
    (Wald) interval it stays inside 0–1 and keeps close to its stated coverage for small
    ``n`` and for proportions near 0 or 1.
    """
    from scipy.stats import binomtest

    if not 0 <= successes <= n or n < 1:
        raise ValueError(f"need 0 ≤ successes ≤ n and n ≥ 1, got {successes} of {n}")
    interval = binomtest(int(successes), int(n)).proportion_ci(confidence_level=confidence,
                                                                method="wilson")
    return Estimate(successes / n, float(interval.low), float(interval.high), "Wilson",
                    confidence)


def bootstrap_indices(groups: Sequence, n_resamples: int,
                      seed: int = 0) -> Iterator[np.ndarray]:
    """Yield resamples of the cases, drawing whole patients with replacement.

    Each resample draws as many patients as there are, with replacement, and
    takes *all* the images of every patient drawn (twice if drawn twice): a
    patient's images are never split. The same ``groups`` and ``seed`` give
    the same resamples, so two models scored on the same cases are compared
    on the same resamples (a paired comparison).
    """
    _, patient = np.unique(np.asarray(groups), return_inverse=True)
    order = np.argsort(patient, kind="stable")   # images, patient by patient
    sizes = np.bincount(patient)                  # images per patient
    starts = np.r_[0, np.cumsum(sizes)[:-1]]      # where each one begins
    rng = np.random.default_rng(seed)
    for _ in range(n_resamples):
        drawn = rng.integers(0, len(sizes), size=len(sizes))
        # Patient k's images sit at order[starts[k]:starts[k] + sizes[k]];
        # collect those of every patient drawn, in one step.
        lengths = sizes[drawn]
        ends = np.cumsum(lengths)
        offset = np.repeat(starts[drawn] - (ends - lengths), lengths)
        yield order[np.arange(ends[-1]) + offset]


@dataclass(frozen=True)
class Bootstrap(Estimate):
    """An :class:`Estimate` from a bootstrap, with the statistic of every resample kept."""

    samples: np.ndarray = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Bootstrap({self}, {len(self.samples)} resamples)"


def patient_bootstrap(statistic: Callable[..., float], groups: Sequence, *arrays,
                      n_resamples: int = 1000, confidence: float = 0.95,
                      seed: int = 0) -> Bootstrap:
    """A percentile bootstrap interval for ``statistic(*arrays)``, resampling patients.

    ``arrays`` (e.g. the labels and the scores) are indexed like ``groups``; each resample
    (:func:`bootstrap_indices`) recomputes the statistic, and the interval holds the
    middle ``confidence`` share of the results (Efron's percentile method). A resample
    where the statistic is undefined (e.g. one class only, for an AUC) is dropped; if
    more than 1 % are, a ValueError says so.
    """
    columns = [np.asarray(a) for a in arrays]
    if not columns or any(len(c) != len(groups) for c in columns):
        raise ValueError("give at least one array, each as long as groups")
    estimate = float(statistic(*columns))
    values = []
    for index in bootstrap_indices(groups, n_resamples, seed):
        try:
            values.append(float(statistic(*[c[index] for c in columns])))
        except ValueError:                 # e.g. scikit-learn: only one class present
            values.append(float("nan"))
    samples = np.array(values)
    valid = samples[~np.isnan(samples)]
    if len(valid) < 0.99 * n_resamples:
        raise ValueError(f"the statistic was undefined in {n_resamples - len(valid)} of "
                         f"{n_resamples} resamples: too few patients for this interval")
    tail = 100 * (1 - confidence) / 2
    low, high = np.percentile(valid, [tail, 100 - tail])
    return Bootstrap(estimate, float(low), float(high), "patient bootstrap", confidence, valid)


def difference(first: Bootstrap, second: Bootstrap) -> Bootstrap:
    """The difference first − second with a percentile interval from the two bootstraps.

    Resample by resample: if both were made on the same cases with the same seed, this is
    a paired comparison; if they were made on different cases (two test sets) with
    different seeds, the resamples are independent and so is their difference.
    """
    if len(first.samples) != len(second.samples) or first.confidence != second.confidence:
        raise ValueError("both bootstraps need the same number of resamples and confidence")
    samples = first.samples - second.samples
    tail = 100 * (1 - first.confidence) / 2
    low, high = np.percentile(samples, [tail, 100 - tail])
    return Bootstrap(first.estimate - second.estimate, float(low), float(high),
                     "bootstrap difference", first.confidence, samples)


def rate_intervals(y_true, scores, groups, threshold: float = 0.5, n_resamples: int = 1000,
                   seed: int = 0) -> pd.DataFrame:
    """Sensitivity, specificity and accuracy at ``threshold``, each with two 95 % intervals.

    The Wilson interval treats every image as an independent case; the patient bootstrap
    resamples patients, which is right when a patient has several images. They differ
    when a patient's images are more alike than independent cases (the bootstrap's is
    wider), when the rate mixes two classes whose numbers vary from resample to resample
    (accuracy), or near 0 or 1, where a percentile bootstrap is too narrow.
    """
    truth, values = _labels_and_scores(y_true, scores)
    counts = confusion(truth, values, threshold)
    parts = {"sensitivity": (counts.tp, counts.tp + counts.fn, truth),
             "specificity": (counts.tn, counts.tn + counts.fp, ~truth),
             "accuracy": (counts.tp + counts.tn, len(truth), np.ones_like(truth))}
    rows = []
    for name, (hits, n, among) in parts.items():
        wilson = wilson_interval(hits, n)

        boot = patient_bootstrap(functools.partial(_share_right, threshold=threshold),
                                 groups, truth, values, among,
                                 n_resamples=n_resamples, seed=seed)
        rows.append({"rate": name, "cases": n, "estimate": wilson.estimate,
                     "Wilson low": wilson.low, "Wilson high": wilson.high,
                     "bootstrap low": boot.low, "bootstrap high": boot.high})
    return pd.DataFrame(rows).set_index("rate")


def _share_right(truth, values, among, threshold: float) -> float:
    """The share of the cases in ``among`` whose decision at ``threshold`` is right."""
    right = (values >= threshold) == truth
    return float(right[among].mean()) if among.any() else float("nan")


# --- Another prevalence: Bayes' rule -----------------------------------------------------

def predictive_values(sensitivity: float, specificity: float,
                      prevalence) -> tuple[np.ndarray, np.ndarray]:
    """PPV and NPV at another ``prevalence``, by Bayes' rule.

    Of N people, N·p are sick and the test finds N·p·sens of them; N·(1 − p)
    are healthy and it alarms N·(1 − p)·(1 − spec) of them. So
    PPV = p·sens / (p·sens + (1 − p)·(1 − spec)) and, the same way,
    NPV = (1 − p)·spec / ((1 − p)·spec + p·(1 − sens)).
    This assumes sensitivity and specificity stay the same in the new
    population: its sick must look like the test set's sick, its healthy
    like the test set's healthy.
    """
    p = _probabilities(prevalence, "prevalence")
    sens = _probabilities(sensitivity, "sensitivity")
    spec = _probabilities(specificity, "specificity")
    with np.errstate(invalid="ignore", divide="ignore"):
        ppv = p * sens / (p * sens + (1 - p) * (1 - spec))
        npv = (1 - p) * spec / ((1 - p) * spec + p * (1 - sens))
    return ppv, npv


def _probabilities(value, name: str) -> np.ndarray:
    array = np.asarray(value, dtype=float)
    if np.any(np.isnan(array) | (array < 0) | (array > 1)):
        raise ValueError(f"{name} must be between 0 and 1, got {value}")
    return array


# --- Do the probabilities mean what they say? ---------------------------------------------

def calibration_table(y_true, scores, bins: int = 10) -> pd.DataFrame:
    """Group the cases by score into ``bins`` equal-width bins; compare score and outcome.

    For each non-empty bin: its edges, the number of cases, the mean score (what the
    model promised) and the share that were positive (what happened). A calibrated model
    has the two near each other in every bin. Bin ``k`` holds the scores above k/bins
    up to and including (k+1)/bins, the first bin also 0, exactly as scikit-learn's
    ``calibration_curve`` bins them.
    """
    truth, values = _labels_and_scores(y_true, scores)
    if np.any((values < 0) | (values > 1)):
        raise ValueError("scores must be probabilities between 0 and 1")
    edges = np.linspace(0, 1, bins + 1)
    which = np.searchsorted(edges[1:-1], values)
    rows = []
    for k in range(bins):
        inside = which == k
        if inside.any():
            rows.append({"low": edges[k], "high": edges[k + 1], "cases": int(inside.sum()),
                         "mean score": float(values[inside].mean()),
                         "observed": float(truth[inside].mean())})
    return pd.DataFrame(rows)
