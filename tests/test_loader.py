"""The loader, without Sphinx: a model from valid YAML, a located problem for bad YAML."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap

import pytest

from sphinx_deployplan.loader import Limits, load_plan, load_plan_file
from sphinx_deployplan.problems import PlanError

HEAD = "plan: demo\ntitle: Demo\nservice: demo-svc\nowner: demo-team\n"


def problems(text: str, **kwargs):
    with pytest.raises(PlanError) as info:
        load_plan(textwrap.dedent(text), **kwargs)
    return [(p.subtype, p.line, p.message) for p in info.value.problems]


def one(text: str, **kwargs):
    found = problems(text, **kwargs)
    assert len(found) == 1, found
    return found[0]


# --- the shared samples ----------------------------------------------------------------------


def test_checkout_sample_loads_every_section(shared_plans):
    plan = load_plan_file(shared_plans / "checkout-v2.yaml")
    assert plan.plan == "checkout-v2"
    assert [e.name for e in plan.environments] == ["dev", "staging", "production"]
    assert plan.environment("production").access.approve == ["sre-oncall", "payments-lead"]
    assert plan.stage("deploy-staging").needs == ["smoke-dev"]
    assert plan.stage("test").automated is True
    assert plan.strategy.rollback_time.seconds == 120
    assert [str(s.traffic) for s in plan.strategy.steps] == ["1%", "10%", "50%", "100%"]
    assert plan.strategy.steps[2].hold.seconds == 3600
    assert plan.inputs.availability.slo.value == 99.95
    assert plan.rollback.steps[1].run == "kubectl argo rollouts undo checkout -n shop"
    release, kill = plan.feature_flags
    assert (release.default, kill.default) == ("off", "on")  # YAML booleans read as on/off
    assert release.cleanup == dt.date(2027, 1, 15)
    assert kill.permanent is True and kill.cleanup is None
    assert plan.migrations[1].depends_on == ["add-orders-status-v2"]
    assert plan.health_checks[2].when == "post-deploy"
    assert plan.line == 2 and plan.environments[1].line_of("approval") == 27


def test_search_sample_keeps_empty_sections_distinct_from_absent(shared_plans):
    plan = load_plan_file(shared_plans / "search-api.yaml")
    assert plan.feature_flags == [] and plan.migrations == []
    assert plan.waivers is None and plan.flag_policy is None
    assert plan.strategy.blue_green.keep_previous.seconds == 7200
    # needs default to the previous stage
    assert plan.stage("deploy-qa").needs == ["unit"]
    assert plan.stage("build").needs == []


@pytest.mark.parametrize(
    ("name", "subtype", "line", "fragment"),
    [
        ("typo-key.yaml", "schema", 6, "unknown key 'enviroments' in the plan (did you mean "
                                       "'environments'?)"),
        ("unknown-environment.yaml", "reference", 11, "environment 'prod', which the plan "
                                                      "does not define"),
        ("wrong-type.yaml", "schema", 8, "rollback.steps must be a list"),
    ],
)
def test_invalid_samples_give_one_located_problem(shared_plans, name, subtype, line, fragment):
    path = shared_plans / "invalid" / name
    with pytest.raises(PlanError) as info:
        load_plan_file(path)
    [problem] = info.value.problems
    assert (problem.subtype, problem.line, problem.source) == (subtype, line, str(path))
    assert fragment in problem.message


# --- YAML level ------------------------------------------------------------------------------


def test_yaml_syntax_error_is_located():
    subtype, line, message = one(HEAD + "environments:\n  - name: dev\n   purpose: x\n")
    assert (subtype, line) == ("yaml", 7)
    assert message.startswith("YAML syntax error")


@pytest.mark.parametrize(("text", "what"), [
    ("- a\n- b\n", "not a list"),
    ("just text\n", "not the text 'just text'"),
])
def test_root_must_be_a_mapping(text, what):
    subtype, line, message = one(text)
    assert (subtype, line) == ("yaml", 1)
    assert what in message


def test_empty_plan():
    assert one("# nothing\n")[0] == "yaml"


def test_several_documents():
    subtype, _, message = one(HEAD + "---\n" + HEAD)
    assert subtype == "yaml" and "several YAML documents" in message


def test_python_tags_construct_nothing():
    subtype, line, message = one(HEAD + "summary: !!python/object/apply:os.system [echo hi]\n")
    assert (subtype, line) == ("yaml", 5)
    assert "tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed" in message


def test_alias_bomb_is_not_expanded():
    """A billion-laughs document: the reader never descends into what the schema does
    not allow, so the aliases are not expanded and the problems stay few."""
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for level in "bcdefgh":
        prev = chr(ord(level) - 1)
        bomb += f"{level}: &{level} [" + ", ".join([f"*{prev}"] * 10) + "]\n"
    text = HEAD + "environments:\n  - name: dev\n    purpose: p\n    deploy: d\n" \
        "    approval: none\n    config:\n      " + bomb.replace("\n", "\n      ")
    found = problems(text)
    assert len(found) == 8
    assert found[-1] == ("schema", 18, "environments[1].config.h must be text, not a list")


def test_value_limit():
    stages = "".join(f"    - {{id: s{i}, kind: build, does: [a, b, c]}}\n" for i in range(40))
    subtype, _, message = one(HEAD + "pipeline:\n  stages:\n" + stages,
                              limits=Limits(max_values=100))
    assert subtype == "yaml" and "more than 100 values" in message


def test_size_limit():
    subtype, _, message = one(HEAD + "summary: " + "x" * 200 + "\n", limits=Limits(max_bytes=100))
    assert subtype == "yaml" and "more than the limit of 100" in message


def test_duplicate_key():
    subtype, line, message = one(HEAD + "title: Again\n")
    assert (subtype, line) == ("duplicate", 5)
    assert "'title' is given twice (first on line 2)" in message


def test_merge_keys_are_supported():
    plan = load_plan(HEAD + textwrap.dedent("""\
        environments:
          - &base {name: dev, purpose: p, deploy: d, approval: none, config: {a: b}}
          - <<: *base
            name: staging
        """))
    assert [e.name for e in plan.environments] == ["dev", "staging"]
    assert plan.environments[1].config == {"a": "b"}


# --- schema level -----------------------------------------------------------------------------


def test_missing_required_keys():
    found = problems("plan: demo\ntitle: Demo\n")
    assert [(s, ln) for s, ln, _ in found] == [("schema", 1), ("schema", 1)]
    assert "missing the required key 'service'" in found[0][2]


def test_unknown_nested_key_suggests():
    subtype, line, message = one(HEAD + "strategy:\n  method: canary\n  rollback_tme: 2m\n")
    assert (subtype, line) == ("schema", 7)
    assert "unknown key 'rollback_tme' in strategy (did you mean 'rollback_time'?)" in message


def test_unknown_key_without_a_close_match_lists_known_keys():
    _, _, message = one(HEAD + "rollback:\n  zzz: 1\n")
    assert "known keys: triggers, steps, verify, database, tested" in message


def test_bad_enum_lists_allowed_values():
    _, line, message = one(HEAD + "strategy: {method: canery}\n")
    assert line == 5
    assert message == ("strategy.method must be one of blue-green, rolling, canary, "
                       "feature-flag; got 'canery' (did you mean 'canary'?)")


@pytest.mark.parametrize(("value", "fragment"), [
    ("fast", "must be a duration such as 30s, 5m, 2h or 1d, got 'fast'"),
    ("-5m", "got '-5m'"),
    ("[1]", "not a list"),
])
def test_bad_durations(value, fragment):
    _, line, message = one(HEAD + f"strategy: {{method: canary, rollback_time: {value}}}\n")
    assert line == 5 and fragment in message


def test_durations_and_plain_seconds():
    plan = load_plan(HEAD + "strategy: {rollback_time: 90}\nflag_policy: {max_age: 1h30m}\n")
    assert plan.strategy.rollback_time.seconds == 90
    assert str(plan.strategy.rollback_time) == "90s"
    assert plan.flag_policy.max_age.seconds == 5400


@pytest.mark.parametrize("value", ["101%", "ten", "-1"])
def test_bad_percentages(value):
    _, _, message = one(HEAD + f"strategy: {{steps: [{{traffic: '{value}'}}]}}\n")
    assert "strategy.steps[1].traffic must be a percentage" in message


def test_impossible_date():
    subtype, line, message = one(HEAD + "feature_flags:\n  - name: f\n    cleanup: 2027-13-45\n")
    assert (subtype, line) == ("schema", 7)
    assert "feature_flags[1].cleanup must be a real date" in message and "2027-13-45" in message


def test_dates_as_strings():
    plan = load_plan(HEAD + "feature_flags:\n  - {name: f, cleanup: '2027-01-02'}\n")
    assert plan.feature_flags[0].cleanup == dt.date(2027, 1, 2)


def test_plan_id_must_be_a_slug():
    _, line, message = one(HEAD.replace("plan: demo", "plan: Demo Plan"))
    assert line == 1 and "plan must be a slug" in message


def test_wrong_type_for_a_mapping():
    _, line, message = one(HEAD + "pipeline: [build, test]\n")
    assert line == 5 and "pipeline must be a mapping of keys to values, not a list" in message


def test_free_text_keeps_what_the_author_wrote():
    plan = load_plan(HEAD + "environments:\n  - {name: dev, purpose: yes, deploy: 2, "
                     "approval: none, config: {debug: on, replicas: 3}}\n")
    env = plan.environments[0]
    assert env.purpose == "yes" and env.deploy == "2"
    assert env.config == {"debug": "on", "replicas": "3"}


def test_boolean_fields_accept_yaml_and_quoted_words():
    plan = load_plan(HEAD + "migrations:\n  - {name: m, type: expand, run: pre-deploy, "
                     "reversible: 'yes', up: x}\n  - {name: n, type: expand, run: pre-deploy, "
                     "reversible: no}\n")
    assert [m.reversible for m in plan.migrations] == [True, False]


def test_flag_default_variant_name():
    plan = load_plan(HEAD + "feature_flags:\n  - {name: f, default: blue}\n  - {name: g, "
                     "default: yes}\n")
    assert [f.default for f in plan.feature_flags] == ["blue", "on"]


# --- cross-references ---------------------------------------------------------------------------


ENVS = "environments:\n  - {name: dev, purpose: p, deploy: d, approval: none}\n"


def test_duplicate_environment_names():
    subtype, line, message = one(HEAD + ENVS + "  - {name: dev, purpose: q, deploy: d, "
                                 "approval: none}\n")
    assert (subtype, line) == ("duplicate", 7)
    assert "'dev' is defined twice (first on line 6)" in message


def test_unknown_stage_in_needs_suggests():
    subtype, line, message = one(HEAD + "pipeline:\n  stages:\n    - {id: build, kind: build}\n"
                                 "    - {id: test, kind: test, needs: [biuld]}\n")
    assert (subtype, line) == ("reference", 8)
    assert "needs stage 'biuld', which the pipeline does not define (did you mean 'build'?)" \
        in message


def test_pipeline_cycle():
    subtype, line, message = one(HEAD + "pipeline:\n  stages:\n"
                                 "    - {id: a, kind: build, needs: [c]}\n"
                                 "    - {id: b, kind: test}\n"
                                 "    - {id: c, kind: test, needs: [b]}\n")
    assert (subtype, line) == ("reference", 7)
    assert message == "pipeline stages form a cycle through needs: a -> c -> b -> a"


def test_migration_reference_and_cycle():
    found = problems(HEAD + "migrations:\n"
                     "  - {name: a, type: expand, run: pre-deploy, depends_on: [b]}\n"
                     "  - {name: b, type: expand, run: pre-deploy, depends_on: [a, zz]}\n")
    assert [(s, ln) for s, ln, _ in found] == [("reference", 7), ("reference", 6)]
    assert "depends on 'zz'" in found[0][2]
    assert "migrations form a cycle through depends_on: a -> b -> a" in found[1][2]


def test_deploy_stage_needs_an_environment():
    subtype, line, message = one(HEAD + ENVS + "pipeline:\n  stages:\n"
                                 "    - {id: ship, kind: deploy}\n")
    assert (subtype, line) == ("schema", 9)
    assert "deploy stage 'ship' must name the environment" in message


def test_health_check_needs_a_method():
    subtype, _, message = one(HEAD + "health_checks:\n  - {check: Ready, type: readiness}\n")
    assert subtype == "schema" and "needs an endpoint or a run command" in message


def test_every_problem_is_reported_at_once():
    found = problems(HEAD + "strategy: {method: nope, rollback_time: soon}\nbogus: 1\n")
    assert [s for s, _, _ in found] == ["schema", "schema", "schema"]


def test_core_imports_neither_sphinx_nor_docutils():
    code = ("import sys, sphinx_deployplan.loader, sphinx_deployplan.model, "
            "sphinx_deployplan.render.diagram; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('sphinx', 'docutils')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_tag_memo_answers_as_pyyaml_does():
    """The loader and exporters resolve plain scalars through a memo: it must give
    PyYAML's tag for every value, short or long, plain or quoted, first time or not."""
    from hypothesis import given, settings
    from hypothesis import strategies as st
    from yaml.nodes import ScalarNode
    from yaml.resolver import Resolver

    from sphinx_deployplan.yamlmemo import MEMO_LENGTH, MemoResolver

    class Memo(MemoResolver, Resolver):
        pass

    samples = ["true", "no", "~", "null", "", "12", "0x1f", "1_000", "3.5", ".inf", "-.NaN",
               "2026-11-27", "2026-11-27 10:00:00", "<<", "=", "prod", "x" * (MEMO_LENGTH + 1),
               "1" * (MEMO_LENGTH + 5)]

    @settings(max_examples=300, deadline=None)
    @given(st.one_of(st.sampled_from(samples), st.text(max_size=80)),
           st.tuples(st.booleans(), st.booleans()))
    def same(value, implicit):
        expected = Resolver().resolve(ScalarNode, value, implicit)
        assert Memo().resolve(ScalarNode, value, implicit) == expected
        assert Memo().resolve(ScalarNode, value, list(implicit)) == expected  # memo hit

    same()
