"""First-run profile and unlock dialogs: clear Dutch messages, retries, no tracebacks."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desktop.store import WrongPassphrase, open_store
from desktop.ui.access_dialogs import ProfileDialog, UnlockDialog


def test_profile_dialog_checks_name_length_and_repeat(qtbot: QtBot, tmp_path: Path) -> None:
    created: list[tuple[str, str, str]] = []
    dialog = ProfileDialog(lambda *args: created.append(args) or args)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)
    assert dialog.name_error.text() == "Vul uw naam in."
    qtbot.keyClicks(dialog.name, "Bram Visser")
    dialog.role.setCurrentIndex(dialog.role.findData("triagist"))
    qtbot.keyClicks(dialog.passphrase, "kort")
    qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)
    assert dialog.passphrase_error.text() == "De wachtwoordzin moet minstens 10 tekens lang zijn."
    dialog.passphrase.clear()
    qtbot.keyClicks(dialog.passphrase, "lange wachtwoordzin")
    qtbot.keyClicks(dialog.repeat, "andere wachtwoordzin")
    qtbot.keyClick(dialog.repeat, Qt.Key.Key_Return)
    assert dialog.passphrase_error.text() == "De twee wachtwoordzinnen zijn niet gelijk."
    assert created == []
    dialog.repeat.clear()
    qtbot.keyClicks(dialog.repeat, "lange wachtwoordzin")
    qtbot.keyClick(dialog.repeat, Qt.Key.Key_Return)
    assert created == [("Bram Visser", "triagist", "lange wachtwoordzin")]
    assert dialog.result() == dialog.DialogCode.Accepted


def test_unlock_dialog_retries_after_a_wrong_passphrase(qtbot: QtBot, tmp_path: Path) -> None:
    store = open_store(tmp_path, "juiste wachtwoordzin")
    store.close()

    def unlock(secret: str):  # type: ignore[no-untyped-def]
        return open_store(tmp_path, secret)

    dialog = UnlockDialog(unlock)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.panel.passphrase, "fout")
    qtbot.keyClick(dialog.panel.passphrase, Qt.Key.Key_Return)
    assert dialog.panel.error.isVisible()
    assert dialog.panel.error.text() == "Onjuiste wachtwoordzin. Probeer het opnieuw."
    assert dialog.result_value is None
    dialog.panel.passphrase.clear()
    qtbot.keyClicks(dialog.panel.passphrase, "juiste wachtwoordzin")
    qtbot.keyClick(dialog.panel.passphrase, Qt.Key.Key_Return)
    assert dialog.result_value is not None
    dialog.result_value.close()


def test_wrong_passphrase_is_the_named_error(tmp_path: Path) -> None:
    open_store(tmp_path, "juiste wachtwoordzin").close()
    try:
        open_store(tmp_path, "fout")
    except WrongPassphrase:
        pass
    else:  # pragma: no cover - the assertion is the point
        raise AssertionError("a wrong passphrase must raise WrongPassphrase")


def test_a_passphrase_message_does_not_come_back_once_the_passphrase_is_fixed(
    qtbot: QtBot,
) -> None:
    dialog = ProfileDialog(lambda *args: args)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.name, "Bram Visser")
    qtbot.keyClicks(dialog.passphrase, "kort")
    qtbot.keyClick(dialog.passphrase, Qt.Key.Key_Return)
    assert dialog.passphrase_error.isVisible()
    dialog.passphrase.clear()
    qtbot.keyClicks(dialog.passphrase, "lange wachtwoordzin")
    qtbot.keyClicks(dialog.repeat, "lange wachtwoordzin")
    dialog.name.clear()  # now only the name is wrong
    qtbot.keyClick(dialog.repeat, Qt.Key.Key_Return)
    assert dialog.name_error.text() == "Vul uw naam in."
    assert not dialog.passphrase_error.isVisible()
