"""Configuration: defaults, override file, environment, and one clear line per mistake."""

from __future__ import annotations

import pytest

from infra.config import ConfigError, load_settings


def test_defaults_are_demo_mode():
    s = load_settings(environ={})
    assert s.demo and s.commitments.review_levels == ["group", "branch", "township"]


def test_file_then_env_override(tmp_path):
    extra = tmp_path / "site.yaml"
    extra.write_text(
        "requests:\n  first_answer_hours: 24\napp:\n  township_name: 东山镇\n", encoding="utf-8"
    )
    s = load_settings(
        environ={
            "JIANNUO_CONFIG": str(extra),
            "JIANNUO_REQUESTS__FIRST_ANSWER_HOURS": "12",
            "JIANNUO_COMMITMENTS__REVIEW_LEVELS": "[branch, township]",
        }
    )
    assert s.requests.first_answer_hours == 12
    assert s.app.township_name == "东山镇"
    assert s.commitments.review_levels == ["branch", "township"]


@pytest.mark.parametrize(
    ("environ", "key"),
    [
        ({"JIANNUO_DATABASE__ECHO": "maybe"}, "database.echo"),
        ({"JIANNUO_REQUESTS__FIRST_ANSWER_HOURS": "soon"}, "requests.first_answer_hours"),
        ({"JIANNUO_APP__COLOUR": "red"}, "app.colour"),
        ({"JIANNUO_WECHAT__OFFICIAL_ACCOUNT__APP_ID": "wx123"}, "wechat.official_account.secret"),
        (
            {
                "JIANNUO_WECHAT__MINI_PROGRAM__APP_ID": "wx9",
                "JIANNUO_WECHAT__MINI_PROGRAM__SECRET": "s",
            },
            "app.secret_key",
        ),
        ({"JIANNUO_COMMITMENTS__REVIEW_LEVELS": "[village]"}, "commitments.review_levels.0"),
    ],
)
def test_mistakes_stop_with_one_line_naming_the_key(environ, key):
    with pytest.raises(ConfigError) as err:
        load_settings(environ=environ)
    assert err.value.key == key
    assert "\n" not in str(err.value.code)
    assert key in str(err.value.code)


def test_credentials_turn_demo_off():
    s = load_settings(
        environ={
            "JIANNUO_WECHAT__OFFICIAL_ACCOUNT__APP_ID": "wx123",
            "JIANNUO_WECHAT__OFFICIAL_ACCOUNT__SECRET": "secret",
            "JIANNUO_WECHAT__OFFICIAL_ACCOUNT__TOKEN": "token",
            "JIANNUO_APP__SECRET_KEY": "k" * 32,
        }
    )
    assert not s.demo


def test_missing_override_file_is_named(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_settings(environ={"JIANNUO_CONFIG": str(tmp_path / "nope.yaml")})
    assert err.value.key == "JIANNUO_CONFIG"
