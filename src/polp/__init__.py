"""polp: least privilege for the service accounts that train, build and deploy ML models."""

__version__ = "0.1.0"
