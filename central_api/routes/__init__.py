"""The HTTP routes, one router per area: `service` (health), `auth` (login, logout, me)
and `sync` (push, pull). Reference data reaches the desks through pull and is managed,
like accounts and retention, with the `doorloop-central` CLI: neither has routes.

Every route takes what it needs from the app's state (`deps`), so a router holds no
storage of its own and `create_app` only includes the routers.
"""
