"""The build step that makes a wheel a working site (the rest of the metadata is in setup.cfg).

A wheel of pb carries, besides the Python modules:
- the compiled translation catalogues: every ``pb/translations/<locale>/LC_MESSAGES/messages.po``
  compiled to its ``.mo`` with Babel's own ``pybabel compile`` logic; the ``.mo`` files are not
  in git, and without them the whole site is in English under ``<html lang="fi">``;
- ``templates/``, ``static/`` and ``migrations/`` from the top of the checkout, copied to
  ``pb/templates``, ``pb/static`` and ``pb/migrations`` inside the package (pb.config.PROJECT_ROOT
  finds them there when installed, and at the top of the checkout otherwise).

A catalogue with errors, or one Babel skips (marked fuzzy), fails the build rather than giving
a wheel in English. An editable install (``pip install -e .``) builds nothing: it runs from the
checkout, where ``make translations`` compiles the catalogues in place.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
CARRIED_FOLDERS = ("templates", "static", "migrations")
CATALOGUES = Path("pb") / "translations"


class BuildWithCataloguesAndSiteFiles(build_py):
    def run(self):
        package = Path(self.build_lib) / "pb"
        if not self.editable_mode:  # a module deleted since the last build must not linger in build/lib
            shutil.rmtree(package, ignore_errors=True)
        super().run()
        if self.editable_mode:
            return
        for name in CARRIED_FOLDERS:
            shutil.copytree(ROOT / name, package / name, ignore=shutil.ignore_patterns("__pycache__", "*.py[cod]"))
        compile_catalogues(ROOT / CATALOGUES, package / "translations")


def compile_catalogues(source, target):
    """``pybabel compile`` of every catalogue in ``source``, each ``.mo`` written under ``target``."""
    from babel.messages.frontend import CompileCatalog

    catalogues = sorted(source.glob("*/LC_MESSAGES/messages.po"))
    if not catalogues:
        raise SystemExit(f"no translation catalogues in {source}")
    for po_file in catalogues:
        locale = po_file.parent.parent.name
        mo_file = target / locale / "LC_MESSAGES" / "messages.mo"
        mo_file.parent.mkdir(parents=True, exist_ok=True)
        mo_file.unlink(missing_ok=True)
        command = CompileCatalog()
        command.input_file, command.output_file, command.locale = str(po_file), str(mo_file), locale
        command.finalize_options()
        if command.run() != 0 or not mo_file.exists():
            raise SystemExit(f"could not compile {po_file} (errors above, or the catalogue is marked fuzzy)")


if __name__ == "__main__":  # as pip and setuptools run it; tests/core/test_packaging.py imports it
    setup(cmdclass={"build_py": BuildWithCataloguesAndSiteFiles})
