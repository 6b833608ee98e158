"""The book's figures. Each function draws one figure and returns it (never shows it).

Returning the Figure lets a chapter display it and a test check what was drawn: titles,
data, sizes. Sections below follow the chapters.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

# === Fonts and print (issue 7) ===

# === Motivation and images as numbers (issue 3) ===

# === Medical image formats (issue 4) ===

# === The chest X-ray dataset (issue 8) ===

# === Python pixel operations (issue 5) ===
