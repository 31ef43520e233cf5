"""Open views follow the store: nothing shown is stale after a pull or a merge (issue 22).

Pulled versions are stored the way the sync worker stores them: its own store on the
same file, on its own thread, in one transaction (tests/helpers/pulled.py). The views
hear of it through the store's change feed, moved to the GUI thread.
"""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from desktop.session.desk import DeskSession
from desktop.session.reconcile import Reconciler
from desktop.store import Store
from desktop.store.sync_state import SyncState
from desktop.ui.intake_view import HIGHLIGHT_STYLE, IntakeView
from desktop.ui.main_window import MainWindow
from tests.helpers.pulled import pull_on_worker_thread, version_item
from tests.helpers.stores import PASSPHRASE
from tests.ui.test_intake_view import show


def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def sent(session: DeskSession, answers: dict[str, object]) -> str:
    """A case whose head version was sent (sealed), as a pull can build on it."""
    case = session.new_case(answers)
    session.store.cases.set_status(case.id, "draft", session.actor, seal=True)
    return case.id


def test_a_pulled_version_updates_the_open_view_and_its_banner_at_once(
    qtbot: QtBot, session: DeskSession, tmp_path: Path
) -> None:
    case_id = sent(session, {"risk.suicidality": "none", "youth.first_name": "Sem"})
    view = show(qtbot, IntakeView(session, case_id))
    suicidality = view.editors["risk.suicidality"].widget
    assert suicidality.currentText() == "Geen"
    assert not view.banners["high_suicide_risk"].isVisibleTo(view)
    head = session.get_case(case_id).version
    merged = {
        **session.get_case(case_id).answers,
        "risk.suicidality": "plan",
        "risk.means_available": "yes",
    }
    item = version_item(case_id, merged, base_version_id=head.id, number=head.number + 1)
    assert pull_on_worker_thread(data_dir(tmp_path), PASSPHRASE, item) == "advanced"

    qtbot.waitUntil(lambda: suicidality.currentText() == "Concreet plan", timeout=2000)
    assert view.editors["risk.means_available"].widget.currentText() == "Ja"
    assert view.banners["high_suicide_risk"].isVisibleTo(view), "the banner follows the store"
    assert suicidality.styleSheet() == HIGHLIGHT_STYLE, "a changed field is highlighted"
    assert "risk.suicidality" in view.highlighted
    assert view.action_message.text().startswith("Bijgewerkt met de versie van Otto Overdijk")
    assert view.action_message.text().endswith(": Suïcidaliteit, Middelen beschikbaar.")
    assert view.editors["youth.first_name"].text() == "Sem"
    qtbot.waitUntil(lambda: suicidality.styleSheet() == "", timeout=5000)  # brief


def test_a_field_being_edited_keeps_the_typed_text_and_offers_the_newer_value(
    qtbot: QtBot, session: DeskSession, tmp_path: Path
) -> None:
    case_id = sent(session, {"call.caller_name": "Juf Ineke", "youth.first_name": "Sem"})
    view = show(qtbot, IntakeView(session, case_id))
    name = view.editors["call.caller_name"].widget
    view.focus_field("call.caller_name")
    name.selectAll()
    qtbot.keyClicks(name, "Ineke de Gr")  # still typing when the pull arrives
    head = session.get_case(case_id).version
    item = version_item(
        case_id,
        {**session.get_case(case_id).answers, "call.caller_name": "Ineke de Groot (juf)"},
        base_version_id=head.id,
        number=head.number + 1,
    )
    assert pull_on_worker_thread(data_dir(tmp_path), PASSPHRASE, item) == "advanced"

    row = view.rows["call.caller_name"]
    qtbot.waitUntil(row.offer.isVisible, timeout=2000)
    assert name.text() == "Ineke de Gr", "the typed text is not overwritten"
    assert "Ineke de Groot (juf)" in row.offer_text.text()
    assert "Otto Overdijk" in row.offer_text.text()
    qtbot.keyClicks(name, "oot")
    qtbot.waitUntil(lambda: view.save_state.text() == "opgeslagen", timeout=2000)
    stored = session.get_case(case_id)
    assert stored.answers["call.caller_name"] == "Ineke de Groot", "typed text is committed"
    assert stored.version.base_version_id == item["version_id"], "on top of the pulled version"
    assert row.offer.isVisible(), "the newer value is still offered"

    view.take_newer("call.caller_name")  # the button's slot; keyboard: Tab to it, Space
    assert name.text() == "Ineke de Groot (juf)"
    assert session.get_case(case_id).answers["call.caller_name"] == "Ineke de Groot (juf)"
    assert not row.offer.isVisible()


def test_the_offer_is_answered_with_the_keyboard(
    qtbot: QtBot, session: DeskSession, tmp_path: Path
) -> None:
    case_id = sent(session, {"situation.reason": "Ruzie thuis."})
    view = show(qtbot, IntakeView(session, case_id))
    reason = view.editors["situation.reason"].widget
    view.focus_field("situation.reason")
    qtbot.keyClicks(reason, " Moeder")
    head = session.get_case(case_id).version
    item = version_item(
        case_id,
        {"situation.reason": "Ruzie thuis, politie geweest."},
        base_version_id=head.id,
        number=head.number + 1,
    )
    pull_on_worker_thread(data_dir(tmp_path), PASSPHRASE, item)
    row = view.rows["situation.reason"]
    qtbot.waitUntil(row.offer.isVisible, timeout=2000)
    qtbot.keyClick(reason, "\t")  # Tab leads to the offer's first button
    assert row.take_button.hasFocus()
    qtbot.keyClick(row.take_button, " ")
    assert reason.toPlainText() == "Ruzie thuis, politie geweest."
    assert session.get_case(case_id).answers["situation.reason"] == (
        "Ruzie thuis, politie geweest."
    )


def test_a_reconciliation_reaches_the_open_view(
    qtbot: QtBot, session: DeskSession, store: Store
) -> None:
    case_id = sent(session, {"youth.municipality": "Utrecht"})
    base = session.get_case(case_id).version
    local = store.cases.save_answers(case_id, {"youth.municipality": "Zeist"}, session.actor)
    view = show(qtbot, IntakeView(session, case_id))
    with store.atomic():
        SyncState(store.db, user=store.current_user).apply_version(
            version_item(
                case_id,
                {"youth.municipality": "Amersfoort"},
                base_version_id=base.id,
                number=2,
            )
        )
    qtbot.waitUntil(lambda: "Samenvoegen" in view.title.text(), timeout=2000)
    pulled = next(
        v for v in store.cases.versions(case_id) if v.answers["youth.municipality"] == "Amersfoort"
    )
    assert pulled.version.id != local.version.id
    Reconciler(store).resolve(case_id, {"youth.municipality": pulled.version.id}, session.actor)
    municipality = view.editors["youth.municipality"].widget
    qtbot.waitUntil(lambda: municipality.text() == "Amersfoort", timeout=2000)


def test_the_case_list_shows_a_pulled_new_case_and_typed_names_at_once(
    qtbot: QtBot, session: DeskSession, tmp_path: Path
) -> None:
    window = MainWindow(session)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    model = window.list_page.model

    def names() -> list[str]:
        return [model.index(row, 1).data() for row in range(model.rowCount())]

    item = version_item(
        "3f1c2a4e-0000-4000-8000-000000000022",
        {
            "youth.first_name": "Noor",
            "youth.last_name": "Bakker",
            "call.received_at": "2026-12-03T09:51:00+01:00",
        },
        base_version_id=None,
        number=1,
    )
    assert pull_on_worker_thread(data_dir(tmp_path), PASSPHRASE, item) == "new_case"
    qtbot.waitUntil(lambda: "Noor Bakker" in names(), timeout=2000)
    assert window.list_page.search.text() == "", "no search was needed"

    window.new_case()
    view = window.tabs.currentWidget()
    assert isinstance(view, IntakeView)
    qtbot.waitUntil(lambda: "onbekend" in names(), timeout=2000)
    view.focus_field("youth.first_name")
    qtbot.keyClicks(view.editors["youth.first_name"].widget, "Daan")
    qtbot.waitUntil(lambda: "Daan" in names(), timeout=2000)
    assert "onbekend" not in names()


def test_a_save_right_after_a_pull_shows_the_pulled_answers_before_writing_on_them(
    qtbot: QtBot, session: DeskSession, tmp_path: Path
) -> None:
    case_id = sent(session, {"risk.suicidality": "none"})
    view = show(qtbot, IntakeView(session, case_id))
    view.focus_field("call.caller_name")
    qtbot.keyClicks(view.editors["call.caller_name"].widget, "Juf")
    head = session.get_case(case_id).version
    merged = {"risk.suicidality": "plan", "risk.means_available": "yes"}
    item = version_item(case_id, merged, base_version_id=head.id, number=head.number + 1)
    pull_on_worker_thread(data_dir(tmp_path), PASSPHRASE, item)
    view.flush()  # the autosave comes before the change notification is handled
    combo = view.editors["risk.suicidality"].widget
    assert combo.currentText() == "Concreet plan", "never 'Geen' next to a danger banner"
    assert view.banners["high_suicide_risk"].isVisibleTo(view)
    stored = session.get_case(case_id).answers
    assert stored["call.caller_name"] == "Juf"
    assert stored["risk.suicidality"] == "plan"


def test_changes_while_locked_are_held_and_delivered_after_unlock(
    qtbot: QtBot, session: DeskSession, store: Store, tmp_path: Path
) -> None:
    from desktop.ui.store_events import events_for

    events = events_for(store)
    heard: list[frozenset[str]] = []
    events.cases_changed.connect(heard.append)
    store.lock()  # the sync worker may go on while the desk is locked
    item = version_item(
        "3f1c2a4e-0000-4000-8000-000000000023",
        {"youth.first_name": "Noor"},
        base_version_id=None,
        number=1,
    )
    pull_on_worker_thread(data_dir(tmp_path), PASSPHRASE, item)
    qtbot.wait(100)
    assert heard == [], "a locked store cannot be read: nothing is delivered yet"
    store.unlock(PASSPHRASE)
    events.release()
    assert heard == [frozenset({item["case_id"]})]
