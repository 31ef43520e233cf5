"""Server-rendered web pages on the central API (under ``/web``), for parties without
Doorloop: the frame and login (`pages`), the TOTP secrets and sessions (`store`), the
text (`i18n`), and one module per area of pages (`referrals`: the receiving party's;
`places`: a provider's free places).
"""

from __future__ import annotations

from fastapi import APIRouter

from central_api.web.pages import install_web


def web_routers() -> list[APIRouter]:
    """The routers of the page areas, after the login pages."""
    from central_api.web.places import router as places
    from central_api.web.referrals import router as referrals

    return [referrals, places]


__all__ = ["install_web", "web_routers"]
