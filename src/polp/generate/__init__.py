"""``polp plan``: compile a pipeline manifest into one least-privilege role per identity, as Terraform,
CloudFormation or plain IAM JSON."""
