# SPDX-License-Identifier: MIT
"""The tiny package's tests: one clean, one double free, one leak."""
import planted


def test_tidy():
    planted.tidy()


def test_double_free():
    planted.double_free()


def test_leak():
    planted.leak()
