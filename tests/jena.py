"""Apache Jena from Debian (libapache-jena-java) as a test referee: a remote SPARQL client
(``arq.rsparql``) and a SHACL engine (``shacl.shacl``).

Debian ships the jars without launchers, and two traps stop a plain ``java -cp '/usr/share/java/*'``
(see shared/reference/TOOLS.md): clashing SLF4J bindings, and Xerces message bundles left at
their unrelocated path. So the class path is built from the package's own jars and those of its
dependencies, with only ``slf4j-api`` and ``slf4j-nop``, plus a folder holding the bundles where
the relocated classes look for them.
"""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from functools import lru_cache
from pathlib import Path

PACKAGE = "libapache-jena-java"
SKIP = ("slf4j",)  # every SLF4J jar but the two below
LOGGING = ("/usr/share/java/slf4j-api.jar", "/usr/share/java/slf4j-nop.jar")
BUNDLES = ("impl/msg/", "impl/xpath/regex/")


def _jars_of(package: str) -> list[str]:
    listing = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True).stdout
    return [line for line in listing.splitlines()
            if line.endswith(".jar") and Path(line).is_file() and not Path(line).is_symlink()]


@lru_cache(maxsize=1)
def classpath(workdir: Path = Path("/tmp/icskg-jena")) -> str | None:
    """The class path for Jena's command-line tools, or None if Jena or Java is not installed."""
    if shutil.which("java") is None or not _jars_of(PACKAGE):
        return None
    depends = subprocess.run(["apt-cache", "depends", PACKAGE], capture_output=True, text=True).stdout
    packages = [PACKAGE] + [line.split(":", 1)[1].strip() for line in depends.splitlines()
                            if line.strip().startswith("Depends:")]
    jars = [jar for package in packages for jar in _jars_of(package)
            if not any(skip in Path(jar).name for skip in SKIP)]
    bundles = workdir / "bundles"
    core = next(jar for jar in jars if Path(jar).name.startswith("jena-core"))
    with zipfile.ZipFile(core) as archive:
        for name in archive.namelist():
            for folder in BUNDLES:
                prefix = "org/apache/jena/ext/xerces/" + folder
                if name.startswith(prefix) and name.endswith(".properties"):
                    target = bundles / "xerces" / folder / name[len(prefix):]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(archive.read(name))
    return ":".join([str(bundles), *jars, *LOGGING])


def run(main_class: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run one of Jena's command-line classes (e.g. ``arq.rsparql``)."""
    path = classpath()
    assert path is not None, "Jena is not installed"
    return subprocess.run(["java", "-cp", path, main_class, *args],
                          capture_output=True, text=True, timeout=timeout)
