"""Privacy by design on the central service (issue 21): the access review of NEN 7513
(`review`: who opened a case; per region and period the break-the-glass openings and
unusual numbers of openings, as PDF) and its CLI (`cli`: `doorloop-central audit ...`).

Who sees which case is `central_api.storage.access`; the rule itself is
`doorloop_protocol.privacy`.
"""
