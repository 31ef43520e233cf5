"""The main window: the case list, opened cases as tabs, the status bar, auto-lock."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QProcess, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QResizeEvent, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMenu,
    QMessageBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop import timefmt
from desktop.i18n import _, language, ngettext, pick
from desktop.ui.access_dialogs import role_names
from desktop.ui.case_list_model import (
    CASE_ID_ROLE,
    CaseListModel,
    CaseListProxy,
    received_text,
)
from desktop.ui.case_view import make_case_view
from desktop.ui.lock import IdleWatcher, LockOverlay
from desktop.ui.screen_fit import fit_to_screen
from desktop.ui.sort_arrow import point_arrows_the_way_rows_run
from desktop.ui.store_events import events_for


class CaseTable(QTableView):
    """The case list; Enter opens the current case."""

    activated_case = Signal(str)

    def keyPressEvent(self, event: Any) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            index = self.currentIndex()
            if index.isValid():
                self.activated_case.emit(index.data(CASE_ID_ROLE))
                return
        super().keyPressEvent(event)


class CaseListPage(QWidget):
    open_case = Signal(str)

    def __init__(self, session: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = CaseListModel(session, self)
        self.proxy = CaseListProxy(self)
        self.proxy.setSourceModel(self.model)
        self.search = QLineEdit()
        self.search.setObjectName("case_search")
        self.search.setAccessibleName(_("Zoek casussen"))
        self.search.setPlaceholderText(_("Zoek op naam jeugdige, melder of gemeente (Ctrl+F)"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._search_soon)
        self.search.returnPressed.connect(self._open_first)
        self.search.installEventFilter(self)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(120)
        self._search_timer.timeout.connect(self._apply_search)
        self.show_closed = QCheckBox(_("Toon afgesloten casussen"))
        self.show_closed.setObjectName("show_closed")
        self.show_closed.setChecked(True)
        self.show_closed.toggled.connect(self.proxy.set_show_closed)
        self.table = CaseTable()
        self.table.setObjectName("case_list")
        self.table.setAccessibleName(_("Casussen"))
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self._sort_style = point_arrows_the_way_rows_run(self.table.horizontalHeader())
        # fixed starting widths: measuring every row's contents costs too much at 100,000 cases
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((130, 220, 70, 150, 130, 150, 150)):
            header.resizeSection(column, width)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.activated_case.connect(self.open_case)
        self.table.doubleClicked.connect(self._open_index)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.show_closed)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table)
        self._selected: str | None = None
        self.model.modelAboutToBeReset.connect(self._remember_selection)
        self.model.modelReset.connect(self._restore_selection)
        self._countdown = QTimer(self)
        self._countdown.setInterval(30_000)
        self._countdown.timeout.connect(self.model.refresh_countdowns)
        self._countdown.start()

    def _remember_selection(self) -> None:
        index = self.table.currentIndex()
        self._selected = index.data(CASE_ID_ROLE) if index.isValid() else None

    def _restore_selection(self) -> None:
        """Keep the selected case selected when the list reloads (a case arrived)."""
        if self._selected is None:
            return
        row = self.model.row_of(self._selected)
        if row is not None:
            index = self.proxy.mapFromSource(self.model.index(row, 0))
            if index.isValid():
                self.table.setCurrentIndex(index)
                self.table.selectRow(index.row())

    def _search_soon(self, _text: str) -> None:
        self._search_timer.start()

    def _apply_search(self) -> None:
        self.model.set_search(self.search.text().strip())

    def apply_search_now(self) -> None:
        self._search_timer.stop()
        self._apply_search()

    def _focus_table(self) -> None:
        self.apply_search_now()
        if self.proxy.rowCount() > 0:
            self.table.setFocus()
            self.table.selectRow(0)

    def _open_first(self) -> None:
        """Enter in the search field opens the first (newest) match at once; Down moves
        into the list to choose another."""
        self.apply_search_now()
        if self.proxy.rowCount() > 0:
            index = self.proxy.index(0, 0)
            self.table.setCurrentIndex(index)
            self.table.selectRow(0)
            self._open_index(index)

    def eventFilter(self, watched: Any, event: Any) -> bool:
        if (
            watched is self.search
            and event.type() == QEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Down
        ):
            self._focus_table()
            return True
        return super().eventFilter(watched, event)

    def _open_index(self, index: QModelIndex) -> None:
        if index.isValid():
            self.open_case.emit(index.data(CASE_ID_ROLE))

    def refresh(self) -> None:
        self.model.reload()


class MainWindow(QMainWindow):
    """Built by the app with a DeskSession; the UI observes and edits, it owns no data."""

    locked = Signal()
    unlocked = Signal()

    def __init__(self, session: Any, *, unlock: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self._unlock_store = unlock or session.store.unlock
        self.sync_bridge: Any = None  # desktop.ui.sync_bridge.SyncBridge, set by the app
        self.setObjectName("main_window")
        title = _("Doorloop")
        if session.training:
            title += " — " + _("OEFENOMGEVING")
        self.setWindowTitle(title)
        fit_to_screen(self, QSize(1200, 760))
        self.tabs = QTabWidget()
        self.tabs.setObjectName("tabs")
        self.tabs.setTabsClosable(True)
        self.tabs.tabCloseRequested.connect(self.close_tab)
        self.list_page = CaseListPage(session)
        self.list_page.open_case.connect(self.open_case)
        self.tabs.addTab(self.list_page, _("Casussen"))
        self.tabs.tabBar().setTabButton(0, self.tabs.tabBar().ButtonPosition.RightSide, None)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 6)
        if session.training:
            banner = QLabel(_("OEFENOMGEVING — oefengegevens, niets wordt verzonden"))
            banner.setObjectName("training_banner")
            banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
            banner.setStyleSheet(
                "background: #6A1B9A; color: white; font-weight: bold; padding: 6px;"
            )
            layout.addWidget(banner)
            self.setStyleSheet("QMainWindow { background: #F3E5F5; }")
        layout.addWidget(self.tabs)
        self.setCentralWidget(central)
        self._build_actions()
        self._build_status_bar()
        self.overlay = LockOverlay(self._unlock, self._after_unlock, self)
        self.idle = IdleWatcher(session.profile.idle_lock_minutes, self)
        self.idle.idle.connect(self._lock_when_idle)
        for menu in self.menuBar().findChildren(QMenu):
            self.idle.watch(menu)  # a menu's input may not pass through the window
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(5_000)
        self._status_timer.timeout.connect(self.refresh_status)
        self._status_timer.start()
        self.list_page.search.setFocus()

    # -- building --------------------------------------------------------------------------

    def _build_actions(self) -> None:
        menu = self.menuBar().addMenu(_("&Casus"))
        self.new_action = QAction(_("&Nieuwe casus"), self)
        self.new_action.setObjectName("action_new_case")
        self.new_action.setShortcut(QKeySequence.StandardKey.New)
        self.new_action.triggered.connect(self.new_case)
        menu.addAction(self.new_action)
        self.find_action = QAction(_("&Zoeken"), self)
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.triggered.connect(self.focus_search)
        menu.addAction(self.find_action)
        self.older_action = QAction(_("&Ouder of afgesloten dossier zoeken…"), self)
        self.older_action.setObjectName("action_break_glass_search")
        self.older_action.setShortcut(QKeySequence("Ctrl+Shift+F"))
        self.older_action.triggered.connect(self.search_outside_view)
        self.older_action.setVisible(not self.session.training)
        menu.addAction(self.older_action)
        self.access_log_action = QAction(_("&Wie heeft dit dossier ingezien…"), self)
        self.access_log_action.setObjectName("action_access_log")
        self.access_log_action.setShortcut(QKeySequence("Ctrl+Shift+I"))
        self.access_log_action.triggered.connect(self.show_access_log)
        menu.addAction(self.access_log_action)
        self.close_action = QAction(_("Tabblad &sluiten"), self)
        self.close_action.setShortcut(QKeySequence("Ctrl+W"))
        self.close_action.triggered.connect(lambda: self.close_tab(self.tabs.currentIndex()))
        menu.addAction(self.close_action)
        menu.addSeparator()
        self.lock_action = QAction(_("&Vergrendelen"), self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.triggered.connect(self.lock)
        menu.addAction(self.lock_action)
        quit_action = QAction(_("&Afsluiten"), self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        menu.addAction(quit_action)
        self.addActions(
            [
                self.new_action,
                self.find_action,
                self.older_action,
                self.access_log_action,
                self.close_action,
                self.lock_action,
            ]
        )
        QShortcut(QKeySequence("Ctrl+Tab"), self, self._next_tab)
        # as in a browser; before a focused field sees the keys (a choice would move on them)
        QShortcut(QKeySequence("Ctrl+PgDown"), self, self._next_tab)
        QShortcut(QKeySequence("Ctrl+PgUp"), self, self._previous_tab)
        training_menu = self.menuBar().addMenu(_("Oe&fenen"))
        if self.session.training:
            self.exercise_action = QAction(_("&Oefening starten…"), self)
            self.exercise_action.setObjectName("action_training_panel")
            self.exercise_action.setShortcut(QKeySequence("Ctrl+Shift+O"))
            self.exercise_action.triggered.connect(self.open_training)
            training_menu.addAction(self.exercise_action)
            self.addAction(self.exercise_action)
        else:
            self.sandbox_action = QAction(_("&Oefenomgeving openen (apart venster)"), self)
            self.sandbox_action.setObjectName("action_open_sandbox")
            self.sandbox_action.triggered.connect(self.open_sandbox)
            training_menu.addAction(self.sandbox_action)
        self._build_sync_actions()

    def _build_sync_actions(self) -> None:
        menu = self.menuBar().addMenu(_("S&ynchronisatie"))
        self.sync_login_action = QAction(_("&Aanmelden bij centrale server…"), self)
        self.sync_login_action.setObjectName("action_sync_login")
        self.sync_login_action.triggered.connect(lambda: self._sync_call("open_login_dialog"))
        self.sync_now_action = QAction(_("&Nu synchroniseren"), self)
        self.sync_now_action.setObjectName("action_sync_now")
        self.sync_now_action.setShortcut(QKeySequence("F5"))
        self.sync_now_action.triggered.connect(lambda: self._sync_call("request_sync"))
        self.sync_logout_action = QAction(_("A&fmelden"), self)
        self.sync_logout_action.setObjectName("action_sync_logout")
        self.sync_logout_action.triggered.connect(lambda: self._sync_call("logout"))
        self.reconcile_action = QAction(_("&Samenvoegen nodig…"), self)
        self.reconcile_action.setObjectName("action_reconcile")
        self.reconcile_action.triggered.connect(self.open_reconcile)
        if self.session.training:  # said in the menu itself, not silently ignored
            never = menu.addAction(_("Oefenomgeving: wordt nooit gesynchroniseerd"))
            never.setObjectName("action_training_never_syncs")
            never.setEnabled(False)
            menu.addSeparator()
        for action in (self.sync_login_action, self.sync_now_action, self.sync_logout_action):
            action.setEnabled(not self.session.training)
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.reconcile_action)
        self.addActions([self.sync_now_action, self.reconcile_action])

    def _build_status_bar(self) -> None:
        profile = self.session.profile
        self.user_label = QLabel(
            _("{name} — {role}").format(name=profile.display_name, role=role_names()[profile.role])
        )
        self.user_label.setObjectName("status_user")
        self.connection_label = QLabel()
        self.connection_label.setObjectName("status_connection")
        self.unsynced_label = QLabel()
        self.unsynced_label.setObjectName("status_unsynced")
        bar = self.statusBar()
        bar.addWidget(self.user_label)
        bar.addPermanentWidget(self.connection_label)
        bar.addPermanentWidget(self.unsynced_label)
        self.set_connection(_("offline — geen centrale server ingesteld"))
        self.refresh_status()

    # -- behaviour -------------------------------------------------------------------------

    def set_connection(self, text: str) -> None:
        self.connection_label.setText(text)

    def attach_sync(self, bridge: Any) -> None:
        """Wire the sync bridge (built by the app): menu actions, lock and unlock."""
        self.sync_bridge = bridge

    def _sync_call(self, name: str) -> None:
        if self.sync_bridge is None:
            if self.session.training:
                self.set_connection(_("oefenomgeving: synchronisatie uit"))
            return
        getattr(self.sync_bridge, name)()

    def open_reconcile(self) -> None:
        if self.sync_bridge is not None:
            self.sync_bridge.open_reconcile()
            return
        from desktop.ui.reconcile_view import ReconcileListDialog

        dialog = ReconcileListDialog(self.session, self)
        dialog.finished.connect(lambda _result: self.list_page.refresh())
        dialog.open()

    def _unlock(self, secret: str) -> Any:
        """Unlock the store; the passphrase goes on to the sync worker, not kept here."""
        value = self._unlock_store(secret)
        if self.sync_bridge is not None:
            self.sync_bridge.start(secret)
        return value

    def refresh_status(self) -> None:
        if self.session.store.locked:
            return
        if self.session.training:
            self.unsynced_label.setText(_("oefengegevens worden niet verzonden"))
            return
        count = self.session.unsynced_count()
        text = ngettext(
            "{n} casusversie nog niet verzonden", "{n} casusversies nog niet verzonden", count
        )
        self.unsynced_label.setText(text.format(n=count))

    def focus_search(self) -> None:
        self.tabs.setCurrentWidget(self.list_page)
        self.list_page.search.setFocus()
        self.list_page.search.selectAll()

    def new_case(self) -> None:
        case = self.session.new_case()
        self.list_page.refresh()
        self.refresh_status()
        self.open_case(case.id)

    def open_case(self, case_id: str) -> None:
        if self.session.training:
            from desktop.ui.training_window import open_exercise

            if open_exercise(self, case_id):
                return
        for index in range(1, self.tabs.count()):
            if getattr(self.tabs.widget(index), "case_id", None) == case_id:
                self.tabs.setCurrentIndex(index)
                return
        if not self.session.may_open(case_id):  # break-the-glass: only with a reason
            from desktop.ui.break_glass import BreakGlassDialog

            dialog = BreakGlassDialog(self.session, case_id, self)
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
        view = make_case_view(self.session, case_id, self)
        index = self.tabs.addTab(view, _("Casus {id}").format(id=case_id[:8]))
        self.tabs.setCurrentIndex(index)
        view.setFocus()

    def show_access_log(self) -> None:
        """Wie heeft dit dossier ingezien, for the case in the current tab."""
        case_id = getattr(self.tabs.currentWidget(), "case_id", None)
        if case_id is None:
            self.statusBar().showMessage(_("Open eerst een casus."), 5000)
            return
        from desktop.ui.access_log import AccessLogDialog

        AccessLogDialog(self.session, str(case_id), self).exec()

    def search_outside_view(self) -> None:
        """Search older and closed cases: only with a reason (break-the-glass)."""
        from desktop.ui.break_glass import BreakGlassDialog

        dialog = BreakGlassDialog(self.session, None, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.opened_case_id:
            self.list_page.refresh()
            self.open_case(dialog.opened_case_id)

    def offer_unfinished(self) -> None:
        """At start-up: offer the intakes that were not finished (after a crash too)."""
        unfinished = self.session.store.cases.unfinished()
        if self.session.training:
            from desktop.ui.training_window import offer_exercises

            unfinished = offer_exercises(self, unfinished)
        if not unfinished:
            return
        dialog = ResumeDialog(unfinished, self, committed=self._committed(unfinished))
        if dialog.exec() == QDialog.DialogCode.Accepted:
            for case_id in dialog.chosen():
                self.open_case(case_id)

    def _committed(self, unfinished: list[Any]) -> dict[str, str]:
        """Per unfinished intake, what is stored: the last commit's local time, the field
        it wrote and how many fields are answered."""
        told: dict[str, str] = {}
        for summary in unfinished:
            last = self.session.store.audit.last_edit(summary.id)
            try:
                case = self.session.get_case(summary.id)
                form = self.session.form_for(case)
            except Exception:  # an unreadable form version: say what we can
                case, form = None, None
            when = committed_time(last[0] if last else datetime.fromisoformat(summary.updated_at))
            fields = [
                pick(form.field(fid).label) if form is not None and form.has_field(fid) else fid
                for fid in (last[1] if last else [])
            ]
            answered = len(case.answers) if case is not None else 0
            text = _("laatst opgeslagen {when}").format(when=when)
            if fields:
                text += " — " + ", ".join(fields)
            text += " — " + ngettext("{n} veld ingevuld", "{n} velden ingevuld", answered).format(
                n=answered
            )
            told[summary.id] = text
        return told

    def open_training(self) -> None:
        from desktop.ui.training_window import open_training_panel

        open_training_panel(self)

    def open_sandbox(self) -> None:
        """Start the training environment as its own process with its own database."""
        QProcess.startDetached(sys.executable, sandbox_arguments(self.session.store.path))

    def case_views(self) -> list[QWidget]:
        return [
            view for i in range(1, self.tabs.count()) if (view := self.tabs.widget(i)) is not None
        ]

    def close_tab(self, index: int) -> None:
        if index <= 0:
            return
        view = self.tabs.widget(index)
        flush = getattr(view, "flush", None)
        if callable(flush):
            flush()
        self.tabs.removeTab(index)
        if view is not None:
            view.deleteLater()
        self.list_page.refresh()

    def _next_tab(self) -> None:
        self.tabs.setCurrentIndex((self.tabs.currentIndex() + 1) % self.tabs.count())

    def _previous_tab(self) -> None:
        self.tabs.setCurrentIndex((self.tabs.currentIndex() - 1) % self.tabs.count())

    def flush_all(self) -> None:
        for view in self.case_views():
            flush = getattr(view, "flush", None)
            if callable(flush):
                flush()

    def _lock_when_idle(self) -> None:
        self.lock(idle=True)

    def lock(self, checked: bool = False, *, idle: bool = False) -> None:
        """Save what is pending, close the database (forget the key), cover the window;
        ``idle``: locked by the idle timer (the cover says so), else by hand (Ctrl+L)."""
        del checked  # QAction.triggered's argument
        if self.session.store.locked:
            return
        self.flush_all()
        bridge = self.sync_bridge
        # audited by the session; what is committed still goes to the region meanwhile
        self.session.lock(bridge.keep_syncing_while_locked if bridge is not None else None)
        self.idle.stop()
        self._status_timer.stop()
        self.menuBar().setEnabled(False)
        self.overlay.cover(idle=idle)
        self.locked.emit()

    def _after_unlock(self, _value: Any) -> None:
        self.session.record_unlock()
        self.overlay.hide()
        self.menuBar().setEnabled(True)
        self.idle.restart()
        self._status_timer.start()
        self.refresh_status()
        events_for(self.session.store).release()  # what changed while locked
        current = self.tabs.currentWidget()
        if current is not None:
            current.setFocus()
        self.unlocked.emit()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.idle.watch(self.windowHandle())  # before it is activated

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if (
            event.type() == QEvent.Type.ActivationChange
            and not self.isActiveWindow()
            and not self.session.store.locked
        ):
            self.flush_all()  # typing may not come back: commit it before another window

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.overlay.isVisible():
            self.overlay.setGeometry(self.rect())

    def closeEvent(self, event: Any) -> None:
        if not self.session.store.locked:
            self.flush_all()
        if self.sync_bridge is not None:
            self.sync_bridge.stop()
        self.idle.detach()
        super().closeEvent(event)


class ResumeDialog(QDialog):
    """Lists unfinished intakes with what is stored of each; Enter opens the selected ones."""

    def __init__(
        self,
        unfinished: list[Any],
        parent: QWidget | None = None,
        *,
        committed: dict[str, str] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Onafgemaakte intakes"))
        text = QLabel(
            _(
                "Deze intakes zijn nog niet afgerond. Per intake staat hieronder wanneer er "
                "voor het laatst iets is opgeslagen (Nederlandse tijd) en in welk veld. "
                "Wat daarna nog werd getypt, is niet bewaard: controleer dat veld. Verder gaan?"
            )
        )
        text.setObjectName("unfinished_text")
        text.setWordWrap(True)
        self.list = QListWidget()
        self.list.setObjectName("unfinished_list")
        self.list.setAccessibleName(_("Onafgemaakte intakes"))
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        for summary in unfinished:
            line = f"{received_text(summary) or '—'}  {summary.youth_name or _('onbekend')}"
            told = (committed or {}).get(summary.id)
            if told:
                line += f" — {told}"
            item = QListWidgetItem(line)
            item.setData(Qt.ItemDataRole.UserRole, summary.id)
            self.list.addItem(item)
        self.list.setCurrentRow(0)
        self.list.itemActivated.connect(lambda _item: self.accept())
        buttons = QDialogButtonBox()
        buttons.addButton(_("Openen"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(_("Later"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.list)
        layout.addWidget(buttons)
        self.resize(720, 320)

    def chosen(self) -> list[str]:
        return [item.data(Qt.ItemDataRole.UserRole) for item in self.list.selectedItems()]

    def lines(self) -> list[str]:
        return [self.list.item(row).text() for row in range(self.list.count())]


def committed_time(moment: datetime, now: datetime | None = None) -> str:
    """'om 14:09:31' today, else 'op 02-12-2026 om 14:09:31' — in the desk's local time."""
    moment_now = now or datetime.now(UTC)
    clock = timefmt.format_moment(moment, style="seconds")
    if timefmt.to_local(moment).date() == timefmt.to_local(moment_now).date():
        return _("om {clock}").format(clock=clock)
    day = timefmt.format_moment(moment, style="date")
    return _("op {day} om {clock}").format(day=day, clock=clock)


def sandbox_arguments(database: Path) -> list[str]:
    """Command-line arguments that open the training sandbox next to this data dir."""
    arguments = ["-m", "desktop", "--training", "--data-dir", str(database.parent)]
    return [*arguments, "--lang", language()]


def show_error(parent: QWidget | None, message: str) -> None:
    QMessageBox.critical(parent, _("Doorloop"), message)
