"""Ship the project's data with the package, so a non-editable install works from any folder.

The ontology, shapes, competency questions, curated data and shape cases live in the checkout (the
layout the design fixes); a wheel copies them into ``icskg/_project/``, where
:mod:`icskg.resources` looks first. An editable install reads them from the checkout instead.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHIPPED = ("ontology", "shapes", "queries", "data", "tests/cases")  # cases: the rule pages' examples


class BuildWithProjectFiles(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        target = Path(self.build_lib) / "icskg" / "_project"
        for name in SHIPPED:
            shutil.copytree(Path(name), target / name, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildWithProjectFiles})
