import pytest

from ttc_viz.settings import ServerSettings, SettingsError, load, sweep_folders


def test_defaults_offer_only_the_embedded_model_and_no_remote_code():
    s = load({}, [])
    assert s.models == ("embedded", "embedded-base") and s.verifiers == ("symbolic", "prm", "answer-key")
    assert s.trust_remote_code is False and s.sweeps == ()
    assert s.limits.max_running == 4 and s.limits.per_session == 1


def test_environment_and_command_line():
    env = {"TTC_VIZ_MODELS": "qwen2.5-math-1.5b-instruct, /models/mine", "TTC_VIZ_TRUST_REMOTE_CODE": "1",
           "TTC_VIZ_MAX_JOBS": "2", "TTC_VIZ_VERIFIERS": "hf:a/b:qwen"}
    s = load(env, [])
    assert s.models == ("embedded", "embedded-base", "qwen2.5-math-1.5b-instruct", "/models/mine")
    assert s.trust_remote_code and s.limits.max_running == 2 and "hf:a/b:qwen" in s.verifiers
    s = load(env, ["--models", "x/y", "--max-jobs", "3", "--max-tokens", "0"])  # the command line wins
    assert s.models == ("embedded", "embedded-base", "x/y") and s.limits.max_running == 3 and s.limits.max_tokens == 0
    assert load({}, ["--trust-remote-code"]).trust_remote_code


def test_a_preset_name_resolves_to_its_model():
    s = load({"TTC_VIZ_MODELS": "qwen2.5-math-1.5b-instruct"}, [])
    assert s.model_spec("qwen2.5-math-1.5b-instruct") == "Qwen/Qwen2.5-Math-1.5B-Instruct"
    assert s.model_spec("embedded") == "embedded"
    with pytest.raises(SettingsError):
        s.model_spec("Qwen/Qwen2.5-Math-1.5B-Instruct")  # only what was allowed, by the name it was allowed


@pytest.mark.parametrize("env,argv", [
    ({"TTC_VIZ_MAX_JOBS": "0"}, []),
    ({"TTC_VIZ_MAX_JOBS": "lots"}, []),
    ({}, ["--max-queued", "-1"]),
    ({}, ["--bogus"]),
    ({"TTC_VIZ_VERIFIERS": "oracle"}, []),
])
def test_bad_operator_settings_are_refused(env, argv):
    with pytest.raises(ValueError):
        load(env, argv)


def test_sweep_folders_are_the_shipped_one_and_the_allowed_ones(tmp_path):
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    root = tmp_path / "sweeps"
    (root / "a").mkdir(parents=True)
    (root / "a" / "sweep.json").write_text("{}")
    (root / "not-a-sweep").mkdir()
    s = ServerSettings(sweeps=(str(root),))
    assert sweep_folders(s, shipped) == [shipped, root / "a"]
    assert sweep_folders(ServerSettings(), shipped) == [shipped]
