"""Everything about the build is in pyproject.toml except one step: the translation catalogues
(``src/bolekg/locale/<lang>/LC_MESSAGES/messages.po``) are compiled to ``messages.mo`` in every wheel,
as ``make install`` compiles them in place for the editable install (README "Translations")."""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithCatalogues(build_py):
    """``build_py``, then each ``.po`` of the package compiled beside its copy in the build."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # the source tree is the package: `make install` compiles it there
            return
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        source = Path(self.get_package_dir("bolekg"))
        for po in sorted(source.glob("locale/*/LC_MESSAGES/messages.po")):
            target = Path(self.build_lib, "bolekg", po.relative_to(source).with_suffix(".mo"))
            target.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as infile:
                catalogue = read_po(infile, abort_invalid=True)
            with target.open("wb") as outfile:
                write_mo(outfile, catalogue)


setup(cmdclass={"build_py": BuildWithCatalogues})
