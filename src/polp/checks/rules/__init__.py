"""One module per check; each exports ``CHECK`` (see :mod:`polp.checks.interface`)."""
