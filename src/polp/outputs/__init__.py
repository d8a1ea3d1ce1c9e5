"""Report writers: terminal text, JSON, SARIF, Markdown and HTML."""
