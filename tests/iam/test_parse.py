"""The policy parser: the grammar IAM enforces, with every error located (file, line, column, path)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from polp.errors import InputError, Location, PolicyParseError, PolpError
from polp.iam.model import Policy, Principal
from polp.iam.parse import parse_policy, parse_policy_data, parse_policy_file, parse_policy_text

CORPORA = Path("/work/shared/corpora")


def one(statement: dict[str, Any], **top: Any) -> Policy:
    return parse_policy_data({"Version": "2012-10-17", "Statement": statement, **top})


def problems_of(text: str, name: str = "p.json") -> list[tuple[str, Location]]:
    with pytest.raises(PolpError) as info:
        parse_policy_text(text, name)
    exc = info.value
    return exc.problems if isinstance(exc, PolicyParseError) else [(exc.message, exc.location or Location())]


def assert_located(location: Location, name: str = "p.json") -> None:
    assert location.file == name
    assert location.line is not None and location.line >= 1
    assert location.column is not None and location.column >= 1


# -- Statement as an object or a list -------------------------------------------------------------------


def test_statement_as_a_single_object() -> None:
    p = one({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})
    assert not p.statement_is_list
    assert len(p.statements) == 1
    st0 = p.statements[0]
    assert st0.index == 0 and st0.path == ("Statement",) and st0.label == "Statement"


def test_statement_as_a_list() -> None:
    p = parse_policy_data(
        {
            "Statement": [
                {"Sid": "A", "Effect": "Allow", "Action": "a:b", "Resource": "*"},
                {"Effect": "Deny", "Action": "a:c", "Resource": "*"},
            ]
        }
    )
    assert p.statement_is_list
    assert [s.effect for s in p.statements] == ["Allow", "Deny"]
    assert p.statements[0].label == "A"
    assert p.statements[1].path == ("Statement", 1) and p.statements[1].label == "Statement[1]"
    assert p.version is None


def test_version_id_and_element_order_are_kept() -> None:
    p = parse_policy_data(
        {
            "Version": "2008-10-17",
            "Id": "doc-1",
            "Statement": {"Resource": "*", "Effect": "Allow", "Action": "a:b"},
        }
    )
    assert p.version == "2008-10-17" and p.id == "doc-1"
    assert p.statements[0].keys == ("Resource", "Effect", "Action")


# -- String or list everywhere --------------------------------------------------------------------------


@pytest.mark.parametrize("element", ["Action", "NotAction", "Resource", "NotResource"])
def test_string_or_list_elements(element: str) -> None:
    other = {"Action": "Resource", "NotAction": "Resource", "Resource": "Action", "NotResource": "Action"}[
        element
    ]
    single = one({"Effect": "Allow", element: "x:y", other: "*"})
    listed = one({"Effect": "Allow", element: ["x:y", "x:z"], other: "*"})
    empty = one({"Effect": "Allow", element: [], other: "*"})
    attr = {
        "Action": "action",
        "NotAction": "not_action",
        "Resource": "resource",
        "NotResource": "not_resource",
    }
    assert getattr(single.statements[0], attr[element]) == ("x:y",)
    assert getattr(listed.statements[0], attr[element]) == ("x:y", "x:z")
    # Present but empty is kept apart from absent.
    assert getattr(empty.statements[0], attr[element]) == ()
    assert getattr(single.statements[0], attr[other]) == ("*",)


def test_absent_elements_are_none() -> None:
    st0 = one({"Effect": "Allow", "Action": "a:b"}).statements[0]
    assert st0.resource is None and st0.not_resource is None and st0.principal is None
    assert st0.not_action is None and st0.condition == () and st0.sid is None


@pytest.mark.parametrize("bad", [3, True, None, {"a": "b"}, ["a:b", 3], [["a:b"]]])
def test_non_string_actions_are_rejected(bad: Any) -> None:
    with pytest.raises(PolicyParseError) as info:
        one({"Effect": "Allow", "Action": bad, "Resource": "*"})
    message, location = info.value.problems[0]
    assert "Action must be a string or a list of strings" in message
    assert location.path.startswith("Statement.Action")


# -- Every Principal form -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("element", "expected"),
    [
        ("*", Principal(wildcard=True)),
        ({"AWS": "*"}, Principal(aws=("*",))),
        ({"AWS": "123456789012"}, Principal(aws=("123456789012",))),
        ({"AWS": "arn:aws:iam::123456789012:root"}, Principal(aws=("arn:aws:iam::123456789012:root",))),
        (
            {"AWS": ["arn:aws:iam::123456789012:user/a", "arn:aws:iam::123456789012:role/b"]},
            Principal(aws=("arn:aws:iam::123456789012:user/a", "arn:aws:iam::123456789012:role/b")),
        ),
        (
            {"AWS": "arn:aws:sts::123456789012:assumed-role/r/s"},
            Principal(aws=("arn:aws:sts::123456789012:assumed-role/r/s",)),
        ),
        ({"Service": "ec2.amazonaws.com"}, Principal(service=("ec2.amazonaws.com",))),
        (
            {"Service": ["ec2.amazonaws.com", "lambda.amazonaws.com"]},
            Principal(service=("ec2.amazonaws.com", "lambda.amazonaws.com")),
        ),
        (
            {"Federated": "cognito-identity.amazonaws.com"},
            Principal(federated=("cognito-identity.amazonaws.com",)),
        ),
        (
            {"Federated": "arn:aws:iam::123456789012:saml-provider/idp"},
            Principal(federated=("arn:aws:iam::123456789012:saml-provider/idp",)),
        ),
        (
            {"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},
            Principal(canonical_user=("79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",)),
        ),
        (
            {"AWS": "123456789012", "Service": "sns.amazonaws.com"},
            Principal(aws=("123456789012",), service=("sns.amazonaws.com",)),
        ),
    ],
)
def test_principal_forms(element: Any, expected: Principal) -> None:
    for name, attr in (("Principal", "principal"), ("NotPrincipal", "not_principal")):
        st0 = one({"Effect": "Deny", name: element, "Action": "s3:*", "Resource": "*"}).statements[0]
        assert getattr(st0, attr) == expected
    assert expected.is_everyone() == (element == "*" or element == {"AWS": "*"})


@pytest.mark.parametrize(
    ("element", "fragment"),
    [
        ("arn:aws:iam::123456789012:root", 'Principal must be "*" or an object'),
        (["*"], 'Principal must be "*" or an object'),
        ({"Aws": "*"}, "unknown principal type 'Aws'"),
        ({"AWS": 123456789012}, "Principal.AWS must be a string or a list of strings"),
        ({"Service": [1]}, "Principal.Service must be a string or a list of strings"),
    ],
)
def test_principal_errors(element: Any, fragment: str) -> None:
    text = json.dumps(
        {"Statement": [{"Effect": "Allow", "Principal": element, "Action": "a:b", "Resource": "*"}]}
    )
    found = problems_of(text)
    assert any(fragment in message for message, _ in found), found
    for _, location in found:
        assert_located(location)
        assert location.path.startswith("Statement[0].Principal")


# -- Condition forms ------------------------------------------------------------------------------------


def test_condition_forms() -> None:
    st0 = one(
        {
            "Effect": "Allow",
            "Action": "a:b",
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "aws:PrincipalTag/team": "ml",
                    "aws:RequestedRegion": ["eu-west-1", "eu-central-1"],
                },
                "ForAnyValue:StringLikeIfExists": {"aws:TagKeys": "team*"},
                "NumericLessThan": {"s3:max-keys": 10},
                "Bool": {"aws:SecureTransport": False},
                "Null": {"aws:TokenIssueTime": "true"},
                "ForAllValues:ArnLike": {"aws:SourceArn": ["arn:aws:s3:::a", "arn:aws:s3:::b"]},
            },
        }
    ).statements[0]
    by_key = {c.key: c for c in st0.condition}
    team = by_key["aws:PrincipalTag/team"]
    assert (team.base, team.qualifier, team.if_exists, team.values) == ("StringEquals", None, False, ("ml",))
    assert by_key["aws:RequestedRegion"].values == ("eu-west-1", "eu-central-1")
    tags = by_key["aws:TagKeys"]
    assert (tags.base, tags.qualifier, tags.if_exists) == ("StringLike", "ForAnyValue", True)
    assert by_key["s3:max-keys"].values == ("10",) and by_key["s3:max-keys"].value_types == ("number",)
    assert by_key["aws:SecureTransport"].values == ("false",)
    assert by_key["aws:SecureTransport"].value_types == ("boolean",)
    assert by_key["aws:TokenIssueTime"].base == "Null"
    assert by_key["aws:SourceArn"].qualifier == "ForAllValues"
    assert team.path == ("Statement", "Condition", "StringEquals", "aws:PrincipalTag/team")
    assert team.key_lower == "aws:principaltag/team"


def test_empty_condition_block_is_no_condition() -> None:
    assert (
        one({"Effect": "Allow", "Action": "a:b", "Resource": "*", "Condition": {}}).statements[0].condition
        == ()
    )


@pytest.mark.parametrize(
    ("condition", "fragment", "path"),
    [
        (
            {"StringEqualz": {"a:b": "c"}},
            "unknown condition operator 'StringEqualz'",
            "Condition.StringEqualz",
        ),
        ({"stringequals": {"a:b": "c"}}, "unknown condition operator", "Condition.stringequals"),
        ({"NullIfExists": {"a:b": "true"}}, "unknown condition operator", "Condition.NullIfExists"),
        ({"ForSomeValues:StringEquals": {"a:b": "c"}}, "unknown condition operator", "Condition"),
        ({"StringEquals": "a:b"}, "must map keys to values", "Condition.StringEquals"),
        (
            {"StringEquals": {"a:b": {"nested": 1}}},
            "must be a string, number or boolean",
            "Condition.StringEquals",
        ),
        ({"StringEquals": {"a:b": ["ok", None]}}, "found null", 'Condition.StringEquals["a:b"][1]'),
        (["StringEquals"], "Condition must be an object", "Condition"),
    ],
)
def test_condition_errors(condition: Any, fragment: str, path: str) -> None:
    text = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "a:b", "Resource": "*"},
                {"Effect": "Allow", "Action": "a:b", "Resource": "*", "Condition": condition},
            ],
        }
    )
    found = problems_of(text)
    assert any(fragment in message for message, _ in found), found
    location = next(loc for m, loc in found if fragment in m)
    assert_located(location)
    assert location.path.startswith(f"Statement[1].{path}"), location


# -- Statement and document grammar ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "fragment", "path"),
    [
        (
            {"Statement": {"Effect": "allow", "Action": "a:b", "Resource": "*"}},
            "case-sensitive",
            "Statement.Effect",
        ),
        ({"Statement": {"Action": "a:b", "Resource": "*"}}, "statement has no Effect", "Statement"),
        (
            {"Statement": {"Effect": "Allow", "Action": "a:b", "NotAction": "a:c", "Resource": "*"}},
            "both Action and NotAction",
            "Statement.NotAction",
        ),
        (
            {"Statement": {"Effect": "Allow", "Action": "a:b", "Resource": "*", "NotResource": "*"}},
            "both Resource and NotResource",
            "Statement.NotResource",
        ),
        (
            {
                "Statement": {
                    "Effect": "Deny",
                    "Action": "a:b",
                    "Resource": "*",
                    "Principal": "*",
                    "NotPrincipal": "*",
                }
            },
            "both Principal and NotPrincipal",
            "Statement.NotPrincipal",
        ),
        (
            {"Statement": {"Effect": "Allow", "Action": "a:b", "Resource": "*", "Actions": "x"}},
            "unknown statement element 'Actions'",
            "Statement.Actions",
        ),
        (
            {"Statement": {"Effect": "Allow", "Action": "a:b", "Resource": "*", "Sid": 1}},
            "Sid must be a string",
            "Statement.Sid",
        ),
        (
            {"Version": "2012-10-18", "Statement": {"Effect": "Allow", "Action": "a:b"}},
            "Version must be one of",
            "Version",
        ),
        ({"Id": 5, "Statement": {"Effect": "Allow", "Action": "a:b"}}, "Id must be a string", "Id"),
        ({"Version": "2012-10-17"}, "policy has no Statement", ""),
        ({"Statement": []}, "Statement is an empty list", "Statement"),
        ({"Statement": [1]}, "a statement must be an object", "Statement[0]"),
        (
            {"Statement": {"Effect": "Allow"}, "statement": []},
            "unknown top-level element 'statement'",
            "statement",
        ),
        ([{"Statement": []}], "a policy document must be a JSON object", ""),
    ],
)
def test_grammar_errors_are_located(document: Any, fragment: str, path: str) -> None:
    text = json.dumps(document, indent=2)
    found = problems_of(text)
    assert any(fragment in message for message, _ in found), found
    _, location = next((m, loc) for m, loc in found if fragment in m)
    assert_located(location)
    assert location.path == path
    # The same document, already decoded, reports the path (no text: no line or column).
    with pytest.raises(PolicyParseError) as info:
        parse_policy_data(document)
    assert any(fragment in m and loc.path == path for m, loc in info.value.problems)


def test_line_and_column_point_at_the_offending_element() -> None:
    text = (
        '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {\n      "Effect": "Permit",\n'
        '      "Action": "s3:GetObject",\n      "Resource": "*"\n    }\n  ]\n}\n'
    )
    [(message, location)] = problems_of(text, "policy.json")
    assert "Effect" in message
    assert location == Location("policy.json", 5, 7, "Statement[0].Effect")
    assert str(location) == "policy.json:5:7: Statement[0].Effect"


def test_every_problem_is_reported_at_once() -> None:
    text = json.dumps(
        {
            "Version": "1",
            "Statement": [
                {"Effect": "Allow", "Action": 1, "Resource": "*"},
                {"Effect": "Deny", "Action": "a:b", "NotAction": "c:d", "Resource": "*", "Foo": 1},
            ],
        },
        indent=1,
    )
    found = problems_of(text)
    paths = {location.path for _, location in found}
    assert {"Version", "Statement[0].Action", "Statement[1].NotAction", "Statement[1].Foo"} <= paths
    for _, location in found:
        assert_located(location)


# -- Duplicate keys and malformed JSON ------------------------------------------------------------------


def test_duplicate_condition_operator_is_rejected_with_its_location() -> None:
    # AWS keeps the last of two "StringEquals" blocks and silently drops the first.
    text = (
        '{\n "Version": "2012-10-17",\n "Statement": [\n'
        '  {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},\n'
        '  {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},\n'
        '  {"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity", "Resource": "*",\n'
        '   "Condition": {"StringEquals": {"tok.example.com:sub": "repo:o/r:main"},\n'
        '                 "StringEquals": {"tok.example.com:aud": "sts.amazonaws.com"}}}\n'
        " ]\n}\n"
    )
    with pytest.raises(InputError) as info:
        parse_policy_text(text, "trust.json")
    err = info.value
    assert 'duplicate key "StringEquals"' in err.message
    assert err.location == Location("trust.json", 8, 18, "Statement[2].Condition.StringEquals")


@pytest.mark.parametrize(
    ("text", "key", "line", "column", "path"),
    [
        ('{"Statement": [], "Statement": []}', "Statement", 1, 19, "Statement"),
        ('{"Statement": {"Effect": "Allow",\n "Effect": "Deny"}}', "Effect", 2, 2, "Statement.Effect"),
        ('{"a": 1, "a": {"b": 1, "b": 2}}', "b", 1, 24, "a.b"),
    ],
)
def test_duplicate_keys_anywhere(text: str, key: str, line: int, column: int, path: str) -> None:
    with pytest.raises(InputError) as info:
        parse_policy_text(text, "d.json")
    assert f'duplicate key "{key}"' in info.value.message
    assert info.value.location == Location("d.json", line, column, path)


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("{", 1, 2),
        ('{"Statement": [}', 1, 16),
        ('{\n  "Version": "2012-10-17",\n  "Statement": [,]\n}', 3, 17),
        ('{"Statement": NaN}', None, None),
        ('{"Statement": []} trailing', 1, 19),
        ("", 1, 1),
    ],
)
def test_malformed_json_is_an_input_error_with_a_position(
    text: str, line: int | None, column: int | None
) -> None:
    with pytest.raises(InputError) as info:
        parse_policy_text(text, "bad.json")
    location = info.value.location
    assert location is not None and location.file == "bad.json"
    if line is not None:
        assert (location.line, location.column) == (line, column)


def test_hostile_nesting_is_an_input_error() -> None:
    with pytest.raises(InputError):
        parse_policy_text("[" * 100_000 + "]" * 100_000)


def test_non_string_keys_of_a_decoded_mapping_are_rejected() -> None:
    # YAML and Python mappings may have keys of other types; they are reported, never a crash.
    for document in (
        {1: 2},
        {None: 1, "Statement": []},
        {"Statement": {"Effect": "Allow", "Action": "a:b", "Resource": "*", "Condition": {1: {}}}},
        {
            "Statement": {
                "Effect": "Allow",
                "Action": "a:b",
                "Resource": "*",
                "Condition": {"StringEquals": {None: "x"}},
            }
        },
        {"Statement": {"Effect": "Allow", "Action": "a:b", "Principal": {2.5: "x"}}},
        {"Statement": {True: "Allow"}},
    ):
        with pytest.raises(PolicyParseError) as info:
            parse_policy_data(document)
        assert any("element names must be strings" in m for m, _ in info.value.problems), info.value.problems
        str(info.value)


# -- Text, bytes, files ---------------------------------------------------------------------------------

MINIMAL = '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "a:b", "Resource": "*"}}'


def test_parse_policy_accepts_text_bytes_mappings_and_paths(tmp_path: Path) -> None:
    assert parse_policy(MINIMAL).statements[0].action == ("a:b",)
    assert parse_policy(MINIMAL.encode()).statements[0].action == ("a:b",)
    assert parse_policy(b"\xef\xbb\xbf" + MINIMAL.encode()).statements[0].action == ("a:b",)
    assert parse_policy(json.loads(MINIMAL)).statements[0].action == ("a:b",)
    f = tmp_path / "p.json"
    f.write_text(MINIMAL)
    p = parse_policy(f)
    assert p.name == str(f)
    assert parse_policy_file(f).statements[0].resource == ("*",)


def test_bytes_that_are_not_utf8_and_missing_files_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not UTF-8"):
        parse_policy(b'{"Statement": "\xff"}', "x.json")
    with pytest.raises(InputError, match="cannot read file"):
        parse_policy(tmp_path / "missing.json")
    (tmp_path / "latin1.json").write_bytes(b'{"Sid": "\xe9"}')
    with pytest.raises(InputError, match="not UTF-8"):
        parse_policy_file(tmp_path / "latin1.json")


# -- Properties: anything in, a Policy or a PolpError out -----------------------------------------------

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10)
)
JSON_VALUES = st.recursive(
    _SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=25,
)
_ELEMENTS = st.sampled_from(
    [
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
        "Effects",
        "",
    ]
)
_OPERATORS = st.sampled_from(
    [
        "StringEquals",
        "StringNotLikeIfExists",
        "ForAnyValue:StringLike",
        "ForAllValues:ArnLikeIfExists",
        "Null",
        "NullIfExists",
        "Bool",
        "DateLessThan",
        "IpAddress",
        "NumericEquals",
        "x:StringEquals",
        "Foo",
    ]
)
_PLAUSIBLE = st.sampled_from(
    [
        "Allow",
        "Deny",
        "allow",
        "*",
        "s3:GetObject",
        ["s3:*", "*"],
        "arn:aws:s3:::bucket/*",
        {"AWS": "*"},
        {"AWS": ["123456789012"]},
        {"Service": "ec2.amazonaws.com"},
        {"Federated": "x"},
        {"Junk": "x"},
    ]
)
_CONDITIONS = st.dictionaries(
    _OPERATORS, st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=3) | JSON_VALUES, max_size=3
)
_STATEMENTS = st.dictionaries(_ELEMENTS, _PLAUSIBLE | _CONDITIONS | JSON_VALUES, max_size=8)
POLICY_SHAPED = st.fixed_dictionaries(
    {},
    optional={
        "Version": st.sampled_from(["2012-10-17", "2008-10-17", "2012-10-18"]) | JSON_VALUES,
        "Id": JSON_VALUES,
        "Statement": _STATEMENTS | st.lists(_STATEMENTS | JSON_VALUES, max_size=4) | JSON_VALUES,
        "Junk": JSON_VALUES,
    },
)

_PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _policy_or_polp_error(document: object) -> None:
    for attempt in (
        lambda: parse_policy_text(json.dumps(document), "h.json"),
        lambda: parse_policy_data(document),
    ):
        try:
            result = attempt()
        except PolpError as exc:
            assert exc.location is not None
            str(exc)
            continue
        assert isinstance(result, Policy)


@_PROPERTY
@given(JSON_VALUES)
def test_any_json_value_gives_a_policy_or_a_polp_error(document: object) -> None:
    _policy_or_polp_error(document)


@_PROPERTY
@given(POLICY_SHAPED)
def test_policy_shaped_junk_gives_a_policy_or_a_polp_error(document: dict[str, Any]) -> None:
    _policy_or_polp_error(document)


@_PROPERTY
@given(st.text() | st.binary())
def test_random_text_and_bytes_give_a_policy_or_a_polp_error(document: str | bytes) -> None:
    try:
        assert isinstance(parse_policy(document, "r.json"), Policy)
    except PolpError as exc:
        assert exc.location is not None and exc.location.file == "r.json"


@_PROPERTY
@given(
    st.integers(min_value=0, max_value=len(MINIMAL)),
    st.integers(min_value=0, max_value=5),
    st.text(alphabet='{}[]",: \n\\aS0', max_size=4),
)
def test_mutated_policy_text_gives_a_policy_or_a_polp_error(at: int, cut: int, insert: str) -> None:
    text = MINIMAL[:at] + insert + MINIMAL[at + cut :]
    try:
        assert isinstance(parse_policy_text(text, "m.json"), Policy)
    except PolpError as exc:
        assert exc.location is not None and exc.location.file == "m.json"


# -- The corpora ----------------------------------------------------------------------------------------


def _corpus(name: str, suffix: str) -> list[Path]:
    folder = CORPORA / name / "policies"
    return sorted(folder.glob(f"*{suffix}")) if folder.is_dir() else []


@pytest.mark.skipif(not _corpus("managed-policies", ".json"), reason="shared corpora not present")
def test_every_aws_managed_policy_parses() -> None:
    files = _corpus("managed-policies", ".json")
    assert len(files) > 1000
    for path in files:
        policy = parse_policy_file(path)
        assert policy.statements, path


@pytest.mark.skipif(not _corpus("aws-doc-examples", ".json"), reason="shared corpora not present")
def test_every_documentation_example_parses() -> None:
    files = _corpus("aws-doc-examples", ".json")
    assert len(files) > 200
    for path in files:
        assert parse_policy_file(path).statements, path


@pytest.mark.skipif(not _corpus("aws-doc-examples", ".txt"), reason="shared corpora not present")
def test_unparseable_documentation_examples_give_polp_errors() -> None:
    for path in _corpus("aws-doc-examples", ".txt"):
        with pytest.raises(PolpError) as info:
            parse_policy_file(path)
        assert info.value.location is not None and info.value.location.file == str(path)
