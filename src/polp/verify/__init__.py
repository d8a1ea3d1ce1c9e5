"""``polp verify``: prove by simulation that the actual roles match the manifest: sufficient, minimal,
never reaching what they must not, and trusted only by the declared subjects."""
