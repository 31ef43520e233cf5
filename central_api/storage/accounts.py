"""Regions, users and devices: accounts, logins and the device tokens."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from central_api import db
from central_api.passwords import check_password
from central_api.security import hash_password, new_token, token_hash, verify_password
from central_api.storage.core import (
    AlreadyExists,
    DeviceRecord,
    NotFound,
    Principal,
    StorageCore,
    StorageError,
    UserRecord,
    inserted_id,
    utc_now,
)
from doorloop_protocol import ROLES


class Accounts(StorageCore):
    """Regions, users, devices and the principal behind a token."""

    def add_region(self, name: str) -> int:
        name = name.strip()
        if not name:
            raise ValueError("a region needs a name")
        try:
            with self.engine.begin() as conn:
                result = conn.execute(insert(db.regions).values(name=name, created_at=utc_now()))
                region_id = inserted_id(result)
                self._audit(conn, "admin.region_add", "ok", region_id=region_id, name=name)
        except IntegrityError as exc:
            raise AlreadyExists(f"region {name!r} exists") from exc
        return region_id

    def regions(self) -> list[str]:
        with self.engine.connect() as conn:
            names = conn.execute(select(db.regions.c.name).order_by(db.regions.c.name)).scalars()
            result = [str(n) for n in names]
            conn.rollback()
        return result

    def add_user(
        self,
        username: str,
        password: str,
        *,
        role: str,
        region: str,
        display_name: str | None = None,
        organization_id: str | None = None,
    ) -> str:
        """A new user; a ``receiver`` is bound to one directory organisation (and only a
        receiver is)."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
        organization_id = (organization_id or "").strip() or None
        if role == "receiver" and organization_id is None:
            raise ValueError("a receiver needs the organisation it answers for (organization)")
        if role != "receiver" and organization_id is not None:
            raise ValueError("only a receiver is bound to an organisation")
        if not username.strip():
            raise ValueError("a user needs a username")
        check_password(password, username.strip())
        user_id = str(uuid.uuid4())
        password_hash = hash_password(password)
        try:
            with self.engine.begin() as conn:
                region_id = self.region_id(conn, region)
                conn.execute(
                    insert(db.users).values(
                        id=user_id,
                        username=username.strip(),
                        display_name=(display_name or username).strip(),
                        password_hash=password_hash,
                        role=role,
                        region_id=region_id,
                        active=True,
                        created_at=utc_now(),
                        organization_id=organization_id,
                    )
                )
                self._audit(
                    conn,
                    "admin.user_add",
                    "ok",
                    user_id=user_id,
                    region_id=region_id,
                    role=role,
                    organization_id=organization_id,
                )
        except IntegrityError as exc:
            raise AlreadyExists(f"user {username!r} exists") from exc
        return user_id

    def _user_query(self) -> Any:
        return select(
            db.users.c.id,
            db.users.c.username,
            db.users.c.display_name,
            db.users.c.role,
            db.users.c.region_id,
            db.regions.c.name.label("region"),
            db.users.c.active,
            db.users.c.password_hash,
            db.users.c.organization_id,
        ).join(db.regions, db.regions.c.id == db.users.c.region_id)

    def authenticate(self, username: str, password: str) -> UserRecord | None:
        """The user when the password matches and the user is active, else None."""
        with self.engine.connect() as conn:
            row = conn.execute(self._user_query().where(db.users.c.username == username)).first()
            conn.rollback()
        ok = verify_password(row.password_hash if row else None, password)
        if row is None or not ok or not row.active:
            return None
        return UserRecord(
            id=row.id,
            username=row.username,
            display_name=row.display_name,
            role=row.role,
            region_id=row.region_id,
            region=row.region,
            active=row.active,
            organization_id=row.organization_id,
        )

    def register_device(
        self, user: UserRecord, name: str, installation_id: str | None = None
    ) -> tuple[str, str]:
        """The device of `user` on this login: returns (device id, new bearer token).

        Without an installation id every login registers a new device. With one, a live
        (not revoked) device of the same user and installation is found again and only
        gets a new token, so a login whose answer was lost leaves no orphan device (its
        lost token stops working).
        """
        for _attempt in range(3):
            try:
                return self._register_device(user, name, installation_id)
            except IntegrityError:
                if installation_id is None:
                    raise
                # a concurrent login from the same installation made the device first
        raise StorageError("could not register the device")

    def _register_device(
        self, user: UserRecord, name: str, installation_id: str | None
    ) -> tuple[str, str]:
        token = new_token()
        now = utc_now()
        with self.engine.begin() as conn:
            existing = None
            if installation_id is not None:
                existing = conn.execute(
                    select(db.devices.c.id).where(
                        db.devices.c.user_id == user.id,
                        db.devices.c.installation_id == installation_id,
                        db.devices.c.revoked_at.is_(None),
                    )
                ).scalar()
            if existing is not None:
                device_id = str(existing)
                conn.execute(
                    update(db.devices)
                    .where(db.devices.c.id == device_id)
                    .values(name=name, token_hash=token_hash(token))
                )
            else:
                device_id = str(uuid.uuid4())
                conn.execute(
                    insert(db.devices).values(
                        id=device_id,
                        user_id=user.id,
                        name=name,
                        token_hash=token_hash(token),
                        created_at=now,
                        installation_id=installation_id,
                    )
                )
            self._audit(
                conn,
                "auth.login",
                "ok",
                user_id=user.id,
                device_id=device_id,
                region_id=user.region_id,
                device_name=name,
                again=existing is not None,
            )
        return device_id, token

    def known_installation(self, username: str, installation_id: str | None) -> bool:
        """True when `installation_id` has logged in as `username` before (any device of
        the user, revoked ones too): the login throttle then counts it on its own."""
        if installation_id is None:
            return False
        query = (
            select(db.devices.c.id)
            .join(db.users, db.users.c.id == db.devices.c.user_id)
            .where(db.users.c.username == username, db.devices.c.installation_id == installation_id)
            .limit(1)
        )
        with self.engine.connect() as conn:
            found = conn.execute(query).first()
            conn.rollback()
        return found is not None

    def set_password(self, username: str, password: str) -> int:
        """Give `username` a new password and revoke all their devices (their tokens stop
        working at once; each device logs in again). Returns how many were revoked."""
        check_password(password, username)
        password_hash = hash_password(password)
        with self.engine.begin() as conn:
            user_id, region_id = self._user_ids(conn, username)
            conn.execute(
                update(db.users).where(db.users.c.id == user_id).values(password_hash=password_hash)
            )
            revoked = self._revoke_user_devices(conn, user_id)
            self._audit(
                conn, "admin.user_passwd", "ok", user_id=user_id, region_id=region_id,
                devices_revoked=revoked,
            )  # fmt: skip
        return revoked

    def set_active(self, username: str, active: bool) -> int:
        """Deactivate (or activate again) `username`. Deactivating revokes all their
        devices and refuses their logins; returns how many devices were revoked."""
        with self.engine.begin() as conn:
            user_id, region_id = self._user_ids(conn, username)
            conn.execute(update(db.users).where(db.users.c.id == user_id).values(active=active))
            revoked = 0 if active else self._revoke_user_devices(conn, user_id)
            action = "admin.user_activate" if active else "admin.user_deactivate"
            self._audit(
                conn, action, "ok", user_id=user_id, region_id=region_id, devices_revoked=revoked
            )
        return revoked

    def _user_ids(self, conn: Connection, username: str) -> tuple[str, int]:
        row = conn.execute(
            select(db.users.c.id, db.users.c.region_id)
            .where(db.users.c.username == username)
            .with_for_update()
        ).first()
        if row is None:
            raise NotFound(f"no user {username!r}")
        return str(row.id), int(row.region_id)

    def _revoke_user_devices(self, conn: Connection, user_id: str) -> int:
        result = conn.execute(
            update(db.devices)
            .where(db.devices.c.user_id == user_id, db.devices.c.revoked_at.is_(None))
            .values(revoked_at=utc_now())
        )
        return int(result.rowcount)

    def principal(self, token: str) -> Principal | None:
        """The device holding `token` (revoked ones too, flagged), or None when unknown."""
        query = (
            select(
                db.devices.c.id.label("device_id"),
                db.devices.c.revoked_at,
                db.devices.c.wipe_requested_at,
                db.users.c.id.label("user_id"),
                db.users.c.username,
                db.users.c.display_name,
                db.users.c.role,
                db.users.c.active,
                db.users.c.region_id,
                db.users.c.organization_id,
                db.regions.c.name.label("region"),
            )
            .join(db.users, db.users.c.id == db.devices.c.user_id)
            .join(db.regions, db.regions.c.id == db.users.c.region_id)
            .where(db.devices.c.token_hash == token_hash(token))
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
            conn.rollback()
        if row is None:
            return None
        return Principal(
            device_id=row.device_id,
            user_id=row.user_id,
            username=row.username,
            display_name=row.display_name,
            role=row.role,
            region_id=row.region_id,
            region=row.region,
            revoked=row.revoked_at is not None or not row.active,
            organization_id=row.organization_id,
            wipe=row.wipe_requested_at is not None,
        )

    def list_devices(self, region: str | None = None) -> list[DeviceRecord]:
        query = (
            select(
                db.devices.c.id,
                db.devices.c.name,
                db.users.c.username,
                db.regions.c.name.label("region"),
                db.devices.c.created_at,
                db.devices.c.last_seen_at,
                db.devices.c.revoked_at,
                db.devices.c.wipe_requested_at,
                db.devices.c.wipe_confirmed_at,
            )
            .join(db.users, db.users.c.id == db.devices.c.user_id)
            .join(db.regions, db.regions.c.id == db.users.c.region_id)
            .order_by(db.devices.c.created_at, db.devices.c.id)
        )
        if region is not None:
            query = query.where(db.regions.c.name == region)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
            conn.rollback()
        return [DeviceRecord(*row) for row in rows]

    def revoke_device(self, device_id: str, *, wipe: bool = False) -> None:
        """Revoke a device: its token answers 401 from now on. Raises NotFound.

        With `wipe` (a lost or stolen device, issue 21) its next contact answers
        `device_wipe`: the desk erases its local store and confirms
        (:meth:`confirm_wipe`). A plain revocation (logout, new password) keeps the
        desk's data, so unsent work survives a new login."""
        if wipe:
            self._request_wipe(device_id)
        with self.engine.begin() as conn:
            result = conn.execute(
                update(db.devices)
                .where(db.devices.c.id == device_id, db.devices.c.revoked_at.is_(None))
                .values(revoked_at=utc_now())
            )
            if result.rowcount == 0:
                exists = conn.execute(
                    select(db.devices.c.id).where(db.devices.c.id == device_id)
                ).first()
                if exists is None:
                    raise NotFound(f"no device {device_id!r}")
                return
            self._audit(conn, "admin.device_revoke", "ok", device_id=device_id, wipe=wipe)

    def _request_wipe(self, device_id: str) -> None:
        with self.engine.begin() as conn:
            result = conn.execute(
                update(db.devices)
                .where(db.devices.c.id == device_id, db.devices.c.wipe_requested_at.is_(None))
                .values(wipe_requested_at=utc_now())
            )
            if result.rowcount:
                self._audit(conn, "admin.device_wipe", "requested", device_id=device_id)

    def confirm_wipe(self, principal: Principal) -> bool:
        """The desk erased its store: record it (once). False when no wipe was asked."""
        if not principal.wipe:
            return False
        with self.engine.begin() as conn:
            conn.execute(
                update(db.devices)
                .where(
                    db.devices.c.id == principal.device_id,
                    db.devices.c.wipe_confirmed_at.is_(None),
                )
                .values(wipe_confirmed_at=utc_now())
            )
            self._audit(
                conn,
                "device.wipe_confirmed",
                "ok",
                user_id=principal.user_id,
                device_id=principal.device_id,
                region_id=principal.region_id,
            )
        return True
