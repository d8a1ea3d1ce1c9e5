"""The AWS IAM policy language: model, parser, catalog and evaluation."""
