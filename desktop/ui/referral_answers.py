"""The receiving party's answers to a referral, shared by the receiver's list page
(:class:`desktop.ui.referral_lists.ReceiverPage`) and a case view's referral panel
(:class:`desktop.ui.referral_panel.ReferralPanel`).

Acknowledge, first contact and complete go straight through the session
(``DeskSession.referrals``); accept and decline open their dialog
(:mod:`desktop.ui.referral_dialogs`, loaded on first use). A refused move is shown with
its Dutch reasons; a stored one with the referral's new status in words.

The widget says which referral the answers go to and what to do afterwards through four
hooks: :meth:`ReferralAnswers.answer_view`, :meth:`ReferralAnswers.answer_refused`,
:meth:`ReferralAnswers.answered` and :meth:`ReferralAnswers.answer_focus`.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from desktop.session.referrals import ReferralRefused, status_labels


class ReferralAnswers:
    """A mixin for a widget with ``session`` and ``dialog`` (the open dialog, for tests)."""

    session: Any
    dialog: Any

    # -- hooks -----------------------------------------------------------------------------

    def answer_view(self) -> Any:
        """The referral view the answers go to, or None."""
        raise NotImplementedError

    def answer_refused(self, text: str) -> None:
        """A move was refused: show ``text`` (the reasons) as an error and refresh."""
        raise NotImplementedError

    def answered(self, text: str) -> None:
        """A move was stored: show ``text`` (the new status), refresh and tell the window."""
        raise NotImplementedError

    def answer_focus(self) -> QWidget:
        """Where the focus goes back to when a dialog closes."""
        raise NotImplementedError

    # -- the answers -----------------------------------------------------------------------

    def _direct(self, move: str) -> None:
        view = self.answer_view()
        if view is None:
            return
        calls = {
            "receive": self.session.referrals.receive,
            "start": self.session.referrals.start,
            "complete": self.session.referrals.complete,
        }
        try:
            done = calls[move](view.referral.id)
        except ReferralRefused as refusal:
            self.answer_refused(" ".join(refusal.reasons))
            return
        self.answered(status_labels()[done.referral.status.value] + ".")

    def receive(self) -> None:
        self._direct("receive")

    def start(self) -> None:
        self._direct("start")

    def complete(self) -> None:
        self._direct("complete")

    def _open(self, dialog: Any) -> Any:
        self.dialog = dialog
        dialog.accepted.connect(
            lambda: self.answered(status_labels()[dialog.result_view.referral.status.value] + ".")
        )
        dialog.finished.connect(lambda _result: self.answer_focus().setFocus())
        dialog.open()
        return dialog

    def open_accept(self) -> Any:
        from desktop.ui.referral_dialogs import AcceptDialog

        view = self.answer_view()
        if view is None:
            return None
        return self._open(AcceptDialog(self.session, view.referral.id, self.answer_parent()))

    def open_decline(self) -> Any:
        from desktop.ui.referral_dialogs import DeclineDialog

        view = self.answer_view()
        if view is None:
            return None
        return self._open(DeclineDialog(self.session, view.referral.id, self.answer_parent()))

    def answer_parent(self) -> QWidget:
        """The dialogs' parent: the widget itself."""
        assert isinstance(self, QWidget)
        return self
