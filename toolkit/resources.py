"""Where the bundled files live: the example config, its task table and the templates.

In a source checkout or an editable install they are the repository's top-level
``config.toml``, ``examples/`` and ``templates/``; in a wheel they are shipped inside the
package as ``toolkit/office``, ``toolkit/examples`` and ``toolkit/templates`` (see setup.cfg).
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def bundle_root() -> Path:
    """Return the folder holding the bundled ``examples/`` and ``templates/``."""
    checkout = _PACKAGE.parent
    if (checkout / "config.toml").is_file() and (checkout / "examples").is_dir():
        return checkout
    return _PACKAGE


def bundled_config() -> Path:
    """Return the path of the bundled example ``config.toml``."""
    root = bundle_root()
    if root == _PACKAGE:
        return _PACKAGE / "office" / "config.toml"
    return root / "config.toml"


def bundled_templates() -> Path:
    """Return the folder of the bundled templates."""
    return bundle_root() / "templates"
