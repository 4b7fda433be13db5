import pytest

from codeindex.identifiers import name_key, subwords


@pytest.mark.parametrize(
    ("identifier", "expected"),
    [
        ("get_user", ["get", "user"]),
        ("UserService", ["user", "service"]),
        ("userId", ["user", "id"]),
        ("USER_ID", ["user", "id"]),
        ("HTTPServerError", ["http", "server", "error"]),
        ("getURLs", ["get", "urls"]),
        ("utf8_decode", ["utf8", "decode"]),
        ("__init__", ["init"]),
        ("kebab-case-name", ["kebab", "case", "name"]),
        ("größe_berechnen", ["größe", "berechnen"]),
        ("x", ["x"]),
    ],
)
def test_subwords_split_every_identifier_style(identifier: str, expected: list[str]) -> None:
    assert subwords(identifier) == expected


def test_name_key_folds_case_only() -> None:
    assert name_key("UserService") == "userservice"
    assert name_key("get_user") == "get_user"
