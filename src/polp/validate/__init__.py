"""``polp validate``: IAM Access Analyzer-style validation of policy documents.

The public API: :func:`validate_policy`, :func:`validate_text`, :func:`validate_file` (in
:mod:`polp.validate.validator`), :class:`ValidationFinding` and :class:`Severity` (in
:mod:`polp.validate.finding`), :class:`PolicyType` (in :mod:`polp.validate.policy_type`), the codes
(in :mod:`polp.validate.codes`) and :func:`run_validate` (in :mod:`polp.validate.command`).
"""
