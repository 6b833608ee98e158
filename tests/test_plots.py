"""medimg.plots: each figure draws what it says (titles, data, sizes)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from medimg import plots  # noqa: E402

# === Fonts and print (issue 7) ===

# === Motivation and images as numbers (issue 3) ===

# === Medical image formats (issue 4) ===

# === The chest X-ray dataset (issue 8) ===

# === Python pixel operations (issue 5) ===
