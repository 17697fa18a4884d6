"""A wrong ``deployplan_*`` value in conf.py stops the build before any page is read,
with an error that names the file, the option, the value and what it may be."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sphinx.errors import ConfigError

from sphinx_deployplan.sphinx.config import PREFIX, options

BASE = 'extensions = ["myst_parser", "sphinx_deployplan"]\nexclude_patterns = ["_build"]\n'
PAGE = "# Runbook\n\nNothing planned yet.\n"

#: (conf.py line, what the error says after "conf.py: ")
WRONG = {
    "sql_dialect": ('"postgress"', "deployplan_sql_dialect = 'postgress': must be one of the "
                    "SQL dialects postgres, mysql, sqlite, tsql, oracle, snowflake, bigquery "
                    "(did you mean 'postgres'?)"),
    "fail_on_unmet": ('"no"', "deployplan_fail_on_unmet = 'no': must be True or False"),
    "needs": ("0", "deployplan_needs = 0: must be True or False"),
    "today": ('"27/11/2026"', "deployplan_today = '27/11/2026': must be a date as "
              "YYYY-MM-DD (or None for the build date)"),
    "strict_rules": ('["stale-flags"]', "deployplan_strict_rules = ['stale-flags']: names "
                     "'stale-flags', which is not one of the rules"),
    "rollback_budget_share": ("25", "deployplan_rollback_budget_share = 25: must be a number "
                              "above 0 and at most 1 (0.25 is 25%)"),
    "exports": ('"github"', "deployplan_exports = 'github': must be a list of export formats"),
    "fast_exit": ('"yes"', "deployplan_fast_exit = 'yes': must be True or False"),
    "fail_on_drift": ("None", "deployplan_fail_on_drift = None: must be True or False"),
    "sources_root": ('"no-such-folder"', "deployplan_sources_root = 'no-such-folder': names "),
    "max_bytes": ("0", "deployplan_max_bytes = 0: must be a whole number of at least 1"),
    "max_values": ("True", "deployplan_max_values = True: must be a whole number of at "
                   "least 1"),
    "portal_max_bytes": ("-5", "deployplan_portal_max_bytes = -5: must be a whole number of "
                         "at least 1"),
}


def test_every_option_has_a_wrong_value_here():
    """A new option gets its case above, so none goes unvalidated."""
    assert sorted(WRONG) == sorted(f.name for f in options())


@pytest.mark.parametrize("name", sorted(WRONG))
def test_a_wrong_value_is_a_config_error_naming_option_and_value(site, name):
    line, says = WRONG[name]
    conf = site.write("conf.py", f"{BASE}{PREFIX}{name} = {line}\n")
    site.write("index.md", PAGE)
    with pytest.raises(ConfigError) as raised:
        site.build("html")
    assert str(raised.value).startswith(f"{conf}: {says}"), str(raised.value)


def test_sphinx_build_stops_with_the_error_before_reading_a_page(tmp_path):
    """Sphinx 9 prints its "Configuration error!" report, with a frame, for every
    configuration error (its own too); the line the user needs is ours.  ``-N``:
    FORCE_COLOR in CI's environment would colour the report's heading."""
    conf = tmp_path / "conf.py"
    conf.write_text(f'{BASE}deployplan_sql_dialect = "postgress"\n')
    (tmp_path / "index.md").write_text(PAGE)
    result = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", "-N",
                             str(tmp_path), str(tmp_path / "_build")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 2
    assert result.stderr.startswith("\nConfiguration error!")
    assert (f"sphinx.errors.ConfigError: {conf}: deployplan_sql_dialect = 'postgress': must "
            f"be one of the SQL dialects ") in result.stderr
    assert "(did you mean 'postgres'?)" in result.stderr
    assert not (tmp_path / "_build" / "index.html").exists()
