"""Print pyproject.toml's dependencies (and the named extras), one per line.

The project itself is not an installable package (``packages = []``): the
Makefile installs only what it depends on, from this list.
usage: python scripts/requirements.py pyproject.toml [EXTRA ...]
"""

import sys
import tomllib


def main(argv: list[str]) -> int:
    with open(argv[1], "rb") as fh:
        project = tomllib.load(fh)["project"]
    lines = list(project.get("dependencies", []))
    extras = project.get("optional-dependencies", {})
    for extra in argv[2:]:
        lines.extend(extras[extra])
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
