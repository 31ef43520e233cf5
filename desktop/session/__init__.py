"""The desk's application layer: the one seam every UI action goes through. Qt-free.

:class:`~desktop.session.desk.DeskSession` is one signed-in person working with cases
on this device: it reads and writes cases only through the store, applies the workflow
and editability rules (refusals are :class:`~desktop.forms.workflow.TransitionError`
with Dutch reasons), audits what the person does (lock and unlock included), and
offers the sync status and logout the UI shows. What belongs to it:

- :mod:`desktop.session.printing`: reports on screen and paper (prepare, PDF, audit);
- :mod:`desktop.session.reconcile`: a person resolving competing versions of a case;
- :mod:`desktop.session.legal`: the bridge from a case's answers to ``legal_rules``;
- :mod:`desktop.session.sync_status`: the sync status and logout shared by the sync
  engine and the UI's bridge.

The widgets in :mod:`desktop.ui` call these; they never write to the store themselves.
"""

from __future__ import annotations

from desktop.session.desk import DeskSession, HistoryEntry, now_local

__all__ = ["DeskSession", "HistoryEntry", "now_local"]
