"""`doorloop user list|init|add|remove|passwd` as real processes: several users on one
device, each with their own passphrase; only the first user or a coordinator manages."""

from __future__ import annotations

from pathlib import Path

from desktop.store import WrongPassphrase, open_store
from tests.e2e.conftest import doorloop

ANNA = "anna haar eigen zin"
TIM = "tim zijn eigen zinnetje"
CARLA = "carla coordineert graag"


def run(data_dir: Path, *args: str, acting: str | None = None, new: str | None = None):  # type: ignore[no-untyped-def]
    env = {}
    if acting is not None:
        env["DOORLOOP_PASSPHRASE"] = acting
    if new is not None:
        env["DOORLOOP_NEW_PASSPHRASE"] = new
    return doorloop("user", *args, "--data-dir", str(data_dir), env=env)


def test_init_add_list_remove_and_passwd(tmp_path: Path) -> None:
    data = tmp_path / "data"
    made = run(data, "init", "--name", "Anna de Vries", "--role", "desk", new=ANNA)
    assert made.returncode == 0, made.stderr
    assert "Anna de Vries aangemaakt" in made.stdout
    again = run(data, "init", "--name", "Iemand", "--role", "desk", new=ANNA)
    assert again.returncode == 2 and "al Doorloop-gegevens" in again.stderr

    added = run(data, "add", "--name", "Tim Triagist", "--role", "triagist", acting=ANNA, new=TIM)
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == "Gebruiker Tim Triagist toegevoegd door Anna de Vries."
    # a triagist may not add users; a wrong passphrase is refused; names are unique
    refused = run(data, "add", "--name", "Eva", "--role", "desk", acting=TIM, new="eva haar zin 1")
    assert refused.returncode == 2 and "mag geen gebruikers beheren" in refused.stderr
    wrong = run(data, "add", "--name", "Eva", "--role", "desk", acting="fout fout fout", new=TIM)
    assert (wrong.returncode, wrong.stderr.strip()) == (2, "Onjuiste wachtwoordzin.")
    taken = run(data, "add", "--name", "tim triagist", "--role", "desk", acting=ANNA, new=CARLA)
    assert taken.returncode == 2 and "Naam:" in taken.stderr
    short = run(data, "add", "--name", "Eva", "--role", "desk", acting=ANNA, new="kort")
    assert short.returncode == 2 and "minstens 10 tekens" in short.stderr
    bad_role = run(data, "add", "--name", "Eva", "--role", "baas", acting=ANNA, new=CARLA)
    assert bad_role.returncode == 2 and "--role" in bad_role.stderr
    coordinator = run(
        data, "add", "--name", "Carla Smit", "--role", "coordinator", acting=ANNA, new=CARLA
    )
    assert coordinator.returncode == 0, coordinator.stderr

    listed = run(data, "list")  # no passphrase needed: the names of the key slots
    assert listed.returncode == 0, listed.stderr
    names = [line.split("\t")[0] for line in listed.stdout.splitlines()]
    assert names == ["Anna de Vries", "Tim Triagist", "Carla Smit"]

    # the coordinator removes Tim, naming herself with --as
    removed = run(data, "remove", "Tim Triagist", "--as", "Carla Smit", acting=CARLA)
    assert removed.returncode == 0, removed.stderr
    assert "Tim Triagist verwijderd" in removed.stdout
    self_removal = run(data, "remove", "Carla Smit", acting=CARLA)
    assert self_removal.returncode == 2 and "uzelf" in self_removal.stderr
    unknown = run(data, "remove", "Niemand", acting=CARLA)
    assert unknown.returncode == 2 and "bestaat niet" in unknown.stderr
    try:
        open_store(data, TIM)
    except WrongPassphrase:
        pass
    else:
        raise AssertionError("a removed user's passphrase must not open the store")

    changed = run(data, "passwd", acting=ANNA, new="anna haar nieuwe zin")
    assert changed.returncode == 0, changed.stderr
    store = open_store(data, "anna haar nieuwe zin")
    try:
        trail = [(e.action, e.display_name) for e in store.audit.events()]
        assert ("user_added", "Anna de Vries") in trail
        assert ("user_removed", "Carla Smit") in trail
        assert trail[-1] == ("passphrase_changed", "Anna de Vries")
        assert [u.display_name for u in store.users()] == ["Anna de Vries", "Carla Smit"]
    finally:
        store.close()
    old = run(data, "passwd", acting=ANNA, new="nog een andere zin")
    assert (old.returncode, old.stderr.strip()) == (2, "Onjuiste wachtwoordzin.")


def test_list_without_data_is_a_clear_error(tmp_path: Path) -> None:
    result = run(tmp_path / "nothing", "list")
    assert result.returncode == 2
    assert "Geen Doorloop-gegevens" in result.stderr
    assert "Traceback" not in result.stderr
