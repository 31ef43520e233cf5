"""Training mode: scenarios and scoring for triage exercises (no Qt here).

Public API:

- :mod:`desktop.training.scenario`: :class:`Scenario` (a scripted call as data),
  :func:`parse_scenario` / :func:`load_scenario_file` / :func:`bundled_scenarios`
  (strict loading, Dutch problems in :class:`ScenarioError`), :func:`check_scenario`.
- :mod:`desktop.training.scoring`: :func:`score_attempt` → :class:`Score`.
- :mod:`desktop.training.debrief`: :func:`debrief_sections`, :func:`render_debrief`
  (the debrief PDF as bytes).
- :mod:`desktop.training.packs`: scenario packs (zip or multi-scenario YAML) in and out,
  and the trainer's own scenario library.
- :mod:`desktop.training.results`: attempts stored in the training database only,
  grouped per group session and trainee.

The sandbox itself (own database, never synced) is the store's and the sync engine's
job: ``open_store(..., training=True)``.
"""

from desktop.training.scenario import (
    KeyQuestion,
    Scenario,
    ScenarioError,
    ScriptLine,
    bundled_scenarios,
    check_scenario,
    load_scenario_file,
    parse_scenario,
)
from desktop.training.scoring import Score, score_attempt

__all__ = [
    "KeyQuestion",
    "Scenario",
    "ScenarioError",
    "Score",
    "ScriptLine",
    "bundled_scenarios",
    "check_scenario",
    "load_scenario_file",
    "parse_scenario",
    "score_attempt",
]
