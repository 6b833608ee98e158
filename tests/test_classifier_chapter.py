"""The chapter "A first classifier": its cells run outside the book, and what its text says
about the numbers is what the numbers are.

The cells of book/classifier.md are executed here, in order, in one namespace (``glue``
is captured instead of displayed). The tests then check each claim the prose makes in
words ("includes zero", "falls to", "wider", "far from 0.5"), since the numbers
themselves reach the page through ``glue`` and cannot disagree with the cells.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

pytestmark = pytest.mark.slow  # runs the whole chapter: make test only, not make check


@pytest.fixture(scope="module")
def chapter(root):
    import matplotlib
    matplotlib.use("Agg")
    import myst_nb

    glued: dict[str, object] = {}
    original = myst_nb.glue
    myst_nb.glue = lambda name, value, display=True: glued.__setitem__(name, value)
    try:
        source = (root / "book" / "classifier.md").read_text(encoding="utf-8")
        cells = re.findall(r"```\{code-cell\} ipython3\n(.*?)```", source, flags=re.S)
        namespace: dict = {}
        for cell in cells:
            code = re.sub(r"\A---\n.*?\n---\n", "", cell, flags=re.S)
            code = re.sub(r"\A:tags:.*\n", "", code)
            exec(compile(code, "classifier.md", "exec"), namespace)
    finally:
        myst_nb.glue = original
    namespace["glued"] = glued
    return namespace


def test_its_tables_print_as_tables_on_paper(root):
    """tables.show offers Markdown for the PDF; only MyST (not CommonMark) parses tables."""
    source = (root / "book" / "classifier.md").read_text(encoding="utf-8")
    front = source.split("---\n")[1]
    assert "tables.show(" in source
    assert "render_markdown_format: myst" in front


def test_the_text_and_the_cells_use_the_same_glue_names(chapter, root):
    source = (root / "book" / "classifier.md").read_text(encoding="utf-8")
    used = set(re.findall(r"\{glue:text\}`([^`:]+)`", source))
    assert used and used <= set(chapter["glued"])


def test_no_patient_is_in_two_roles_and_the_baseline_scores_what_the_text_says(chapter):
    assert len(chapter["shared"]) == 0
    rates = chapter["baseline"].rates()
    assert rates["accuracy"] == rates["ppv"] == 390 / 624 == 0.625
    assert rates["sensitivity"] == 1 and rates["specificity"] == 0


def test_twelve_percent_of_the_pixels_are_border_and_many_large_coefficients_sit_there(chapter):
    from medimg import features
    assert round(100 * features.border_mask((64, 64), 2).mean()) == 12
    assert int(chapter["glued"]["coef_on_border"]) >= 5     # "some of the largest", 20 × 12 % = 2.4


def test_the_by_hand_convolution_matches(chapter):
    assert chapter["by_hand"] == chapter["edges"][8, 4] == 89


def test_both_models_are_better_on_validation_than_on_test(chapter):
    from medimg import evaluate
    y, val, test = chapter["y"], chapter["val"], chapter["test"]
    for on_val, on_test in chapter["scores"].values():
        assert evaluate.auc(y[val], on_val) > 0.98            # "close to 1"
        assert evaluate.auc(y[val], on_val) > evaluate.auc(y[test], on_test) + 0.03


def test_no_leak_can_be_measured_here(chapter):
    leak = chapter["leak"]
    assert leak["difference"].low < 0 < leak["difference"].high   # "includes zero"
    nearest = chapter["nearest"]
    assert nearest["test images with their patient in train"] > 0.5
    assert nearest["nearest is the same patient"] < 0.1


def test_specificity_falls_on_the_test_set_at_one_half(chapter):
    assert chapter["at_half"].sensitivity > 0.98
    assert chapter["at_half"].specificity < 0.5
    assert chapter["on_val"].specificity > 0.9
    assert chapter["at_half"].fp > chapter["at_half"].tn


def test_the_thresholds_keep_their_promise_on_validation_only(chapter):
    thresholds, screen, confirm = chapter["thresholds"], chapter["screen"], chapter["confirm"]
    assert thresholds["screening"] < thresholds["confirming"]
    rows = chapter["rows"]
    assert isinstance(rows, list)                               # (reused below for 16 images)
    assert screen.sensitivity >= 0.99                          # "still finds nearly every"
    assert screen.specificity < 0.5
    assert confirm.specificity < 0.9                           # promised 99 %
    assert 0.8 < confirm.sensitivity < 0.99


def test_the_two_kinds_of_interval_differ_as_the_text_says(chapter):
    intervals = chapter["intervals"]
    widths = chapter["widths"]
    wilson, boot = widths["specificity"]
    assert abs(wilson - boot) < 0.2 * wilson                   # "nearly agree"
    wilson, boot = widths["accuracy"]
    assert boot > 1.15 * wilson                                # "wider"
    wilson, boot = widths["sensitivity"]
    assert boot < wilson                                       # "the narrower one"
    assert intervals.loc["sensitivity", "bootstrap high"] == 1.0   # "stops at 1"
    assert chapter["screen"].fn <= 3
    sens = chapter["at_confirm"].loc["sensitivity"]               # "about as wide"
    wilson = sens["Wilson high"] - sens["Wilson low"]
    boot = sens["bootstrap high"] - sens["bootstrap low"]
    assert abs(wilson - boot) < 0.15 * wilson
    assert chapter["confirm"].fn > 10
    healthy = chapter["y"][chapter["test"]] == 0
    groups = chapter["chest"].groups[chapter["test"]]
    assert (healthy.sum(), len(np.unique(groups[healthy]))) == (234, 225)


def test_the_model_aucs_and_their_intervals(chapter):
    table = chapter["auc_table"]
    assert table["never looks"]["AUC test"] == 0.5
    pixels, filters = table["pixels"], table["filters"]
    assert filters["AUC test"] > pixels["AUC test"]
    assert filters["95 % low"] < pixels["95 % high"]           # "overlap a little"


def test_sixteen_images_give_intervals_tens_of_points_wide(chapter):
    rows = {label: (low, high) for label, _, low, high in chapter["rows"]}
    small = [rows[f"{m}, 16 Kaggle val images"] for m in ("pixels", "filters")]
    large = [rows[f"{m}, 624 test images"] for m in ("pixels", "filters")]
    assert all(high - low > 0.3 for low, high in small)
    assert small[0][0] < small[1][1] and small[1][0] < small[0][1]     # they overlap
    assert all(high - low < 0.1 for low, high in large)


def test_the_validation_set_is_as_large_as_the_text_says(chapter):
    assert chapter["glued"]["val_images"] == "952"
    assert chapter["glued"]["val_patients"] == "513"
    test_groups = chapter["chest"].groups[chapter["test"]]
    pneumonia = chapter["y"][chapter["test"]] == 1
    per_child = pneumonia.sum() / len(np.unique(test_groups[pneumonia]))
    assert 1.8 < per_child < 2.2                               # "about two X-rays"


def test_a_positive_means_less_in_the_illustrative_clinic(chapter):
    from medimg import evaluate
    confirm = chapter["confirm"]
    ppv, npv = evaluate.predictive_values(confirm.sensitivity, confirm.specificity,
                                          [0.625, 0.10])
    assert ppv[1] < 0.5 < ppv[0]
    assert npv[1] > 0.95


def test_calibration_holds_on_validation_and_fails_on_test(chapter):
    validation = chapter["calibration"]["validation"]
    crowded = validation[validation["cases"] >= 30]
    assert (abs(crowded["observed"] - crowded["mean score"]) < 0.1).all()
    test = chapter["calibration"]["test"]
    above = test[test["low"] >= 0.1]
    assert (above["observed"] < above["mean score"] - 0.1).all()    # "far below ... above 0.1"
    assert test["observed"].iloc[-1] < test["mean score"].iloc[-1]   # "even in the last bin"
    assert chapter["bin_08"]["observed"] < 0.5


def test_the_error_gallery_shows_what_the_caption_says(chapter):
    scores = [chapter["score_of"][i] for i in chapter["missed"]]
    assert 0.2 < min(scores) and max(scores) < 0.7
    assert min(chapter["score_of"][i] for i in chapter["alarms"]) > 0.99


def test_the_border_alone_is_far_from_guessing(chapter):
    border = chapter["border"]
    assert border["test"].low > 0.7 and border["validation"].low > 0.85
    assert border["validation"].estimate > border["test"].estimate


def test_the_learning_curve_flattens_on_test(chapter):
    curve = chapter["curve"]
    assert curve["AUC validation"].iloc[-1] > curve["AUC validation"].iloc[0] + 0.03
    later = curve[curve["patients"] >= 100]["AUC test"]
    assert later.max() - later.min() < 0.015
    assert curve["patients"].iloc[-1] == 2163


def test_the_exercises_answers_hold(chapter):
    from medimg import evaluate
    assert chapter["chosen"] == 0.01
    assert evaluate.wilson_interval(225, 300).width / 2 < 0.05 < \
        evaluate.wilson_interval(150, 200).width / 2                   # "about 300"
    needed = chapter["candidates"][chapter["ppvs"] >= 0.5][0]
    assert round(needed, 2) == 0.98                                    # "about 98 %"
    mine = chapter["mine"]
    assert mine.specificity > chapter["at_half"].specificity          # a higher threshold


def test_the_page_shows_the_numbers_computed_here(chapter, built_site):
    """The built page and this independent run agree (the seeds make the chapter repeatable)."""
    import html as htmlmod
    page = htmlmod.unescape((built_site.html / "book" / "classifier.html").read_text("utf-8"))
    for name in ("auc_filters", "auc_pixels", "leak_difference", "border_test", "half_spec",
                 "ppv_clinic"):
        assert str(chapter["glued"][name]) in page, name
