"""medimg: the code behind the book *AI in Medical Image Classification — Warmup*.

The package is flat: one module per idea.

- ``paths``   — where the book's data lives, whatever the working directory.
"""

__version__ = "0.1.0"
