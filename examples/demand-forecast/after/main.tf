# The demand-forecasting pipeline after the refactor: one identity per task, federated from GitHub
# Actions on the main branch, each scoped to the exact resources it touches.

locals {
  account_id   = "111122223333"
  region       = "us-east-1"
  repository   = "retail-co/demand-forecast"
  ecr_repo     = "demand-forecast"
  endpoint     = "demand-forecast"
  github_oidc  = "token.actions.githubusercontent.com"
}

resource "aws_iam_openid_connect_provider" "github" {
  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
}

data "aws_iam_policy_document" "github_main_trust" {
  statement {
    sid     = "GitHubActionsMainBranch"
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::${local.account_id}:oidc-provider/${local.github_oidc}"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.github_oidc}:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.github_oidc}:sub"
      values   = ["repo:${local.repository}:ref:refs/heads/main"]
    }
  }
}

# --- Builder: pushes images to one repository -------------------------------------------------

resource "aws_iam_role" "builder" {
  name                 = "demand-forecast-builder"
  assume_role_policy   = data.aws_iam_policy_document.github_main_trust.json
  max_session_duration = 3600
}

data "aws_iam_policy_document" "builder" {
  statement {
    sid       = "RegistryLogin"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }
  statement {
    sid = "PushOneRepository"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:InitiateLayerUpload",
      "ecr:UploadLayerPart",
      "ecr:CompleteLayerUpload",
      "ecr:PutImage",
    ]
    resources = ["arn:aws:ecr:${local.region}:${local.account_id}:repository/${local.ecr_repo}"]
  }
}

resource "aws_iam_role_policy" "builder" {
  name   = "push-demand-forecast-image"
  role   = aws_iam_role.builder.id
  policy = data.aws_iam_policy_document.builder.json
}

# --- Deployer: rolls out one inference endpoint ------------------------------------------------

resource "aws_iam_role" "deployer" {
  name                 = "demand-forecast-deployer"
  assume_role_policy   = data.aws_iam_policy_document.github_main_trust.json
  max_session_duration = 3600
}

resource "aws_iam_role_policy" "deployer" {
  name = "roll-out-demand-forecast-endpoint"
  role = aws_iam_role.deployer.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "CreateModelAndConfig"
        Effect = "Allow"
        Action = ["sagemaker:CreateModel", "sagemaker:CreateEndpointConfig", "sagemaker:AddTags"]
        Resource = [
          "arn:aws:sagemaker:${local.region}:${local.account_id}:model/${local.endpoint}-*",
          "arn:aws:sagemaker:${local.region}:${local.account_id}:endpoint-config/${local.endpoint}-*",
        ]
        Condition = { StringEquals = { "aws:RequestTag/Environment" = "Staging" } }
      },
      {
        Sid      = "RollingUpdateOfStagingEndpoint"
        Effect   = "Allow"
        Action   = ["sagemaker:UpdateEndpoint", "sagemaker:DescribeEndpoint"]
        Resource = "arn:aws:sagemaker:${local.region}:${local.account_id}:endpoint/${local.endpoint}"
        Condition = { StringEquals = { "aws:ResourceTag/Environment" = "Staging" } }
      },
      {
        Sid      = "UseNewEndpointConfig"
        Effect   = "Allow"
        Action   = ["sagemaker:UpdateEndpoint"]
        Resource = "arn:aws:sagemaker:${local.region}:${local.account_id}:endpoint-config/${local.endpoint}-*"
        Condition = { StringEquals = { "aws:ResourceTag/Environment" = "Staging" } }
      },
      {
        Sid      = "PassExecutionRoleToSageMaker"
        Effect   = "Allow"
        Action   = "iam:PassRole"
        Resource = "arn:aws:iam::${local.account_id}:role/service-role/DemandForecastSageMakerExecution"
        Condition = { StringEquals = { "iam:PassedToService" = "sagemaker.amazonaws.com" } }
      },
    ]
  })
}
