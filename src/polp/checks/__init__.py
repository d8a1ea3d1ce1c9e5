"""Audit checks: one module per check under :mod:`polp.checks.rules`, registered in
:mod:`polp.checks.registry`."""
