"""Qt's own texts in the app's language: the standard buttons ("Sluiten", "Annuleren"),
the file dialog ("Zoeken in", "Bestandsnaam", "Opslaan"), context menus of text fields.

Qt translates those through its own catalogues (``qtbase_nl.qm``), which PySide6 ships in
its translations folder and the frozen build keeps for Dutch and English
(``packaging/bundle.py``, ``QT_TRANSLATIONS``); without an installed translator they stay
English in a Dutch window. Doorloop's own texts go through gettext (:mod:`desktop.i18n`).
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

_installed: list[QTranslator] = []


def qt_translations_dir() -> str:
    """Where Qt's ``.qm`` catalogues are (PySide6's folder, also in the frozen build)."""
    return QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)


def install_qt_translations(language: str) -> bool:
    """Translate Qt's own texts into ``language`` (``nl`` or ``en``) from now on; replaces
    an earlier choice. Returns whether a catalogue was loaded (English needs none)."""
    app = QCoreApplication.instance()
    if app is None:
        raise RuntimeError("install_qt_translations needs a QApplication")
    for translator in _installed:
        QCoreApplication.removeTranslator(translator)
    _installed.clear()
    locale = QLocale(QLocale.Language.Dutch if language == "nl" else QLocale.Language.English)
    QLocale.setDefault(locale)
    if language == "en":
        return False
    translator = QTranslator(app)
    if not translator.load(locale, "qtbase", "_", qt_translations_dir()):
        return False
    QCoreApplication.installTranslator(translator)
    _installed.append(translator)
    return True
