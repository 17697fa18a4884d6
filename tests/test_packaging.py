"""What we ship: the wheel and sdist carry the licence and the typing marker."""

from __future__ import annotations

import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_and_sdist_carry_license_and_py_typed(tmp_path):
    # hatchling (the build backend) is in the test extra: build without fetching anything
    from hatchling.builders.sdist import SdistBuilder
    from hatchling.builders.wheel import WheelBuilder

    [wheel] = WheelBuilder(str(ROOT)).build(directory=str(tmp_path), versions=["standard"])
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names
                                     if n.endswith(".dist-info/METADATA"))).decode()
    assert "sphinx_deployplan/py.typed" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "License-Expression: MIT" in metadata
    assert "Classifier: Typing :: Typed" in metadata

    [sdist] = SdistBuilder(str(ROOT)).build(directory=str(tmp_path / "sdist"))
    with tarfile.open(sdist) as archive:
        members = archive.getnames()
    assert any(m.endswith("/LICENSE") for m in members)
    assert any(m.endswith("/sphinx_deployplan/py.typed") for m in members)
