"""The main window: the case list, opened cases as tabs, the status bar, auto-lock."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QModelIndex, QProcess, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QResizeEvent, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
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
    QPushButton,
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
from desktop.ui.first_paint import after_first_paint
from desktop.ui.lock import IdleWatcher, LockOverlay
from desktop.ui.referral_alerts import ReferralAlerts
from desktop.ui.screen_fit import fit_to_screen
from desktop.ui.sort_arrow import point_arrows_the_way_rows_run
from desktop.ui.store_events import events_for

if TYPE_CHECKING:
    from desktop.ui.referral_lists import OverduePage, PlacementPage, ReceiverPage

RECEIVER_ROLE = "receiver"  # coordination.referrals.RECEIVER_ROLE (not loaded at start)


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
        self.wiped = False  # the store was erased on the administrator's order
        self.dashboard_options: dict[str, Any] = {}  # DashboardPanel keywords (tests)
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
        self.alerts = ReferralAlerts(session, self)
        # the referral model loads with the first check, after the first paint
        self.painted = False
        after_first_paint(self, self._first_painted)
        self.alert_banner = QPushButton()
        self.alert_banner.setObjectName("referral_alert_banner")
        self.alert_banner.setStyleSheet(
            "background: #B71C1C; color: white; font-weight: bold; padding: 6px; border: 0;"
        )
        self.alert_banner.clicked.connect(self.open_overdue)
        self.alert_banner.hide()
        layout.addWidget(self.alert_banner)
        layout.addWidget(self.tabs)
        self.setCentralWidget(central)
        self.overdue_page: OverduePage | None = None
        self.placement_page: PlacementPage | None = None
        self.receiver_page: ReceiverPage | None = None
        self._build_actions()
        self._build_status_bar()
        self._show_user_actions()
        # the real store lists its users (key slots): any of them may unlock; a window
        # given its own unlock callable (tests) unlocks with the passphrase alone
        self.alerts.changed.connect(self._show_alerts)
        self.overlay = LockOverlay(
            self._unlock,
            self._after_unlock,
            self,
            users=session.store.unlockable_users if unlock is None else None,
        )
        self.idle = IdleWatcher(session.profile.idle_lock_minutes, self)
        self.idle.idle.connect(self._lock_when_idle)
        for menu in self.menuBar().findChildren(QMenu):
            self.idle.watch(menu)  # a menu's input may not pass through the window
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(5_000)
        self._status_timer.timeout.connect(self.refresh_status)
        self._status_timer.start()
        self.list_page.search.setFocus()
        if session.role == RECEIVER_ROLE:  # a receiver has no cases: its referrals first
            self.open_receiver()

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
        self.switch_user_action = QAction(_("&Wissel gebruiker…"), self)
        self.switch_user_action.setObjectName("action_switch_user")
        self.switch_user_action.setShortcut(QKeySequence("Ctrl+Shift+L"))
        self.switch_user_action.setStatusTip(
            _("Vergrendel en laat een andere gebruiker ontgrendelen; open casussen blijven open.")
        )
        self.switch_user_action.triggered.connect(self.switch_user)
        menu.addAction(self.switch_user_action)
        self.add_user_action = QAction(_("&Gebruiker toevoegen…"), self)
        self.add_user_action.setObjectName("action_add_user")
        self.add_user_action.triggered.connect(self.open_add_user)
        menu.addAction(self.add_user_action)
        self.remove_user_action = QAction(_("Gebruiker ve&rwijderen…"), self)
        self.remove_user_action.setObjectName("action_remove_user")
        self.remove_user_action.triggered.connect(self.open_remove_user)
        menu.addAction(self.remove_user_action)
        self.passphrase_action = QAction(_("Wachtwoordzin w&ijzigen…"), self)
        self.passphrase_action.setObjectName("action_change_passphrase")
        self.passphrase_action.triggered.connect(self.open_change_passphrase)
        menu.addAction(self.passphrase_action)
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
                self.switch_user_action,
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
        self._build_dashboard_action()
        self._build_referral_actions()

    def _build_dashboard_action(self) -> None:
        """Stuurinformatie, for coordinators (not in the training environment); the
        dashboard's modules load only when it opens."""
        self.dashboard_action: QAction | None = None
        if self.session.role != "coordinator" or self.session.training:
            return
        menu = self.menuBar().addMenu(_("Stuur&informatie"))
        self.dashboard_action = QAction(_("&Dashboard"), self)
        self.dashboard_action.setObjectName("action_dashboard")
        self.dashboard_action.setShortcut(QKeySequence("Ctrl+Shift+D"))
        self.dashboard_action.triggered.connect(self.open_dashboard)
        menu.addAction(self.dashboard_action)
        self.addAction(self.dashboard_action)

    def open_dashboard(self) -> Any:
        """The dashboard tab (made once, then brought to the front)."""
        from desktop.ui.dashboard import DashboardPanel

        for i in range(self.tabs.count()):
            panel = self.tabs.widget(i)
            if isinstance(panel, DashboardPanel):
                self.tabs.setCurrentIndex(i)
                return panel
        panel = DashboardPanel(self.session, **self.dashboard_options)
        index = self.tabs.addTab(panel, _("Stuurinformatie"))
        self.tabs.setCurrentIndex(index)
        panel.start_edit.setFocus()
        return panel

    def _build_referral_actions(self) -> None:
        menu = self.menuBar().addMenu(_("Verwi&jzingen"))
        self.overdue_action = QAction(_("&Verlopen afspraken"), self)
        self.overdue_action.setObjectName("action_overdue")
        self.overdue_action.setShortcut(QKeySequence("Ctrl+Shift+A"))
        self.overdue_action.triggered.connect(self.open_overdue)
        self.placement_action = QAction(_("&Plaatsing nodig"), self)
        self.placement_action.setObjectName("action_placement")
        self.placement_action.setShortcut(QKeySequence("Ctrl+Shift+N"))
        self.placement_action.triggered.connect(self.open_placement)
        self.receiver_action = QAction(_("&Mijn verwijzingen"), self)
        self.receiver_action.setObjectName("action_receiver")
        self.receiver_action.setShortcut(QKeySequence("Ctrl+Shift+M"))
        self.receiver_action.triggered.connect(self.open_receiver)
        self.receiver_action.setVisible(self.session.role == RECEIVER_ROLE)
        for action in (self.overdue_action, self.placement_action, self.receiver_action):
            menu.addAction(action)
        self.addActions([self.overdue_action, self.placement_action, self.receiver_action])

    def _page_tab(self, page: QWidget, title: str) -> None:
        index = self.tabs.indexOf(page)
        if index < 0:
            index = self.tabs.addTab(page, title)
        self.tabs.setCurrentIndex(index)

    def _wire_page(self, page: Any) -> None:
        page.open_case.connect(self.open_case)
        page.moved.connect(self._referrals_moved)

    def open_overdue(self) -> OverduePage:
        """*Verlopen afspraken* (Ctrl+Shift+A) as a tab; the table gets the focus."""
        from desktop.ui.referral_lists import OverduePage

        if self.overdue_page is None:
            self.overdue_page = OverduePage(self.session, self.alerts)
            self._wire_page(self.overdue_page)
        self._page_tab(self.overdue_page, _("Verlopen afspraken"))
        self.overdue_page.refresh()
        self.overdue_page.table.setFocus()
        return self.overdue_page

    def open_placement(self) -> PlacementPage:
        """*Plaatsing nodig* (Ctrl+Shift+N) as a tab."""
        from desktop.ui.referral_lists import PlacementPage

        if self.placement_page is None:
            self.placement_page = PlacementPage(self.session)
            self._wire_page(self.placement_page)
        self._page_tab(self.placement_page, _("Plaatsing nodig"))
        self.placement_page.refresh()
        self.placement_page.table.setFocus()
        return self.placement_page

    def open_receiver(self) -> ReceiverPage:
        """A receiver's referrals for its organisation (Ctrl+Shift+M) as a tab."""
        from desktop.ui.referral_lists import ReceiverPage

        if self.receiver_page is None:
            self.receiver_page = ReceiverPage(self.session)
            self._wire_page(self.receiver_page)
        self._page_tab(self.receiver_page, _("Mijn verwijzingen"))
        self.receiver_page.refresh()
        self.receiver_page.table.setFocus()
        return self.receiver_page

    def _referrals_moved(self) -> None:
        self.list_page.refresh()
        self.alerts.check()
        for view in self.case_views():
            panel = getattr(view, "referral_panel", None)
            if panel is not None:
                panel.refresh()

    def _show_alerts(self, total: int, unacknowledged: int) -> None:
        """The breach alert: a banner while a breach is not acknowledged, a badge in the
        status bar while any is listed."""
        text = self.alerts.text()
        self.alert_badge.setText(text)
        self.alert_badge.setAccessibleName(text)
        self.alert_badge.setVisible(total > 0)
        banner = _("LET OP: {text} — bekijk Verlopen afspraken (Ctrl+Shift+A)").format(text=text)
        self.alert_banner.setText(banner)
        self.alert_banner.setAccessibleName(banner)
        self.alert_banner.setVisible(unacknowledged > 0)
        for page in (self.overdue_page, self.placement_page, self.receiver_page):
            if page is not None and page.isVisible():
                page.refresh()

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
        self.user_label = QLabel()
        self.user_label.setObjectName("status_user")
        self._show_user()
        self.connection_label = QLabel()
        self.connection_label.setObjectName("status_connection")
        self.unsynced_label = QLabel()
        self.unsynced_label.setObjectName("status_unsynced")
        bar = self.statusBar()
        bar.addWidget(self.user_label)
        bar.addPermanentWidget(self.connection_label)
        bar.addPermanentWidget(self.unsynced_label)
        self.alert_badge = QLabel()
        self.alert_badge.setObjectName("status_referral_alerts")
        self.alert_badge.setStyleSheet(
            "background: #B71C1C; color: white; font-weight: bold; padding: 1px 6px;"
        )
        self.alert_badge.hide()
        bar.addPermanentWidget(self.alert_badge)
        self.set_connection(_("offline — geen centrale server ingesteld"))
        self.refresh_status()

    # -- behaviour -------------------------------------------------------------------------

    def _show_user(self) -> None:
        profile = self.session.profile
        text = _("{name} — {role}").format(
            name=profile.display_name, role=role_names()[profile.role]
        )
        self.user_label.setText(text)
        self.user_label.setAccessibleName(_("Aangemeld: {user}").format(user=text))

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

    def _unlock(self, secret: str, user: str | None = None) -> Any:
        """Unlock the store as ``user`` (any user of the device, with their own
        passphrase); the passphrase goes on to the sync worker, not kept here."""
        value = self._unlock_store(secret) if user is None else self._unlock_store(secret, user)
        if self.sync_bridge is not None:
            self.sync_bridge.start(secret, self.session.store.current_user)
        return value

    def refresh_status(self) -> None:
        if self.sync_bridge is not None and self.sync_bridge.wipe_seen and not self.wiped:
            self.show_wiped()  # the store was just erased: read nothing more
        if self.session.store.locked:
            return
        if self.painted:  # the first check (and its sound) once the window is on screen
            self.alerts.check()
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
        pages = (self.overdue_page, self.placement_page, self.receiver_page)
        if view is not None and view not in pages:  # the list pages are kept for reopening
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

    def lock(self, checked: bool = False, *, idle: bool = False, switching: bool = False) -> None:
        """Save what is pending, close the database (forget the key), cover the window;
        ``idle``: locked by the idle timer (the cover says so), else by hand (Ctrl+L);
        ``switching``: *Wissel gebruiker*, the next person picks their own name."""
        del checked  # QAction.triggered's argument
        if self.session.store.locked:
            return
        self.flush_all()
        bridge = self.sync_bridge
        current = self.session.profile.local_id or None
        # audited by the session; what is committed still goes to the region meanwhile
        # (with the token of who made it: the worker of the user who locks drains it)
        self.session.lock(
            bridge.keep_syncing_while_locked if bridge is not None else None,
            switching=switching,
        )
        self.idle.stop()
        self._status_timer.stop()
        self.menuBar().setEnabled(False)
        # what is under the cover takes no keys (its Alt mnemonics would clash with the
        # lock screen's); nothing is closed
        self._set_covered(True)
        self.overlay.cover(idle=idle, switching=switching, current=current)
        self.locked.emit()

    def show_wiped(self, released: Callable[[], None] | None = None) -> None:
        """The sync engine erased the store (remote wipe, issue 21): stop the timers and
        the sync worker, close every case tab, page and dialog without saving anything,
        forget every row shown, and say so on the whole window with one button that
        quits. Nothing is written any more: the store's connection closes unaudited."""
        if self.wiped:
            return
        self.wiped = True
        self.idle.stop()
        for timer in self.findChildren(QTimer):  # autosave, clocks, countdowns, status
            timer.stop()
        for widget in self.findChildren(QWidget):  # typed text is dropped, never saved
            discard = getattr(widget, "discard_unsaved", None)
            if callable(discard):
                discard()
        if not self.session.store.locked:
            self.session.store.lock()  # the key leaves this process; no audit, no flush
        if released is not None:
            released()  # nothing here reads the store any more: the engine may erase it
        if self.sync_bridge is not None:
            self.sync_bridge.stop()  # after `released`: the worker waits for it
        for action in self.findChildren(QAction):
            action.setEnabled(False)
        for shortcut in self.findChildren(QShortcut):
            shortcut.setEnabled(False)
        self.menuBar().clear()
        self.menuBar().hide()
        for dialog in self.findChildren(QDialog):  # their endings would read the store
            dialog.blockSignals(True)
            QDialog.done(dialog, QDialog.DialogCode.Rejected)
            dialog.deleteLater()
        for index in reversed(range(self.tabs.count())):
            view = self.tabs.widget(index)
            self.tabs.removeTab(index)
            if view is not None:
                view.hide()
                view.deleteLater()
        self.overdue_page = self.placement_page = self.receiver_page = None
        self.list_page.model.clear()
        self.list_page.search.clear()
        self.alerts.total = self.alerts.unacknowledged = 0
        self.alert_banner.hide()
        for label in (self.user_label, self.connection_label, self.unsynced_label):
            label.clear()
        self.alert_badge.hide()
        self.statusBar().hide()
        self.overlay.hide()
        from desktop.sync.wipe import wiped_text
        from desktop.ui.wiped_page import WipedPage

        page = WipedPage(wiped_text(), self._quit_after_wipe)
        self.setCentralWidget(page)  # the tabs, the notices and the banner go with the old
        page.quit_button.setFocus()

    def _quit_after_wipe(self) -> None:
        self.close()
        QApplication.quit()

    def _show_user_actions(self) -> None:
        """*Gebruiker toevoegen* only for who may: the first user, a coordinator."""
        self.add_user_action.setVisible(self.session.may_manage_users)
        self.remove_user_action.setVisible(self.session.may_manage_users)
        # training keeps its own users; a passphrase is changed where it was made
        self.passphrase_action.setVisible(bool(self.session.profile.local_id))

    def open_add_user(self, checked: bool = False) -> QDialog | None:
        """Add a user of this device with their own passphrase (audited as theirs who
        adds: the store checks the right again)."""
        del checked
        if not self.session.may_manage_users:
            return None
        from desktop.ui.access_dialogs import ProfileDialog

        dialog = ProfileDialog(self.session.add_user, self, adding=True)
        dialog.setObjectName("add_user_dialog")
        dialog.open()
        return dialog

    def open_remove_user(self, checked: bool = False) -> QDialog | None:
        del checked
        if not self.session.may_manage_users:
            return None
        from desktop.ui.user_dialogs import RemoveUserDialog

        dialog = RemoveUserDialog(self.session, self)
        dialog.open()
        return dialog

    def open_change_passphrase(self, checked: bool = False) -> QDialog:
        del checked
        from desktop.ui.user_dialogs import PassphraseDialog

        dialog = PassphraseDialog(self.session, self)
        dialog.open()
        return dialog

    def _set_covered(self, covered: bool) -> None:
        central = self.centralWidget()
        if central is not None:
            central.setEnabled(not covered)

    def switch_user(self, checked: bool = False) -> None:
        """*Wissel gebruiker*: lock, and let another user of this device unlock with their
        own passphrase. Open cases and intakes stay open (everything typed is committed
        first); they then act as the new user, with that user's role."""
        del checked
        self.lock(switching=True)

    def _after_unlock(self, _value: Any) -> None:
        before = self.session.profile.local_id
        self.session.record_unlock()
        if self.session.profile.local_id != before:
            self._user_switched()
        self.overlay.hide()
        self._set_covered(False)
        self.menuBar().setEnabled(True)
        self.idle.restart()
        self._status_timer.start()
        self.refresh_status()
        events_for(self.session.store).release()  # what changed while locked
        current = self.tabs.currentWidget()
        if current is not None:
            current.setFocus()
        self.unlocked.emit()

    def _user_switched(self) -> None:
        """Another user unlocked: their name and role in the status bar, their idle time,
        and the open cases editable as their role allows."""
        profile = self.session.profile
        self._show_user()
        self._show_user_actions()
        self.idle.set_minutes(profile.idle_lock_minutes)
        # open intakes and an exercise in progress (parents before their children)
        for widget in self.findChildren(QWidget):
            changed = getattr(widget, "user_changed", None)
            if callable(changed):
                changed()
        self.list_page.refresh()

    def _first_painted(self) -> None:
        self.painted = True
        self.refresh_status()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.idle.watch(self.windowHandle())  # before it is activated
        QTimer.singleShot(0, self.refresh_status)

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
