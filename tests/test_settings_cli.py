"""Settings precedence (flag > environment > default) and the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from mockserver import cli
from mockserver.settings import Settings, SettingsError, env_name, from_sources, knobs


def test_defaults_apply_without_flags_or_environment():
    assert from_sources({}, environ={}) == Settings()


def test_environment_overrides_default_and_flag_overrides_environment():
    env = {"PIXXEL_MOCK_PORT": "9000", "PIXXEL_MOCK_DOWNLOAD_QUEUE_SECONDS": "0.5"}
    from_env = from_sources({}, environ=env)
    assert from_env.port == 9000 and from_env.download_queue_seconds == 0.5
    assert from_sources({"port": 9100}, environ=env).port == 9100


def test_path_settings_come_from_the_environment():
    settings = from_sources({}, environ={"PIXXEL_MOCK_STATE_FILE": "state.sqlite3"})
    assert settings.state_file == Path("state.sqlite3")


@pytest.mark.parametrize(
    ("env", "phrase"),
    [
        ({"PIXXEL_MOCK_PORT": "eighty"}, "PIXXEL_MOCK_PORT"),
        ({"PIXXEL_MOCK_PORT": "70000"}, "port"),
        ({"PIXXEL_MOCK_WORKERS": "0"}, "workers"),
        ({"PIXXEL_MOCK_AOI_QUEUE_SECONDS": "-1"}, "aoi_queue_seconds"),
        ({"PIXXEL_MOCK_PUBLIC_URL": "ftp://x"}, "public_url"),
        ({"PIXXEL_MOCK_LOG_LEVEL": "loud"}, "log_level"),
    ],
)
def test_bad_values_are_refused_with_the_setting_named(env, phrase):
    with pytest.raises(SettingsError, match=phrase):
        from_sources({}, environ=env)


def test_every_setting_has_a_flag_an_environment_variable_and_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["serve", "--help"])
    assert exit_info.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for knob in knobs():
        assert "--" + knob.name.replace("_", "-") in text
        assert env_name(knob.name) in text
        assert knob.metadata["help"].split()[0] in text


def test_bad_flag_value_exits_with_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["serve", "--port", "0"])
    assert exit_info.value.code == 2
    assert "port" in capsys.readouterr().err


def test_fixtures_check_accepts_the_bundled_data(capsys):
    assert cli.main(["fixtures", "check"]) == 0
    assert "fixtures OK: 240 catalogs" in capsys.readouterr().out


def test_fixtures_check_reports_a_bad_folder(tmp_path, capsys):
    assert cli.main(["fixtures", "check", str(tmp_path)]) == 1
    error = capsys.readouterr().err
    assert "satellites.json: file not found" in error


def test_fixtures_generate_writes_a_loadable_set(tmp_path, capsys):
    assert cli.main(["fixtures", "generate", "--seed", "7", "--out", str(tmp_path)]) == 0
    assert cli.main(["fixtures", "check", str(tmp_path)]) == 0


def test_readme_documents_every_setting():
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    for knob in knobs():
        flag = "--" + knob.name.replace("_", "-")
        assert f"| `{flag}` | `{env_name(knob.name)}` |" in readme, f"README lacks {flag}"


def test_version_prints_the_installed_version(capsys):
    from importlib.metadata import version

    with pytest.raises(SystemExit) as stopped:
        cli.main(["--version"])
    assert stopped.value.code == 0
    assert capsys.readouterr().out.strip() == f"pixxel-mock {version('pixxel-mock')}"
