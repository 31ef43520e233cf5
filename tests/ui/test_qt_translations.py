"""Qt's own texts follow the app's language: a Dutch window has no English buttons."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog
from pytestqt.qtbot import QtBot

from desktop.ui.qt_translations import install_qt_translations, qt_translations_dir


@pytest.fixture
def restore_qt_language() -> Iterator[None]:
    before = QLocale()
    yield
    install_qt_translations("en")  # removes the Dutch catalogue again
    QLocale.setDefault(before)


def close_text(qtbot: QtBot) -> str:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    qtbot.addWidget(box)
    return box.button(QDialogButtonBox.StandardButton.Close).text()


def test_dutch_close_button_reads_sluiten(qtbot: QtBot, restore_qt_language: None) -> None:
    assert install_qt_translations("nl")
    assert close_text(qtbot) == "Sluiten"
    install_qt_translations("en")
    assert close_text(qtbot) == "Close"


def test_the_file_dialog_is_dutch(qtbot: QtBot, restore_qt_language: None) -> None:
    install_qt_translations("nl")
    dialog = QFileDialog(None, "Opslaan als PDF")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    qtbot.addWidget(dialog)
    buttons = dialog.findChild(QDialogButtonBox)
    assert buttons is not None
    words = {button.text().replace("&", "") for button in buttons.buttons()}
    assert {"Opslaan", "Annuleren"} <= words, words


def test_the_catalogue_the_build_keeps_is_where_qt_looks() -> None:
    from pathlib import Path

    folder = Path(qt_translations_dir())
    assert (folder / "qtbase_nl.qm").is_file()
